"""Property: the MRR identity holds, and the movements match a day-by-day reference, for many
random-but-seeded books of subscriptions."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from metrics.calculations import compute_all
from metrics.cuts import Cut
from metrics.models import Account, Subscription
from metrics.periods import Period, parse

pytestmark = pytest.mark.django_db
SEGMENTS = ["SMB", "Mid-Market", "Enterprise", ""]
PERIODS = [
    parse("2017-03"),
    parse("2017-Q2"),
    parse("2017"),
    Period(date(2017, 2, 10), date(2017, 5, 3)),
]


def make_book(seed: int) -> None:
    rng = random.Random(seed)
    accounts = Account.objects.bulk_create(
        [
            Account(external_id=f"S{seed}-A{n}", name=f"A{n}", segment=rng.choice(SEGMENTS))
            for n in range(rng.randint(1, 12))
        ]
    )
    subscriptions = []
    for account in accounts:
        for n in range(rng.randint(0, 4)):
            start = date(2016, 10, 1) + timedelta(days=rng.randint(0, 500))
            end = None if rng.random() < 0.4 else start + timedelta(days=rng.randint(0, 200))
            subscriptions.append(
                Subscription(
                    external_id=f"{account.external_id}-S{n}",
                    account=account,
                    mrr=Decimal(rng.randint(0, 50000)) / 100,
                    start_date=start,
                    end_date=end,
                )
            )
    Subscription.objects.bulk_create(subscriptions)


def reference_movements(period: Period, segment: str | None) -> dict:
    """The definition (docs/metrics.md, Conventions), account by account, in plain Python."""
    totals = dict.fromkeys(
        ["opening", "closing", "new", "reactivation", "expansion", "contraction", "churn"],
        Decimal(0),
    )
    for account in Account.objects.prefetch_related("subscriptions"):
        if segment is not None and account.segment != segment:
            continue
        subs = list(account.subscriptions.all())

        def mrr_on(day, subs=subs):
            return sum(
                (
                    s.mrr
                    for s in subs
                    if s.start_date <= day and (s.end_date is None or day < s.end_date)
                ),
                Decimal(0),
            )

        o, c = mrr_on(period.day_before), mrr_on(period.last_day)
        before = any(s.start_date < period.start for s in subs)
        totals["opening"] += o
        totals["closing"] += c
        if o == 0 and c > 0:
            totals["reactivation" if before else "new"] += c
        elif 0 < o < c:
            totals["expansion"] += c - o
        elif 0 < c < o:
            totals["contraction"] += o - c
        elif o > 0 and c == 0:
            totals["churn"] += o
    return totals


@pytest.mark.parametrize("seed", range(25))
def test_the_mrr_identity_holds_and_matches_the_reference(seed):
    make_book(seed)
    for period in PERIODS:
        for segment in [None, "SMB", "Enterprise"]:
            cut = Cut() if segment is None else Cut.segment(segment)
            f = compute_all(period, cut)
            v = {
                key: f[key].value
                for key in (
                    "opening_mrr",
                    "new_mrr",
                    "reactivation_mrr",
                    "expansion_mrr",
                    "contraction_mrr",
                    "churned_mrr",
                    "mrr",
                )
            }
            assert (
                v["opening_mrr"]
                + v["new_mrr"]
                + v["reactivation_mrr"]
                + v["expansion_mrr"]
                - v["contraction_mrr"]
                - v["churned_mrr"]
            ) == v["mrr"], (seed, period, segment)
            ref = reference_movements(period, segment)
            assert (
                v["opening_mrr"],
                v["mrr"],
                v["new_mrr"],
                v["reactivation_mrr"],
                v["expansion_mrr"],
                v["contraction_mrr"],
                v["churned_mrr"],
            ) == (
                ref["opening"],
                ref["closing"],
                ref["new"],
                ref["reactivation"],
                ref["expansion"],
                ref["contraction"],
                ref["churn"],
            ), (seed, period, segment)
