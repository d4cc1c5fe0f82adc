"""The Northwind Ledger demo data: deterministic, idempotent, and ending where the scorecard looks."""

from datetime import date

import pytest
from django.db.models import Count

from metrics import services
from metrics.calculations import compute_all
from metrics.demo import seed_demo_crm
from metrics.models import Account, Forecast, MetricRun, Opportunity, Spend, Subscription
from metrics.periods import Period, covering, last_complete

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)


def contents():
    return (
        sorted(Account.objects.values_list("external_id", "name", "segment")),
        sorted(
            Opportunity.objects.values_list(
                "external_id",
                "account__external_id",
                "status",
                "amount",
                "close_date",
                "source",
                "type",
            )
        ),
        sorted(
            Subscription.objects.values_list(
                "external_id", "account__external_id", "mrr", "start_date", "end_date"
            )
        ),
        sorted(Spend.objects.values_list("month", "channel", "category", "amount")),
        sorted(Forecast.objects.values_list("period_start", "period_end", "recorded_on", "amount")),
    )


def test_seeding_twice_changes_nothing():
    summary = seed_demo_crm(today=TODAY)
    first = contents()
    seed_demo_crm(today=TODAY)
    assert contents() == first
    assert Account.objects.count() == summary.accounts == 200
    assert Opportunity.objects.count() == summary.opportunities


def test_the_data_looks_like_a_crm():
    summary = seed_demo_crm(today=TODAY)
    assert set(Account.objects.values_list("segment", flat=True)) == {
        "SMB",
        "Mid-Market",
        "Enterprise",
    }
    assert set(Opportunity.objects.values_list("status", flat=True)) == {"open", "won", "lost"}
    assert set(Opportunity.objects.values_list("type", flat=True)) == {
        "new_business",
        "expansion",
        "renewal",
    }
    assert set(Opportunity.objects.values_list("source", flat=True)) == {
        "Paid Search",
        "Events",
        "Referral",
        "Outbound",
        "Partner",
        "Organic",
    }
    assert summary.last_day == date(2026, 2, 28)
    assert Opportunity.objects.filter(close_date__gt=summary.last_day).count() == 0
    assert Opportunity.objects.filter(created_date__gt=summary.last_day).count() == 0
    assert Spend.objects.values("channel", "category").distinct().count() == 12
    assert Forecast.objects.filter(period_end__gt=summary.first_day).exists()
    # Some accounts returned after churning (more than one subscription with a gap).
    assert Subscription.objects.values("account").annotate(n=Count("pk")).filter(n__gt=1).exists()


def test_the_scorecard_default_period_has_figures():
    seed_demo_crm(today=TODAY)
    period = last_complete("month", TODAY)
    f = compute_all(period)
    assert f["mrr"].value > 0
    assert f["customers"].value > 0
    assert f["won_count"].value > 0
    assert f["spend"].value > 0
    assert f["open_pipeline_count"].value > 0
    assert f["forecast_amount"].value is not None
    run = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    assert run.status == MetricRun.Status.SUCCEEDED


def test_the_year_shows_every_kind_of_mrr_movement():
    seed_demo_crm(today=TODAY)
    year = Period(date(2025, 3, 1), date(2026, 3, 1))
    f = compute_all(year)
    movements = {
        key: f[key].value for key in ("new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr")
    }
    assert all(value > 0 for value in movements.values()), movements
    months = covering("month", date(2025, 1, 1), date(2026, 2, 28))
    reactivations = [compute_all(month)["reactivation_mrr"].value for month in months]
    assert any(value > 0 for value in reactivations)
