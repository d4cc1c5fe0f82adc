"""Synthetic data for the fictional company "Northwind Ledger" (demo installs and tests):

- records.py: accounts, opportunities, subscriptions, spend and forecasts (`seed_demo_crm`);
- leads.py: its leads, a funnel by channel (seeded with the records);
- reviews.py: teams, targets and two past weekly reviews;
- problems.py: the data-quality problems real exports have, for the Data page.

Deterministic (seeded random.Random; dates follow `today`) and idempotent (rows are upserted as
an import writes them, importing.writing.upsert). The data ends on the last day of the last
complete month before `today`, so the scorecard's default period has figures.
"""

from .common import CHANNELS, OWNERS, demo_days
from .leads import LEAD_FUNNEL, seed_demo_leads
from .problems import seed_demo_problems
from .records import DemoSummary, seed_demo_crm
from .reviews import (
    DEMO_TEAMS,
    PERIOD_TARGET_PLACES,
    TARGET_PLACES,
    TEAM_TARGET_PLACES,
    DemoTarget,
    demo_review_weeks,
    demo_targets,
    seed_demo_reviews,
    seed_demo_targets,
    seed_demo_teams,
)

__all__ = [
    "CHANNELS",
    "DEMO_TEAMS",
    "LEAD_FUNNEL",
    "OWNERS",
    "PERIOD_TARGET_PLACES",
    "TARGET_PLACES",
    "TEAM_TARGET_PLACES",
    "DemoSummary",
    "DemoTarget",
    "demo_days",
    "demo_review_weeks",
    "demo_targets",
    "seed_demo_crm",
    "seed_demo_leads",
    "seed_demo_problems",
    "seed_demo_reviews",
    "seed_demo_targets",
    "seed_demo_teams",
]
