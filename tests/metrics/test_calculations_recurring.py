"""Recurring revenue metrics against figures worked out by hand.

June 2017: s − 1 = 2017-05-31 (opening), e − 1 = 2017-06-30 (closing).
"""

import math
from datetime import date
from decimal import Decimal

import pytest

from metrics.calculations import compute_all, monthly_churn
from metrics.cuts import Cut
from metrics.periods import Period, parse

from .factories import AccountFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
JUNE = parse("2017-06")


def d(text):
    return date.fromisoformat(text) if text else None


def sub(account, mrr, start, end=None):
    return SubscriptionFactory(
        account=account, mrr=Decimal(mrr), start_date=d(start), end_date=d(end)
    )


@pytest.fixture
def june_book():
    a = AccountFactory(segment="SMB")
    sub(a, "100", "2017-06-15")  # new: 0 → 100
    b = AccountFactory(segment="SMB")
    sub(b, "50", "2017-01-01", "2017-03-01")
    sub(b, "80", "2017-06-30")  # reactivation on the last day: 0 → 80
    c = AccountFactory(segment="Mid-Market")
    sub(c, "200", "2017-01-01")
    sub(c, "50", "2017-06-01")  # expansion from the first day: 200 → 250
    dd = AccountFactory(segment="Mid-Market")
    sub(dd, "300", "2017-02-01", "2017-06-10")
    sub(dd, "120", "2017-06-10")  # contraction: 300 → 120
    e = AccountFactory(segment="Enterprise")
    sub(e, "400", "2017-01-15", "2017-06-30")  # ends on the last day: churn 400
    f = AccountFactory(segment="Enterprise")
    sub(f, "999", "2017-06-05", "2017-06-20")  # starts and ends inside June: no movement
    sub(f, "777", "2017-06-10", "2017-06-10")  # zero-length: covers no day
    i = AccountFactory(segment="")  # no segment: in "all" only
    sub(i, "150", "2016-12-01")  # steady 150
    j = AccountFactory(segment="Enterprise")
    sub(j, "70", "2017-05-31")  # starts on s − 1: steady 70
    k = AccountFactory(segment="Enterprise")
    sub(k, "90", "2017-04-01", "2017-06-01")  # ends on s: covers 05-31 only → churn 90
    later = AccountFactory(segment="SMB")
    sub(later, "500", "2017-07-01")  # after June


def test_movements_per_account_for_all_records(june_book):
    f = compute_all(JUNE)
    # Opening (05-31): C 200 + D 300 + E 400 + I 150 + J 70 + K 90 = 1210, six customers.
    assert f["opening_mrr"].value == 1210
    assert f["opening_customers"].value == 6
    # Closing (06-30): A 100 + B 80 + C 250 + D 120 + I 150 + J 70 = 770, six customers.
    assert f["mrr"].value == 770
    assert f["customers"].value == 6
    assert f["arr"].value == 9240  # 12 × 770
    assert f["new_mrr"].value == 100
    assert f["reactivation_mrr"].value == 80
    assert f["expansion_mrr"].value == 50
    assert f["contraction_mrr"].value == 180
    assert f["churned_mrr"].value == 490  # E 400 + K 90
    assert f["churned_customers"].value == 2


def test_the_mrr_identity_holds_on_the_hand_worked_book(june_book):
    f = compute_all(JUNE)
    v = {key: f[key].value for key in f}
    # 1210 + 100 + 80 + 50 − 180 − 490 = 770
    assert (
        v["opening_mrr"]
        + v["new_mrr"]
        + v["reactivation_mrr"]
        + v["expansion_mrr"]
        - v["contraction_mrr"]
        - v["churned_mrr"]
        == v["mrr"]
        == 770
    )


