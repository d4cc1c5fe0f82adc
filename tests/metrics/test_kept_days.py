"""The totals kept per day and cut value: the funnel's leads (metrics_keptleadday,
funnel.LEAD_DAYS) and the new customers (metrics_keptnewcustomerday,
acquisition.NEW_CUSTOMER_DAYS). Each is filled on the first computation, left alone while
nothing it derives from is written, filled again after a write to each of its sources, and
gives each period and cut the counts the records themselves give (the drill-downs'
definitions).

The leads:
    A 2026-01-05 → 2026-01-06 → 2026-01-10  Webinar      (converted after 5 days)
    B 2026-01-05                             Webinar
    C 2026-01-05 → 2026-01-07                Paid Search
    D 2026-01-07 →            → 2026-01-10  (no source)  (3 days)
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import catalog
from metrics.calculations import (
    KEPT,
    acquisition,
    compute_all,
    compute_many,
    funnel,
    kept,
    new_customers_in,
)
from metrics.cuts import ALL_CUT, Cut
from metrics.models import Account, KeptLeadDay, KeptNewCustomerDay, Lead, Opportunity
from metrics.periods import Period, parse

from .factories import AccountFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

WEBINAR, PAID = Cut.channel("Webinar"), Cut.channel("Paid Search")
JANUARY = parse("2026-01")


def d(text):
    return date.fromisoformat(text) if text else None


def lead(external_id, created, qualified=None, converted=None, source="Webinar"):
    return LeadFactory(
        external_id=external_id,
        created_date=d(created),
        qualified_date=d(qualified),
        converted_date=d(converted),
        source=source,
    )


@pytest.fixture
def leads():
    lead("A", "2026-01-05", "2026-01-06", "2026-01-10")
    lead("B", "2026-01-05")
    lead("C", "2026-01-05", "2026-01-07", source="Paid Search")
    lead("D", "2026-01-07", converted="2026-01-10", source="")


def kept_rows() -> set[tuple]:
    """(kind, value, day, created, qualified, converted, conversions, conversion_days)."""
    return set(
        KeptLeadDay.objects.values_list(
            "kind", "value", "day", "created", "qualified", "converted", "conversions",
            "conversion_days",
        )
    )  # fmt: skip


def created(cut=ALL_CUT, period=JANUARY):
    return compute_all(period, cut)["leads_created"].value


def test_filled_on_the_first_computation_a_row_per_day_and_cut_value(leads):
    assert not KeptLeadDay.objects.exists()
    compute_all(JANUARY)
    day = d
    assert kept_rows() == {
        ("all", "", day("2026-01-05"), 3, 2, 1, 0, 0),
        ("all", "", day("2026-01-07"), 1, 0, 1, 0, 0),
        ("all", "", day("2026-01-10"), 0, 0, 0, 2, 8),  # A (5 days) and D (3)
        ("channel", "Webinar", day("2026-01-05"), 2, 1, 1, 0, 0),
        ("channel", "Webinar", day("2026-01-10"), 0, 0, 0, 1, 5),
        ("channel", "Paid Search", day("2026-01-05"), 1, 1, 0, 0, 0),
        # D has no source: in "all" only.
    }


def test_left_alone_while_no_lead_is_written(leads):
    assert created() == 4
    ids = set(KeptLeadDay.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        kept.ensure(funnel.LEAD_DAYS)
    assert len(queries) == 2  # the change markers, the stamps: nothing filled
    with CaptureQueriesContext(connection) as queries:
        figures = funnel.funnel_figures(JANUARY, WEBINAR)
    assert len(queries) == 4  # and the leads' sums, the spend
    assert figures["leads_created"].value == 2
    assert created(PAID) == 1
    assert set(KeptLeadDay.objects.values_list("pk", flat=True)) == ids


def _new_lead():
    lead("E", "2026-01-20", source="Paid Search")


def _lead_saved():
    b = Lead.objects.get(external_id="B")
    b.source = "Paid Search"
    b.save()


def _source_updated():
    Lead.objects.filter(external_id="B").update(source="Paid Search")


def _lead_deleted():
    Lead.objects.filter(external_id="A").delete()


def _raw_sql():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE metrics_lead SET source = 'Paid Search' WHERE external_id = 'B'")


@pytest.mark.parametrize(
    "write, webinar, paid",
    [
        (_new_lead, 2, 2),
        (_lead_saved, 1, 2),  # B moves from the Webinar cut to Paid Search
        (_source_updated, 1, 2),
        (_lead_deleted, 1, 1),
        (_raw_sql, 1, 2),
    ],
)
def test_filled_again_after_a_write_to_the_leads(leads, write, webinar, paid):
    assert (created(), created(WEBINAR), created(PAID)) == (4, 2, 1)
    write()
    total = Lead.objects.filter(created_date__gte=JANUARY.start, created_date__lt=JANUARY.end)
    assert (created(), created(WEBINAR), created(PAID)) == (total.count(), webinar, paid)
    with connection.cursor() as cursor:
        cursor.execute(funnel.lead_days_select())
        assert kept_rows() == set(cursor.fetchall())


def test_every_period_and_cut_counts_what_the_leads_give():
    """About 300 leads over five months in three sources (one empty), each period kind and a
    week across two months: the kept sums equal the drill-downs' own counts."""
    sources = ["Webinar", "Paid Search", ""]
    start = date(2025, 11, 3)
    for i in range(300):
        made = start + timedelta(days=(i * 7) % 140)
        qualified = made + timedelta(days=i % 5) if i % 3 else None
        converted = made + timedelta(days=(i * 11) % 40) if i % 4 == 0 else None
        lead(f"L{i}", made.isoformat(), qualified and qualified.isoformat(),
             converted and converted.isoformat(), source=sources[i % 3])  # fmt: skip
    periods = [
        parse("2025-11"), parse("2026-01"), parse("2026-Q1"), parse("2026"),
        Period.containing(date(2026, 1, 1), "week"), parse("2026-W10"),
    ]  # fmt: skip
    cuts = [ALL_CUT, WEBINAR, PAID, Cut.channel("Nowhere")]
    computed = compute_many(periods, cuts)
    for period in periods:
        for cut in cuts:
            figures = computed[period, cut]
            cohort = funnel.leads_for(cut).filter(funnel.created_in(period))
            converted = funnel.leads_for(cut).filter(funnel.converted_in(period))
            days = sum((x.converted_date - x.created_date).days for x in converted)
            assert figures["leads_created"].value == cohort.count()
            assert (
                figures["qualified_leads"].value
                == cohort.filter(qualified_date__isnull=False).count()
            )
            assert (
                figures["converted_leads"].value
                == cohort.filter(converted_date__isnull=False).count()
            )
            conversion_days = figures["lead_conversion_days"]
            assert (conversion_days.numerator, conversion_days.denominator) == (
                days,
                converted.count(),
            )
    assert computed[parse("2026-Q1"), ALL_CUT]["leads_created"].value > 100
    assert {kind for kind, *_ in kept_rows()} == {catalog.ALL, catalog.CHANNEL}


