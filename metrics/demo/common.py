"""What the demo's modules share: the company's seed, owners and channels, its data's first and
last day, and small helpers for drawing values."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from metrics.periods import Period, last_complete

SEED = 20260101
MONTHS = 16
CHANNELS = [
    ("Paid Search", 24),
    ("Events", 14),
    ("Referral", 18),
    ("Outbound", 20),
    ("Partner", 10),
    ("Organic", 14),
]
OWNERS = ["Avery Chen", "Jordan Blake", "Sam Rivera", "Priya Nair", "Lee Morgan", "Dana Kowalski"]


def demo_days(today: date | None = None) -> tuple[date, date]:
    """The demo data's first and last day: MONTHS whole months ending with the last complete
    month before `today`, so the scorecard's default period has figures."""
    last_month = last_complete("month", today or timezone.localdate())
    first = Period.containing(last_month.start, "month")
    for _ in range(MONTHS - 1):
        first = first.previous()
    return first.start, last_month.last_day


def weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def money(value: float) -> Decimal:
    return Decimal(int(round(value / 10)) * 10)