def test_rates_and_ltv_follow_from_the_movements(june_book):
    f = compute_all(JUNE)
    assert f["arpa"].value == Decimal("128.3333333333")  # 770 / 6
    assert f["customer_churn_rate"].value == Decimal("0.3333333333")  # 2 / 6
    assert f["gross_mrr_churn_rate"].value == Decimal("0.5537190083")  # 670 / 1210 = 67/121
    assert f["nrr"].value == Decimal("0.4876033058")  # 590 / 1210 = 59/121
    assert f["grr"].value == Decimal("0.4462809917")  # 540 / 1210 = 54/121
    assert f["expansion_rate"].value == Decimal("0.041322314")  # 50 / 1210 = 5/121
    assert f["quick_ratio"].value == Decimal("0.3432835821")  # 230 / 670 = 23/67
    assert f["monthly_churn_rate"].value == Decimal("0.3333333333")  # n = 1: the churn rate
    # LTV = ARPA × 1 / monthly churn = (770/6) / (1/3) = 385
    assert f["ltv"].value == 385


def test_gross_margin_setting_scales_ltv(june_book, settings):
    settings.METRICS_GROSS_MARGIN = Decimal("0.8")
    assert compute_all(JUNE)["ltv"].value == 308  # 385 × 0.8


def test_a_segment_cut_keeps_its_accounts_only(june_book):
    smb = compute_all(JUNE, Cut.segment("SMB"))
    assert (smb["opening_mrr"].value, smb["mrr"].value) == (0, 180)
    assert (smb["new_mrr"].value, smb["reactivation_mrr"].value) == (100, 80)
    assert smb["nrr"].value is None
    assert smb["nrr"].undefined_reason == "no opening MRR"
    assert smb["customer_churn_rate"].undefined_reason == "no customers at the start of the period"
    assert smb["quick_ratio"].undefined_reason == "no contraction or churn"
    mid = compute_all(JUNE, Cut.segment("Mid-Market"))
    # C 200 → 250, D 300 → 120: opening 500, closing 370.
    assert (mid["opening_mrr"].value, mid["mrr"].value) == (500, 370)
    assert (mid["expansion_mrr"].value, mid["contraction_mrr"].value) == (50, 180)
    assert mid["nrr"].value == Decimal("0.74")  # (500 + 50 − 180) / 500
    assert mid["ltv"].value is None
    assert mid["ltv"].undefined_reason == "no churn in this period"


def test_an_empty_book_has_zero_sums_and_undefined_ratios():
    f = compute_all(JUNE)
    assert (f["mrr"].value, f["customers"].value, f["churned_mrr"].value) == (0, 0, 0)
    assert f["arpa"].value is None
    assert f["arpa"].undefined_reason == "no customers at the end of the period"
    assert f["ltv"].value is None


@pytest.fixture
def four_customers_one_churns_in_may():
    accounts = AccountFactory.create_batch(4)
    for account in accounts[:3]:
        sub(account, "100", "2017-01-01")
    sub(accounts[3], "100", "2017-01-01", "2017-05-01")


def test_monthly_churn_of_a_quarter_takes_the_cube_root(four_customers_one_churns_in_may):
    q2 = compute_all(parse("2017-Q2"))
    assert q2["customer_churn_rate"].value == Decimal("0.25")
    # 1 − 0.75^(1/3) = 1 − 0.908560296416069... = 0.091439703583930...
    assert abs(float(q2["monthly_churn_rate"].value) - (1 - 0.75 ** (1 / 3))) < 1e-10
    assert q2["monthly_churn_rate"].value == Decimal("0.0914397036")
    # LTV = ARPA 100 / 0.0914397035839... = 1093.6168...
    assert abs(float(q2["ltv"].value) - 100 / (1 - 0.75 ** (1 / 3))) < 1e-7


def test_monthly_churn_of_a_custom_range_counts_days_over_30_4375(four_customers_one_churns_in_may):
    period = Period(d("2017-04-01"), d("2017-07-01"))  # 91 days: n = 91 / 30.4375
    f = compute_all(period)
    expected = 1 - math.exp(math.log(0.75) * 30.4375 / 91)  # ≈ 0.0917377...
    assert abs(float(f["monthly_churn_rate"].value) - expected) < 1e-10


def test_monthly_churn_is_exact_and_the_same_every_time():
    rate = monthly_churn(Decimal("0.25"), Decimal(12))
    assert rate == monthly_churn(Decimal("0.25"), Decimal(12))
    assert abs(float(rate) - (1 - 0.75 ** (1 / 12))) < 1e-15
    assert monthly_churn(Decimal(1), Decimal(3)) == 1  # everybody left
    assert monthly_churn(Decimal(0), Decimal(3)) == 0
