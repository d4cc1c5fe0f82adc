"""Pipeline metrics against figures worked out by hand (period: June 2017, [06-01, 07-01))."""

from datetime import date
from decimal import Decimal

import pytest

from metrics.calculations import compute_all
from metrics.cuts import Cut
from metrics.models import Opportunity
from metrics.periods import Period, parse

from .factories import AccountFactory, ForecastFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

WON, LOST, OPEN = Opportunity.Status.WON, Opportunity.Status.LOST, Opportunity.Status.OPEN
RENEWAL = Opportunity.Type.RENEWAL
JUNE = parse("2017-06")


def d(text):
    return date.fromisoformat(text)


@pytest.fixture
def june_pipeline():
    smb = AccountFactory(segment="SMB")
    ent = AccountFactory(segment="Enterprise")

    def opp(account, status, created, closed=None, amount=None, **kwargs):
        return OpportunityFactory(
            account=account,
            status=status,
            created_date=d(created),
            close_date=d(closed) if closed else None,
            amount=Decimal(amount) if amount is not None else None,
            **kwargs,
        )

    opp(smb, WON, "2017-05-02", "2017-06-01", "1000.00")  # first day of P, 30-day cycle
    opp(smb, WON, "2017-06-10", "2017-06-30", "2500.50")  # last day of P, 20 days
    opp(ent, WON, "2017-06-01", "2017-06-11", None)  # empty amount counts 0, 10 days
    opp(smb, WON, "2017-06-01", "2017-06-05", "800.00", type=RENEWAL)  # renewal won, 4 days
    opp(ent, LOST, "2017-04-01", "2017-06-15", "300.00")
    opp(None, LOST, "2017-06-02", "2017-06-20", "50.00")  # no account: "all" only
    opp(ent, LOST, "2017-05-01", "2017-06-25", "200.00", type=RENEWAL)
    opp(smb, WON, "2017-06-15", "2017-07-01", "700.00")  # closes the day after P: open at its end
    opp(smb, WON, "2017-05-01", "2017-05-31", "9999.00")  # closed the day before P
    opp(ent, OPEN, "2017-06-30", None, None)  # open, created on the last day, no amount
    opp(None, OPEN, "2017-03-01", None, "400.00")  # open, no account
    opp(ent, OPEN, "2017-07-01", None, "123.00")  # created after P: not in its pipeline


def test_closed_counts_amounts_and_ratios_for_all_records(june_pipeline):
    f = compute_all(JUNE)
    # Won in June: 1000.00 + 2500.50 + 0 (empty) + 800.00 = 4300.50 over 4 deals.
    assert f["won_count"].value == 4
    assert f["won_amount"].value == Decimal("4300.50")
    # Lost in June: the Enterprise deal, the account-less one and the renewal: 3.
    assert f["lost_count"].value == 3
    # 4 / 7 = 0.571428571428... → 10 places
    assert f["win_rate"].value == Decimal("0.5714285714")
    assert (f["win_rate"].numerator, f["win_rate"].denominator) == (4, 7)
    # 4300.50 / 4 = 1075.125
    assert f["avg_deal_size"].value == Decimal("1075.125")
    # (30 + 20 + 10 + 4) / 4 = 16 days
    assert f["sales_cycle_days"].value == 16
    assert f["sales_cycle_days"].numerator == 64


def test_open_pipeline_at_the_end_of_the_period(june_pipeline):
    f = compute_all(JUNE)
    # Open on 06-30: the deal closing 07-01 (700), the open one created 06-30 (no amount → 0)
    # and the account-less open one (400). Not the one created 07-01.
    assert f["open_pipeline_count"].value == 3
    assert f["open_pipeline_amount"].value == Decimal("1100")


def test_pipeline_velocity_combines_its_four_inputs(june_pipeline):
    f = compute_all(JUNE)
    # 3 × (4/7) × 1075.125 / 16 = 12901.5 / 112 = 115.19196428571428...
    assert f["pipeline_velocity"].value == Decimal("115.1919642857")
    assert f["pipeline_velocity"].denominator == 16


def test_renewal_rates_count_renewal_deals_only(june_pipeline):
    f = compute_all(JUNE)
    # Renewals closed in June: won 800, lost 200 → 1 / 2 and 800 / 1000.
    assert f["renewal_rate"].value == Decimal("0.5")
    assert f["renewal_rate_amount"].value == Decimal("0.8")