# --- New customers -----------------------------------------------------------------------

JUNE = parse("2017-06")
SMB, ENTERPRISE = Cut.segment("SMB"), Cut.segment("Enterprise")


def won(account, closed, source, created="2017-01-01"):
    return OpportunityFactory(
        account=account,
        status=Opportunity.Status.WON,
        close_date=d(closed),
        created_date=d(created),
        source=source,
    )


@pytest.fixture
def customers():
    """A (SMB, Software) first won on 06-10 by Events; B (Enterprise, Retail) on 06-20 by
    Referral; C (SMB, no industry) on 03-01, again in June; a deal of no account."""
    a = AccountFactory(external_id="A", segment="SMB", industry="Software")
    won(a, "2017-06-10", "Events")
    b = AccountFactory(external_id="B", segment="Enterprise", industry="Retail")
    won(b, "2017-06-20", "Referral")
    c = AccountFactory(external_id="C", segment="SMB", industry="")
    won(c, "2017-03-01", "Events")
    won(c, "2017-06-05", "Referral")
    won(None, "2017-06-15", "Referral")


def new_customer_rows() -> set[tuple]:
    return set(KeptNewCustomerDay.objects.values_list("kind", "value", "day", "customers"))


def new(cut=ALL_CUT, period=JUNE):
    return compute_all(period, cut)["new_customers"].value


