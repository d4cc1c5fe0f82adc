"""Acquisition metrics (new customers, spend, CAC, LTV:CAC, payback), worked out by hand for June 2017."""

from datetime import date
from decimal import Decimal

import pytest

from metrics.calculations import FUNNEL_KEYS, channels, compute_all, compute_one, segments
from metrics.cuts import Cut
from metrics.models import Opportunity, Spend
from metrics.periods import parse

from .factories import AccountFactory, OpportunityFactory, SpendFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
WON, LOST = Opportunity.Status.WON, Opportunity.Status.LOST
JUNE = parse("2017-06")


def d(text):
    return date.fromisoformat(text)


def won(account, closed, source, created="2017-01-01", **kwargs):
    return OpportunityFactory(
        account=account,
        status=WON,
        close_date=d(closed),
        created_date=d(created),
        source=source,
        **kwargs,
    )


@pytest.fixture
def june_acquisition():
    a = AccountFactory(segment="SMB")
    won(a, "2017-06-10", "Events", created="2017-05-01")
    won(a, "2017-06-10", "Referral", created="2017-04-01")  # same close day, created earlier
    b = AccountFactory(segment="Enterprise")
    won(b, "2017-06-20", "Partner", created="2017-06-01", external_id="OPP-B-2")
    won(b, "2017-06-20", "Outbound", created="2017-06-01", external_id="OPP-B-1")  # smaller id
    c = AccountFactory(segment="SMB")
    won(c, "2017-03-01", "Events")  # first won in March: not new in June
    won(c, "2017-06-05", "Referral")
    dd = AccountFactory(segment="Enterprise")
    OpportunityFactory(account=dd, status=LOST, close_date=d("2017-06-12"), source="Paid Search")
    e = AccountFactory(segment="SMB")
    OpportunityFactory(account=e, status=LOST, close_date=d("2017-05-01"), source="Events")
    won(e, "2017-06-30", "Paid Search")  # last day of June
    f = AccountFactory(segment="SMB")
    won(f, "2017-07-01", "Referral")  # the day after June
    won(None, "2017-06-15", "Referral")  # no account: never a customer
    # New MRR in June: A 100 + E 150 = 250. G churns (100 → 0), H stays (200).
    SubscriptionFactory(account=a, mrr=Decimal(100), start_date=d("2017-06-10"))
    SubscriptionFactory(account=e, mrr=Decimal(150), start_date=d("2017-06-30"))
    g, h = AccountFactory(segment="Mid-Market"), AccountFactory(segment="Mid-Market")
    SubscriptionFactory(
        account=g, mrr=Decimal(100), start_date=d("2017-01-01"), end_date=d("2017-06-15")
    )
    SubscriptionFactory(account=h, mrr=Decimal(200), start_date=d("2017-01-01"))
    for month, channel, category, amount in [
        ("2017-06-01", "Referral", Spend.Category.MARKETING, "300.10"),
        ("2017-06-01", "Referral", Spend.Category.SALES, "200.00"),
        ("2017-06-01", "Paid Search", Spend.Category.MARKETING, "1000.55"),
        ("2017-06-01", "Events", Spend.Category.MARKETING, "500.00"),
        ("2017-05-01", "Paid Search", Spend.Category.MARKETING, "9999.00"),
        ("2017-07-01", "Events", Spend.Category.MARKETING, "777.00"),
    ]:
        SpendFactory(month=d(month), channel=channel, category=category, amount=Decimal(amount))


def test_new_customers_are_accounts_whose_first_win_closes_in_the_period(june_acquisition):
    assert compute_all(JUNE)["new_customers"].value == 3  # A, B, E
    assert compute_all(JUNE, Cut.segment("SMB"))["new_customers"].value == 2  # A, E
    assert compute_all(JUNE, Cut.segment("Enterprise"))["new_customers"].value == 1  # B


def test_a_customers_channel_is_the_source_of_its_first_won_deal(june_acquisition):
    # A: tie on close date → earlier created (Referral). B: tie on both → smaller id (Outbound).
    counts = {c: compute_all(JUNE, Cut.channel(c))["new_customers"].value for c in channels()}
    assert counts == {
        "Events": 0,
        "Outbound": 1,
        "Paid Search": 1,
        "Referral": 1,
    }
    # Partner is nobody's first won deal and has no spend, so it is no channel.
    assert "Partner" not in channels()
    assert segments() == ["Enterprise", "Mid-Market", "SMB"]


def test_spend_and_blended_cac(june_acquisition):
    f = compute_all(JUNE)
    # 300.10 + 200.00 + 1000.55 + 500.00 = 2000.65 (May and July left out)
    assert f["spend"].value == Decimal("2000.65")
    assert f["cac"].value == Decimal("666.8833333333")  # 2000.65 / 3
    assert (f["cac"].numerator, f["cac"].denominator) == (Decimal("2000.65"), 3)


def test_cac_by_channel_divides_the_channels_spend_by_its_new_customers(june_acquisition):
    assert compute_all(JUNE, Cut.channel("Referral"))["cac"].value == Decimal("500.1")
    assert compute_all(JUNE, Cut.channel("Paid Search"))["cac"].value == Decimal("1000.55")
    events = compute_all(JUNE, Cut.channel("Events"))
    assert events["spend"].value == 500
    assert events["cac"].value is None
    assert events["cac"].undefined_reason == "no new customers"


def test_cac_payback_and_ltv_to_cac(june_acquisition, settings):
    f = compute_all(JUNE)
    assert f["new_mrr"].value == 250
    assert f["cac_payback_months"].value == Decimal("8.0026")  # 2000.65 / (250 × 1)
    # Opening: G 100 + H 200 (2 customers); closing: A 100 + E 150 + H 200 = 450 (3 customers).
    # Churn 1/2 → LTV = (450/3) / 0.5 = 300; LTV:CAC = 300 / (2000.65/3) = 900 / 2000.65.
    assert f["ltv"].value == 300
    assert f["ltv_cac"].value == Decimal("0.4498537975")  # 0.44985379751580...
    settings.METRICS_GROSS_MARGIN = Decimal("0.5")
    f = compute_all(JUNE)
    assert f["cac_payback_months"].value == Decimal("16.0052")  # 2000.65 / 125
    assert f["ltv_cac"].value == Decimal("0.2249268988")  # 450 / 2000.65 = 0.22492689875...


def test_a_channel_cut_has_acquisition_and_recurring_metrics_but_no_pipeline(june_acquisition):
    f = compute_all(JUNE, Cut.channel("Referral"))
    assert {"new_customers", "spend", "cac", "ltv_cac", "cac_payback_months", "mrr"} <= set(f)
    # ...and the funnel's (test_calculations_funnel.py), a lead's source being its channel.
    assert set(FUNNEL_KEYS) <= set(f)
    assert not {"win_rate", "won_amount", "forecast_amount"} & set(f)
    na = compute_one("win_rate", JUNE, Cut.channel("Referral"))
    assert na.value is None
    assert na.undefined_reason == "not available for a channel cut"


def test_a_segment_cut_has_no_spend_and_no_cac():
    f = compute_all(JUNE, Cut.segment("SMB"))
    assert "spend" not in f and "cac" not in f and "ltv_cac" not in f
    assert f["new_customers"].value == 0
    assert "ltv" in f
