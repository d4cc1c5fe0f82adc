"""Drill-down: the records behind a figure, worked out by hand from small fixtures."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics import catalog, drilldown
from metrics.cuts import Cut
from metrics.models import Opportunity
from metrics.params import BadRequest
from metrics.periods import Period
from tests.metrics.dashboard_support import make_persona
from tests.metrics.factories import (
    AccountFactory,
    ForecastFactory,
    OpportunityFactory,
    SpendFactory,
    SubscriptionFactory,
)

JUNE = Period.month(2017, 6)  # [2017-06-01, 2017-07-01): opening on May 31, closing on June 30


def tables(key, period=JUNE, cut=None, run=None):
    found = drilldown.drilldown(catalog.BY_KEY[key], period, cut or Cut(), run=run)
    return {t.name: t for t in found}


@pytest.mark.django_db
def test_account_movements_show_opening_and_closing_mrr_and_the_movement():
    def account(name, segment="SMB"):
        return AccountFactory(name=name, segment=segment)

    expander, churner, newcomer = account("A expander"), account("B churner"), account("C new")
    returning, shrinker, steady = account("D returning"), account("E shrinker"), account("F steady")
    gone_long_ago = account("G gone")
    # A: 100 until June 10, then 150 → opening 100, closing 150: expansion of 50.
    SubscriptionFactory(account=expander, mrr=Decimal("100"), start_date=date(2017, 1, 1),
                        end_date=date(2017, 6, 10))  # fmt: skip
    SubscriptionFactory(account=expander, mrr=Decimal("150"), start_date=date(2017, 6, 10))
    # B: 200, first day without service June 15 → churn of 200.
    SubscriptionFactory(account=churner, mrr=Decimal("200"), start_date=date(2016, 3, 1),
                        end_date=date(2017, 6, 15))  # fmt: skip
    # C: starts June 5, never had one → new 80.
    SubscriptionFactory(account=newcomer, mrr=Decimal("80"), start_date=date(2017, 6, 5))
    # D: had one in 2016, back in June → reactivation 60.
    SubscriptionFactory(account=returning, mrr=Decimal("40"), start_date=date(2016, 1, 1),
                        end_date=date(2016, 6, 1))  # fmt: skip
    SubscriptionFactory(account=returning, mrr=Decimal("60"), start_date=date(2017, 6, 20))
    # E: two subscriptions 300 in total on May 31; one of 50 ends June 30 (its first day
    # without service), so June 30 has 250 → contraction of 50.
    SubscriptionFactory(account=shrinker, mrr=Decimal("250"), start_date=date(2017, 1, 1))
    SubscriptionFactory(account=shrinker, mrr=Decimal("50"), start_date=date(2017, 1, 1),
                        end_date=date(2017, 6, 30))  # fmt: skip
    # F: unchanged 70. G: ended before the period: not listed.
    SubscriptionFactory(account=steady, mrr=Decimal("70"), start_date=date(2017, 2, 1))
    SubscriptionFactory(account=gone_long_ago, mrr=Decimal("90"), start_date=date(2016, 1, 1),
                        end_date=date(2017, 1, 1))  # fmt: skip
    rows = {
        a.account.name: (a.opening_mrr, a.closing_mrr, a.movement, a.change)
        for a in tables("nrr")["accounts"].queryset
    }
    assert rows == {
        "A expander": (Decimal("100"), Decimal("150"), "expansion", Decimal("50")),
        "B churner": (Decimal("200"), Decimal("0"), "churn", Decimal("-200")),
        "C new": (Decimal("0"), Decimal("80"), "new", Decimal("80")),
        "D returning": (Decimal("0"), Decimal("60"), "reactivation", Decimal("60")),
        "E shrinker": (Decimal("300"), Decimal("250"), "contraction", Decimal("-50")),
        "F steady": (Decimal("70"), Decimal("70"), "unchanged", Decimal("0")),
    }
    # Their sum is the identity: opening 670 + 80 + 60 + 50 − 50 − 200 = closing 610.
    assert sum(r[0] for r in rows.values()) == Decimal("670")
    assert sum(r[1] for r in rows.values()) == Decimal("610")


@pytest.mark.django_db
def test_the_movement_a_metric_is_about_is_listed_first_and_unchanged_accounts_last():
    def account_with(name, mrr, start, end=None):
        SubscriptionFactory(account=AccountFactory(name=name), mrr=Decimal(mrr),
                            start_date=start, end_date=end)  # fmt: skip

    account_with("A steady", "70", date(2017, 1, 1))
    account_with("B new", "80", date(2017, 6, 5))
    account_with("C churner", "200", date(2017, 1, 1), date(2017, 6, 15))
    names = [a.account.name for a in tables("churned_mrr")["accounts"].queryset]
    assert names == ["C churner", "B new", "A steady"]
    names = [a.account.name for a in tables("new_mrr")["accounts"].queryset]
    assert names == ["B new", "C churner", "A steady"]
    names = [a.account.name for a in tables("mrr")["accounts"].queryset]
    assert names == ["B new", "C churner", "A steady"]


@pytest.mark.django_db
def test_account_movements_can_be_cut_by_segment():
    SubscriptionFactory(account=AccountFactory(name="Small", segment="SMB"), mrr=Decimal("10"))
    SubscriptionFactory(account=AccountFactory(name="Big", segment="Enterprise"), mrr=Decimal("99"))
    names = [
        a.account.name for a in tables("mrr", cut=Cut("segment", "Enterprise"))["accounts"].queryset
    ]
    assert names == ["Big"]


@pytest.mark.django_db
def test_win_rate_lists_the_won_and_lost_deals_closed_in_the_period():
    won = OpportunityFactory(
        status="won", created_date=date(2017, 5, 1), close_date=date(2017, 6, 3)
    )
    lost = OpportunityFactory(
        status="lost", created_date=date(2017, 5, 1), close_date=date(2017, 6, 30)
    )
    OpportunityFactory(status="won", created_date=date(2017, 5, 1), close_date=date(2017, 7, 1))
    OpportunityFactory(status="open", created_date=date(2017, 5, 1))
    assert list(tables("win_rate")["opportunities"].queryset) == [won, lost]


@pytest.mark.django_db
def test_open_pipeline_lists_deals_open_at_the_end_of_the_period():
    still_open = OpportunityFactory(status="open", created_date=date(2017, 6, 30))
    closed_later = OpportunityFactory(status="won", created_date=date(2017, 3, 1),
                                      close_date=date(2017, 7, 2))  # fmt: skip
    OpportunityFactory(status="open", created_date=date(2017, 7, 1))  # created after P
    OpportunityFactory(status="lost", created_date=date(2017, 3, 1), close_date=date(2017, 6, 30))
    assert set(tables("open_pipeline_amount")["opportunities"].queryset) == {
        still_open,
        closed_later,
    }


@pytest.mark.django_db
def test_renewal_rate_lists_only_renewal_deals():
    renewal = OpportunityFactory(
        type="renewal", created_date=date(2017, 5, 1), close_date=date(2017, 6, 9)
    )
    OpportunityFactory(
        type="new_business", created_date=date(2017, 5, 1), close_date=date(2017, 6, 9)
    )
    assert list(tables("renewal_rate")["opportunities"].queryset) == [renewal]


@pytest.mark.django_db
def test_cac_lists_the_spend_and_the_new_customers_with_their_first_deals_channel():
    SpendFactory(month=date(2017, 6, 1), channel="Referral", amount=Decimal("300"))
    SpendFactory(month=date(2017, 6, 1), channel="Ads", amount=Decimal("500"))
    SpendFactory(month=date(2017, 7, 1), channel="Ads", amount=Decimal("999"))
    fresh = AccountFactory(name="Fresh")
    OpportunityFactory(account=fresh, source="Referral", created_date=date(2017, 5, 1),
                       close_date=date(2017, 6, 2))  # fmt: skip
    OpportunityFactory(account=fresh, source="Ads", created_date=date(2017, 5, 1),
                       close_date=date(2017, 6, 20))  # fmt: skip
    veteran = AccountFactory(name="Veteran")  # first won in 2016: not new in June
    OpportunityFactory(account=veteran, created_date=date(2016, 1, 1), close_date=date(2016, 2, 1))
    OpportunityFactory(account=veteran, created_date=date(2017, 5, 1), close_date=date(2017, 6, 5))
    result = tables("cac")
    assert sum(s.amount for s in result["spend"].queryset) == Decimal("800")
    customers = list(result["customers"].queryset)
    assert [(c.deal.account.name, c.deal.source) for c in customers] == [("Fresh", "Referral")]
    by_ads = tables("cac", cut=Cut("channel", "Ads"))
    assert [s.amount for s in by_ads["spend"].queryset] == [Decimal("500")]
    assert list(by_ads["customers"].queryset) == []


@pytest.mark.django_db
def test_forecast_accuracy_lists_the_periods_forecasts_and_won_deals():
    ForecastFactory(
        period_start=date(2017, 6, 1), period_end=date(2017, 6, 30), recorded_on=date(2017, 5, 20)
    )
    ForecastFactory(
        period_start=date(2017, 7, 1), period_end=date(2017, 7, 31), recorded_on=date(2017, 6, 20)
    )
    result = tables("forecast_accuracy")
    assert [f.recorded_on for f in result["forecasts"].queryset] == [date(2017, 5, 20)]
    assert "won" in result


def test_a_cut_the_metric_does_not_allow_is_refused():
    with pytest.raises(BadRequest):
        drilldown.drilldown(catalog.BY_KEY["win_rate"], JUNE, Cut("channel", "Ads"), run=None)


@pytest.mark.django_db
def test_the_records_page_is_paginated(client):
    for n in range(55):
        OpportunityFactory(
            name=f"Deal {n:02d}", created_date=date(2017, 5, 1), close_date=date(2017, 6, 2)
        )
    client.force_login(make_persona("reader"))
    url = reverse("metrics:records", kwargs={"key": "won_count"}) + "?period=2017-06"
    first = client.get(url).content.decode()
    fiftieth = Opportunity.objects.order_by("close_date", "external_id")[49]
    assert f'after={fiftieth.pk}" rel="next"' in first
    assert not re.search(r'before=\d+" rel="prev"', first)
    assert first.count("<tr><td>OPP-") == 50
    second = client.get(url + f"&after={fiftieth.pk}").content.decode()
    assert second.count("<tr><td>OPP-") == 5
    assert f'before={fiftieth.pk + 1}" rel="prev"' in second
    assert not re.search(r'after=\d+" rel="next"', second)


@pytest.fixture
def demo_run(db):
    from metrics.demo import seed_demo_crm
    from metrics.services import compute_now

    seed_demo_crm(today=date(2026, 11, 23))
    return compute_now(trigger="command")


def stored_value(run, key, period, cut=None):
    from metrics.models import MetricValue

    cut = cut or Cut()
    return MetricValue.objects.of_run(run).get(
        key=key, period_start=period.start, period_end=period.end,
        cut_kind=cut.kind, cut_value=cut.value,
    ).value  # fmt: skip


PERIODS = [Period.month(2026, 3), Period.quarter(2026, 2), Period.year(2026)]
CUTS = [Cut(), Cut("segment", "Enterprise")]


def test_the_drill_down_accounts_add_up_to_the_engines_stored_figures(demo_run):
    for period in PERIODS:
        for cut in CUTS:
            accounts = list(tables("mrr", period, cut, demo_run)["accounts"].queryset)
            by = {}
            for a in accounts:
                by.setdefault(a.movement, []).append(a)

            def stored(key, period=period, cut=cut):
                return stored_value(demo_run, key, period, cut)

            def moved(movement, by=by):
                return sum(a.change for a in by.get(movement, []))

            assert sum(a.closing_mrr for a in accounts) == stored("mrr")
            assert sum(a.opening_mrr for a in accounts) == stored("opening_mrr")
            assert moved("new") == stored("new_mrr")
            assert moved("reactivation") == stored("reactivation_mrr")
            assert moved("expansion") == stored("expansion_mrr")
            assert -moved("contraction") == stored("contraction_mrr")
            assert -moved("churn") == stored("churned_mrr")
            assert len(by.get("churn", [])) == stored("churned_customers")


def test_the_drill_down_deals_customers_and_spend_match_the_engines_stored_figures(demo_run):
    for period in PERIODS:
        closed = list(tables("win_rate", period)["opportunities"].queryset)
        assert sum(o.status == "won" for o in closed) == stored_value(demo_run, "won_count", period)
        assert sum(o.status == "lost" for o in closed) == stored_value(
            demo_run, "lost_count", period
        )
        open_deals = tables("open_pipeline_count", period)["opportunities"].queryset
        assert open_deals.count() == stored_value(demo_run, "open_pipeline_count", period)
        cac = tables("cac", period)
        assert cac["customers"].queryset.count() == stored_value(demo_run, "new_customers", period)
        assert sum(s.amount for s in cac["spend"].queryset) == stored_value(
            demo_run, "spend", period
        )


def test_new_customers_by_segment_and_channel_match_the_engines_stored_figures(demo_run):
    """The page-by-page query (first won deals, not every account's first won lookup) counts
    what the engine counted, for every cut the figure has."""
    from metrics.models import Account, Opportunity

    segments = set(Account.objects.values_list("segment", flat=True)) - {""}
    channels = set(Opportunity.objects.values_list("source", flat=True)) - {""}
    cuts = [Cut("segment", s) for s in segments] + [Cut("channel", c) for c in channels]
    assert len(cuts) > 3
    for period in PERIODS:
        for cut in cuts:
            customers = tables("new_customers", period, cut, demo_run)["customers"].queryset
            assert customers.count() == stored_value(demo_run, "new_customers", period, cut)


@pytest.mark.django_db
def test_a_new_customer_is_listed_once_with_the_deal_the_calculations_call_its_first():
    account = AccountFactory(name="Twice")
    day = date(2017, 6, 12)
    # Same close date: the earlier created deal is the first; same created date too: the
    # smaller external id.
    OpportunityFactory(account=account, external_id="O-2", source="Ads",
                       created_date=date(2017, 5, 2), close_date=day)  # fmt: skip
    OpportunityFactory(account=account, external_id="O-3", source="Events",
                       created_date=date(2017, 5, 1), close_date=day)  # fmt: skip
    OpportunityFactory(account=account, external_id="O-1", source="Referral",
                       created_date=date(2017, 5, 2), close_date=day)  # fmt: skip
    OpportunityFactory(account=account, external_id="O-0", created_date=date(2017, 5, 1),
                       close_date=date(2017, 6, 20))  # fmt: skip
    listed = list(tables("new_customers")["customers"].queryset)
    assert [(c.deal.account.name, c.deal.external_id, c.deal.source) for c in listed] == [
        ("Twice", "O-3", "Events")
    ]
    assert tables("new_customers", cut=Cut("channel", "Events"))["customers"].queryset.count() == 1
    assert not tables("new_customers", cut=Cut("channel", "Ads"))["customers"].queryset.exists()


@pytest.mark.django_db
def test_the_accounts_movements_are_kept_per_run_and_a_new_run_lists_the_records_anew():
    from metrics.models import AccountMovement, DrilldownListing
    from tests.metrics.factories import MetricRunFactory

    SubscriptionFactory(account=AccountFactory(name="First"), mrr=Decimal("10"),
                        start_date=date(2017, 6, 2))  # fmt: skip
    before = MetricRunFactory()
    assert [a.account.name for a in tables("mrr", run=before)["accounts"].queryset] == ["First"]
    SubscriptionFactory(account=AccountFactory(name="Second"), mrr=Decimal("20"),
                        start_date=date(2017, 6, 3))  # fmt: skip
    # The run's figures do not know the new record: neither does the listing that explains them.
    assert [a.account.name for a in tables("mrr", run=before)["accounts"].queryset] == ["First"]
    after = MetricRunFactory()
    listed = tables("mrr", run=after)["accounts"].queryset
    assert [(a.account.name, a.position) for a in listed] == [("First", 1), ("Second", 2)]
    # The earlier run's listing is gone with it (only the latest run's are read).
    assert list(DrilldownListing.objects.values_list("run", flat=True)) == [after.pk]
    assert AccountMovement.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "says_kept"),
    [("arr", True), ("cac", True), ("new_customers", True), ("win_rate", False)],
)
def test_a_listing_kept_for_the_run_says_so_and_live_records_do_not(client, key, says_kept):
    client.force_login(make_persona("reader"))
    page = client.get(
        reverse("metrics:records", kwargs={"key": key}) + "?period=2017-06"
    ).content.decode()
    assert ("Listed once for the last computation" in page) is says_kept
