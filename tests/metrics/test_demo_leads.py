"""The demo company's leads: a realistic funnel by channel, idempotent, and in the runs."""

from datetime import date

import pytest

from metrics.calculations import compute_all
from metrics.cuts import Cut
from metrics.demo import LEAD_FUNNEL, seed_demo_crm
from metrics.models import Lead
from metrics.periods import Period
from tests.metrics.test_commands import run_command

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)


@pytest.fixture
def demo():
    return seed_demo_crm(today=TODAY)


def test_seeding_twice_keeps_the_same_leads(demo):
    first = sorted(Lead.objects.values_list("external_id", "created_date", "converted_date"))
    seed_demo_crm(today=TODAY)
    assert (
        sorted(Lead.objects.values_list("external_id", "created_date", "converted_date")) == first
    )
    assert Lead.objects.count() == demo.leads > 3000


def test_no_lead_qualifies_or_converts_after_the_data_ends(demo):
    assert set(Lead.objects.values_list("source", flat=True)) == set(LEAD_FUNNEL)
    assert not Lead.objects.filter(created_date__gt=demo.last_day).exists()
    assert not Lead.objects.filter(converted_date__gt=demo.last_day).exists()
    assert not Lead.objects.filter(qualified_date__gt=demo.last_day).exists()


def test_the_funnel_differs_by_channel_as_a_real_one_would(demo):
    year = Period(date(2025, 3, 1), date(2026, 1, 1))  # cohorts old enough to have converted
    referral = compute_all(year, Cut.channel("Referral"))
    paid = compute_all(year, Cut.channel("Paid Search"))
    assert paid["leads_created"].value > 4 * referral["leads_created"].value  # volume
    assert referral["lead_conversion_rate"].value > 2 * paid["lead_conversion_rate"].value
    assert 0 < paid["lead_conversion_rate"].value < paid["lead_qualification_rate"].value < 1
    assert (
        paid["cost_per_lead"].value
        < compute_all(year, Cut.channel("Events"))["cost_per_lead"].value
    )
    assert 10 < compute_all(year)["lead_conversion_days"].value < 60
    # The last month's cohort has begun to convert: the scorecard shows no bare 0 %.
    last_month = compute_all(Period.containing(demo.last_day, "month"))
    assert 0 < last_month["lead_conversion_rate"].value < paid["lead_conversion_rate"].value


def test_metrics_report_shows_the_funnel(demo):
    # A custom range is computed on the spot (a stored month reads the same: test_commands.py).
    table = run_command(
        "metrics_report", "--period", "2026-01-01..2026-02-01", "--channel", "Referral"
    )
    assert "lead_conversion_rate" in table and "cost_per_lead" in table
    assert "leads_created" in table
