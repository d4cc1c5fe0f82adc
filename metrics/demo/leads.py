"""Northwind Ledger's leads: a funnel by channel, from their own seeded generator (the other
records stay the same whether or not leads are seeded)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from metrics.importing.schema import RECORD_KINDS
from metrics.importing.writing import upsert
from metrics.models import Lead
from metrics.periods import Period, covering

from .common import OWNERS, SEED, day_between

# The lead funnel per channel: leads a month, the share that qualifies, the share of the
# qualified that converts, and the typical days from qualification to conversion. Paid channels bring
# volume of modest quality; referrals and partners few leads that convert well.
LEAD_FUNNEL = {
    "Paid Search": (160, 0.25, 0.14, 21),
    "Events": (55, 0.45, 0.20, 30),
    "Referral": (22, 0.65, 0.40, 14),
    "Outbound": (45, 0.35, 0.18, 28),
    "Partner": (18, 0.55, 0.35, 20),
    "Organic": (85, 0.22, 0.12, 25),
}
LEAD_STATUSES = ("New", "Working", "Disqualified")


def _lead_rows(rng: random.Random, months: list[Period], last_day: date) -> list[Lead]:
    """Leads created in each month by channel; a qualification or conversion after the data's
    last day has not happened yet, so the latest cohorts are still filling up."""
    rows = []
    for period in months:
        for channel, (per_month, qualify, convert, days) in LEAD_FUNNEL.items():
            for _ in range(round(per_month * rng.uniform(0.8, 1.2))):
                created = day_between(rng, period.start, period.last_day)
                qualified = converted = None
                status = rng.choice(LEAD_STATUSES)
                if rng.random() < qualify:
                    qualified = created + timedelta(days=rng.randint(1, 14))
                    status = "Qualified"
                    if rng.random() < convert:
                        converted = qualified + timedelta(
                            days=max(1, int(rng.gauss(days, days / 3)))
                        )
                        status = "Converted"
                if converted and converted > last_day:
                    converted, status = None, "Qualified"
                if qualified and qualified > last_day:
                    qualified, status = None, "Working"
                rows.append(
                    Lead(
                        external_id=f"NWL-LEAD-{len(rows) + 1:05d}",
                        created_date=created,
                        source=channel,
                        owner=rng.choice(OWNERS),
                        status=status,
                        qualified_date=qualified,
                        converted_date=converted,
                    )
                )
    return rows


def seed_demo_leads(first_day: date, last_day: date) -> int:
    """Upsert Northwind Ledger's leads (their own seeded generator: the other records stay the
    same whether or not leads are seeded)."""
    rng = random.Random(SEED + 1)
    leads = _lead_rows(rng, covering("month", first_day, last_day), last_day)
    upsert(RECORD_KINDS["leads"], leads)
    return len(leads)
