"""The funnel metrics (from leads), worked out by hand; a week spanning two months and two years.

The leads (created → qualified → converted, source):
    L1 2025-12-30 → 2026-01-02 → 2026-01-10  Webinar      (converted after 11 days)
    L2 2026-01-02                             Webinar      (no dates)
    L3 2026-01-05 → 2026-01-06                Paid Search
    L4 2026-01-15 → 2026-01-20 → 2026-02-03  Paid Search  (19 days)
    L5 2026-01-31 → 2026-01-31 → 2026-01-31  (no source)  (0 days)
    L6 2025-11-20 →            → 2026-01-20  Webinar      (61 days)
    L7 2026-02-01                             Webinar      (the day after January)
Marketing spend: 2025-12 Webinar 300; 2026-01 Webinar 400, Paid Search 600. Sales spend
2026-01 Paid Search 1000 (not in cost per lead).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.calculations import compute_all, compute_one
from metrics.calculations.funnel import FUNNEL_KEYS, funnel_figures, lead_sources
from metrics.cuts import Cut
from metrics.models import MetricValue, Spend
from metrics.periods import parse
from metrics.services import compute_now

from .factories import LeadFactory, SpendFactory

pytestmark = pytest.mark.django_db

NO_LEADS = "no leads created in this period"
NO_CONVERSIONS = "no leads converted in this period"


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
    lead("L1", "2025-12-30", "2026-01-02", "2026-01-10")
    lead("L2", "2026-01-02")
    lead("L3", "2026-01-05", "2026-01-06", source="Paid Search")
    lead("L4", "2026-01-15", "2026-01-20", "2026-02-03", source="Paid Search")
    lead("L5", "2026-01-31", "2026-01-31", "2026-01-31", source="")
    lead("L6", "2025-11-20", None, "2026-01-20")
    lead("L7", "2026-02-01")
    marketing = Spend.Category.MARKETING
    SpendFactory(month=d("2025-12-01"), channel="Webinar", category=marketing, amount=300)
    SpendFactory(month=d("2026-01-01"), channel="Webinar", category=marketing, amount=400)
    SpendFactory(month=d("2026-01-01"), channel="Paid Search", category=marketing, amount=600)
    SpendFactory(
        month=d("2026-01-01"), channel="Paid Search", category=Spend.Category.SALES, amount=1000
    )


def shown(figures):
    """key → (value, numerator, denominator, reason) for the funnel keys."""
    return {
        key: (f.value, f.numerator, f.denominator, f.undefined_reason)
        for key, f in figures.items()
        if key in FUNNEL_KEYS
    }


def n(text):
    return Decimal(text)


def test_january_all(leads):
    assert shown(compute_all(parse("2026-01"))) == {
        "leads_created": (n("4"), None, None, ""),  # L2 L3 L4 L5
        "qualified_leads": (n("3"), None, None, ""),  # L3 L4 L5
        "lead_qualification_rate": (n("0.75"), n("3"), n("4"), ""),
        # L4 converted in February: the January cohort counts it (so far).
        "converted_leads": (n("2"), None, None, ""),
        "lead_conversion_rate": (n("0.5"), n("2"), n("4"), ""),
        # Converted in January: L1 (11 days), L5 (0), L6 (61), whatever their cohort.
        "lead_conversion_days": (n("24"), n("72"), n("3"), ""),
        "cost_per_lead": (n("250"), n("1000"), n("4"), ""),  # marketing spend only
    }


def test_january_by_channel(leads):
    paid = shown(compute_all(parse("2026-01"), Cut.channel("Paid Search")))
    assert paid == {
        "leads_created": (n("2"), None, None, ""),
        "qualified_leads": (n("2"), None, None, ""),
        "lead_qualification_rate": (n("1"), n("2"), n("2"), ""),
        "converted_leads": (n("1"), None, None, ""),
        "lead_conversion_rate": (n("0.5"), n("1"), n("2"), ""),
        "lead_conversion_days": (None, n("0"), n("0"), NO_CONVERSIONS),
        "cost_per_lead": (n("300"), n("600"), n("2"), ""),
    }
    webinar = shown(compute_all(parse("2026-01"), Cut.channel("Webinar")))
    assert webinar["leads_created"][0] == 1  # L2
    assert webinar["lead_qualification_rate"] == (n("0"), n("0"), n("1"), "")
    assert webinar["lead_conversion_days"] == (n("36"), n("72"), n("2"), "")  # L1 and L6
    assert webinar["cost_per_lead"] == (n("400"), n("400"), n("1"), "")


def test_a_week_spanning_two_months_and_two_years(leads):
    # 2026-W01 is Monday 2025-12-29 to Sunday 2026-01-04: L1 (December) and L2 (January).
    week = shown(compute_all(parse("2026-W01")))
    assert week["leads_created"][0] == 2
    assert week["lead_qualification_rate"] == (n("0.5"), n("1"), n("2"), "")
    assert week["lead_conversion_rate"] == (n("0.5"), n("1"), n("2"), "")
    assert week["lead_conversion_days"] == (None, n("0"), n("0"), NO_CONVERSIONS)
    # Spend is monthly: the week holds the first day of January, so January's marketing spend.
    assert week["cost_per_lead"] == (n("500"), n("1000"), n("2"), "")
    # Each side of the week in its own month and year.
    assert compute_one("leads_created", parse("2025-12")).value == 1
    year_2025 = shown(compute_all(parse("2025")))
    assert year_2025["leads_created"][0] == 2  # L6, L1
    assert year_2025["lead_conversion_rate"] == (n("1"), n("2"), n("2"), "")  # both, in 2026
    assert year_2025["cost_per_lead"] == (n("150"), n("300"), n("2"), "")


def test_a_period_without_leads_counts_zero_and_its_ratios_are_undefined_with_reasons(leads):
    march = shown(compute_all(parse("2026-03")))
    assert march == {
        "leads_created": (n("0"), None, None, ""),
        "qualified_leads": (n("0"), None, None, ""),
        "lead_qualification_rate": (None, n("0"), n("0"), NO_LEADS),
        "converted_leads": (n("0"), None, None, ""),
        "lead_conversion_rate": (None, n("0"), n("0"), NO_LEADS),
        "lead_conversion_days": (None, n("0"), n("0"), NO_CONVERSIONS),
        "cost_per_lead": (None, n("0"), n("0"), NO_LEADS),
    }


def test_cost_per_lead_without_spend_is_zero_not_undefined(leads):
    assert compute_one("cost_per_lead", parse("2026-02")).value == 0  # L7, no February spend


def test_funnel_metrics_have_no_segment_cut(leads):
    figures = compute_all(parse("2026-01"), Cut.segment("SMB"))
    assert not set(FUNNEL_KEYS) & set(figures)
    assert compute_one("leads_created", parse("2026-01"), Cut.segment("SMB")).value is None


def test_the_same_queries_per_period_and_cut_however_many_leads():
    """The kept leads per day filled again after leads were written (as many queries for 1 lead
    as for 61), then two queries while they are current (the leads' sums, the spend) besides
    the two that find them current."""

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            funnel_figures(parse("2026-01"), Cut.channel("Webinar"))
        return len(queries)

    lead("A", "2026-01-03")
    few = count_queries()
    for i in range(60):
        lead(f"B{i}", "2026-01-04", "2026-01-05", "2026-01-09")
    assert few == count_queries()
    assert count_queries() == 2 + 2


def test_a_run_stores_the_funnel_for_all_and_each_lead_source(leads):
    assert lead_sources() == ["Paid Search", "Webinar"]  # a lead without a source: "all" only

    run = compute_now(trigger="command")

    stored = MetricValue.objects.of_run(run).filter(
        key="lead_conversion_rate", period_kind="month", period_start=d("2026-01-01")
    )
    assert {(v.cut_kind, v.cut_value): v.value for v in stored} == {
        ("all", ""): n("0.5"),
        ("channel", "Paid Search"): n("0.5"),
        ("channel", "Webinar"): n("0"),
    }
    # The runs cover the leads' dates: November 2025, when L6 was created.
    assert (
        MetricValue.objects.of_run(run)
        .filter(key="leads_created", period_kind="month", period_start=d("2025-11-01"), value=1)
        .exists()
    )