def test_a_segment_cut_keeps_only_that_segments_accounts(june_pipeline):
    smb = compute_all(JUNE, Cut.segment("SMB"))
    # SMB won: 1000.00 + 2500.50 + 800.00 = 4300.50 over 3, cycle (30+20+4)/3 = 18; no losses.
    assert (smb["won_count"].value, smb["lost_count"].value) == (3, 0)
    assert smb["win_rate"].value == 1
    assert smb["avg_deal_size"].value == Decimal("1433.5")
    assert smb["sales_cycle_days"].value == 18
    assert (smb["open_pipeline_count"].value, smb["open_pipeline_amount"].value) == (1, 700)
    assert smb["renewal_rate"].value == 1
    ent = compute_all(JUNE, Cut.segment("Enterprise"))
    # Enterprise: won 1 (no amount), lost 2 (300 + 200 renewal) → 1/3; the open deal has no amount.
    assert ent["win_rate"].value == Decimal("0.3333333333")
    assert ent["avg_deal_size"].value == 0
    assert ent["pipeline_velocity"].value == 0  # 1 × 1/3 × 0 / 10
    assert (ent["open_pipeline_count"].value, ent["open_pipeline_amount"].value) == (1, 0)
    assert ent["renewal_rate"].value == 0
    assert ent["renewal_rate_amount"].value == 0  # 0 / 200
    assert "forecast_amount" not in ent  # forecasts have no segment


def test_a_period_without_deals_has_zero_sums_and_undefined_ratios(june_pipeline):
    f = compute_all(parse("2015-01"))
    assert (f["won_count"].value, f["lost_count"].value, f["won_amount"].value) == (0, 0, 0)
    assert (f["open_pipeline_count"].value, f["open_pipeline_amount"].value) == (0, 0)
    for key, reason in [
        ("win_rate", "no closed opportunities"),
        ("avg_deal_size", "no won opportunities"),
        ("sales_cycle_days", "no won opportunities"),
        ("pipeline_velocity", "no closed opportunities"),
        ("renewal_rate", "no closed renewal opportunities"),
        ("forecast_accuracy", "no forecast for this period"),
    ]:
        assert f[key].value is None, key
        assert f[key].undefined_reason == reason


def test_velocity_is_undefined_when_won_deals_closed_the_day_they_opened():
    OpportunityFactory(status=WON, created_date=d("2017-06-05"), close_date=d("2017-06-05"))
    f = compute_all(JUNE)
    assert f["sales_cycle_days"].value == 0
    assert f["pipeline_velocity"].value is None
    assert "0 days" in f["pipeline_velocity"].undefined_reason


def test_forecast_accuracy_uses_the_latest_forecast_recorded_by_the_first_day(june_pipeline):
    for recorded, amount in [
        ("2017-05-01", "4000"),
        ("2017-06-01", "5000"),
        ("2017-06-10", "9000"),
    ]:
        ForecastFactory(
            period_start=d("2017-06-01"),
            period_end=d("2017-06-30"),
            recorded_on=d(recorded),
            amount=Decimal(amount),
        )
    # Not for June as people write it: an exclusive end, and the quarter.
    ForecastFactory(period_start=d("2017-06-01"), period_end=d("2017-07-01"), amount=Decimal(1))
    ForecastFactory(period_start=d("2017-04-01"), period_end=d("2017-06-30"), amount=Decimal(2))
    f = compute_all(JUNE)
    assert f["forecast_amount"].value == 5000  # recorded on s itself
    # 1 − |5000 − 4300.50| / 4300.50 = 3601 / 4300.5 = 0.83734449482618...
    assert f["forecast_accuracy"].value == Decimal("0.8373444948")
    assert f["forecast_accuracy"].denominator == Decimal("4300.5")


def test_forecast_accuracy_falls_back_to_the_earliest_forecast_recorded_later(june_pipeline):
    for recorded, amount in [("2017-06-20", "100"), ("2017-06-10", "9000")]:
        ForecastFactory(
            period_start=d("2017-06-01"),
            period_end=d("2017-06-30"),
            recorded_on=d(recorded),
            amount=Decimal(amount),
        )
    f = compute_all(JUNE)
    assert f["forecast_amount"].value == 9000
    # 1 − |9000 − 4300.50| / 4300.50 = −399 / 4300.5 = −0.09277990931287...
    assert f["forecast_accuracy"].value == Decimal("-0.0927799093")


def test_forecast_accuracy_is_undefined_without_won_amount():
    ForecastFactory(period_start=d("2017-06-01"), period_end=d("2017-06-30"), amount=Decimal(10))
    f = compute_all(JUNE)
    assert f["forecast_amount"].value == 10
    assert f["forecast_accuracy"].value is None
    assert f["forecast_accuracy"].undefined_reason == "no won amount in this period"


def test_a_quarter_and_a_custom_range_sum_their_days(june_pipeline):
    # Q2 adds the deal closed 05-31 (9999, created 05-01: 30 days) to June's four wins.
    q2 = compute_all(parse("2017-Q2"))
    assert q2["won_count"].value == 5
    assert q2["won_amount"].value == Decimal("14299.50")
    assert q2["sales_cycle_days"].value == Decimal("18.8")  # (64 + 30) / 5
    custom = compute_all(Period(d("2017-06-01"), d("2017-06-15")))  # [06-01, 06-15)
    # Won: 06-01 (1000.00), 06-05 (800.00), 06-11 (empty); lost: none before 06-15.
    assert custom["won_count"].value == 3
    assert custom["won_amount"].value == Decimal("1800")
    assert custom["lost_count"].value == 0