def test_new_customers_filled_on_the_first_computation(customers):
    assert not KeptNewCustomerDay.objects.exists()
    assert new() == 2
    day = d
    assert new_customer_rows() == {
        ("all", "", day("2017-06-10"), 1),
        ("segment", "SMB", day("2017-06-10"), 1),
        ("industry", "Software", day("2017-06-10"), 1),
        ("channel", "Events", day("2017-06-10"), 1),
        ("all", "", day("2017-06-20"), 1),
        ("segment", "Enterprise", day("2017-06-20"), 1),
        ("industry", "Retail", day("2017-06-20"), 1),
        ("channel", "Referral", day("2017-06-20"), 1),
        ("all", "", day("2017-03-01"), 1),
        ("segment", "SMB", day("2017-03-01"), 1),
        ("channel", "Events", day("2017-03-01"), 1),
        # C has no industry: in "all" and its other cuts only.
    }


def test_new_customers_left_alone_while_no_opportunity_or_account_is_written(customers):
    assert new(SMB) == 1
    ids = set(KeptNewCustomerDay.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        kept.ensure(*KEPT)
    assert len(queries) == 2  # the change markers, the stamps: nothing filled
    assert new(ENTERPRISE) == 1
    assert set(KeptNewCustomerDay.objects.values_list("pk", flat=True)) == ids


def _an_earlier_win():
    won(Account.objects.get(external_id="A"), "2017-05-31", "Partner")  # A: new in May now


def _a_segment_changed():
    Account.objects.filter(external_id="B").update(segment="SMB")  # B moves to the SMB cut


def _a_deal_lost():
    Opportunity.objects.filter(account__external_id="B").update(status=Opportunity.Status.LOST)


@pytest.mark.parametrize(
    "write, june, smb, enterprise",
    [(_an_earlier_win, 1, 0, 1), (_a_segment_changed, 2, 2, 0), (_a_deal_lost, 1, 1, 0)],
    ids=["an earlier win", "a segment changed", "a deal lost"],
)
def test_new_customers_filled_again_after_a_write(customers, write, june, smb, enterprise):
    assert (new(), new(SMB), new(ENTERPRISE)) == (2, 1, 1)
    write()
    assert (new(), new(SMB), new(ENTERPRISE)) == (june, smb, enterprise)
    for cut in (ALL_CUT, SMB, ENTERPRISE):
        assert new(cut) == new_customers_in(JUNE, cut).count()
    with connection.cursor() as cursor:
        cursor.execute(acquisition.new_customer_days_select())
        assert new_customer_rows() == set(cursor.fetchall())


def test_every_period_and_cut_counts_the_new_customers_the_accounts_give():
    """60 accounts in two segments and industries (one empty) winning over six months, some
    twice: the kept sums equal the drill-downs' own counts."""
    start = date(2017, 1, 2)
    for i in range(60):
        account = AccountFactory(
            segment=["SMB", "Enterprise"][i % 2], industry=["Retail", "", "Software"][i % 3]
        )
        first = start + timedelta(days=(i * 13) % 180)
        won(account, first.isoformat(), ["Events", "Referral"][i % 2])
        if i % 4 == 0:
            won(account, (first + timedelta(days=20)).isoformat(), "Partner")
    periods = [parse("2017-02"), parse("2017-Q2"), parse("2017"), parse("2017-W10")]
    cuts = [ALL_CUT, SMB, ENTERPRISE, Cut("industry", "Retail"), Cut.channel("Referral")]
    computed = compute_many(periods, cuts)
    for period in periods:
        for cut in cuts:
            assert computed[period, cut]["new_customers"].value == (
                new_customers_in(period, cut).count()
            ), (period, cut)
    assert computed[parse("2017"), ALL_CUT]["new_customers"].value == 60
