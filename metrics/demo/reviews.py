"""The demo's weekly revenue review: teams for its owners, targets that show red, amber and
green, and two past reviews with decisions and action items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from metrics import catalog
from metrics import reviews as meetings
from metrics.cuts import ALL_CUT, Cut
from metrics.importing.schema import RECORD_KINDS
from metrics.importing.writing import upsert
from metrics.models import MetricRun, MetricTarget, MetricValue, Team
from metrics.periods import MONTH, QUARTER, WEEK, Period, last_complete

# Dana Kowalski, the RevOps manager, has no team: her few deals count in "all" only.
DEMO_TEAMS = {
    "Avery Chen": "New Business",
    "Jordan Blake": "New Business",
    "Sam Rivera": "New Business",
    "Priya Nair": "Expansion",
    "Lee Morgan": "Expansion",
}

# Whole-business targets for every period kind: levels and ratios, the same in a week as in a
# month. Each sits where the demo's last complete month lands it: on the right side (green),
# within the amber band, or beyond it (red).
TARGET_PLACES = {
    "arr": "green",
    "nrr": "amber",
    "customer_churn_rate": "red",
    "ltv_cac": "green",
    "cac_payback_months": "amber",
    "win_rate": "red",
    "avg_deal_size": "green",
    "sales_cycle_days": "amber",
    "pipeline_velocity": "green",
    "renewal_rate": "red",
    "forecast_accuracy": "green",
}
# Flows need a target per period kind (a week's new MRR is about a quarter of a month's): each
# placed against the last complete period of its kind.
PERIOD_TARGET_PLACES = {
    ("new_mrr", MONTH): "amber",
    ("new_mrr", QUARTER): "green",
    ("won_amount", MONTH): "red",
    ("leads_created", MONTH): "green",
}
# The teams' own targets (any period kind): the scorecard's team cut and its "by team" table.
TEAM_TARGET_PLACES = {
    ("win_rate", "New Business"): "green",
    ("win_rate", "Expansion"): "red",
    ("avg_deal_size", "New Business"): "amber",
}


@dataclass(frozen=True)
class DemoTarget:
    key: str
    place: str  # green, amber or red against the demo's figures
    period_kind: str = MetricTarget.ANY_PERIOD
    cut: Cut = ALL_CUT


def demo_targets() -> list[DemoTarget]:
    return [
        *(DemoTarget(key, place) for key, place in TARGET_PLACES.items()),
        *(
            DemoTarget(key, place, period_kind=kind)
            for (key, kind), place in PERIOD_TARGET_PLACES.items()
        ),
        *(
            DemoTarget(key, place, cut=Cut(catalog.TEAM, team))
            for (key, team), place in TEAM_TARGET_PLACES.items()
        ),
    ]


def seed_demo_teams() -> int:
    """The demo owners' teams (upserted by owner, as `import_crm teams` does)."""
    upsert(RECORD_KINDS["teams"], [Team(owner=o, team=t) for o, t in DEMO_TEAMS.items()])
    return len(DEMO_TEAMS)


def _round(value: Decimal) -> Decimal:
    """Three significant digits: targets people would set."""
    return Decimal(f"{value:.3g}") if value else value


def _placed(value: Decimal, place: str, higher: bool) -> tuple[Decimal, Decimal]:
    """(target, amber band) putting `value` green (5 % on the good side), amber (5 % on the bad
    side, inside a 10 % band) or red (20 % on the bad side)."""
    shift = {"green": Decimal("-0.05"), "amber": Decimal("0.05"), "red": Decimal("0.2")}[place]
    factor = 1 + shift if higher else 1 - shift
    return _round(value * factor), _round(abs(value) * Decimal("0.1"))


@transaction.atomic
def seed_demo_targets(run: MetricRun, *, today: date | None = None) -> int:
    """The demo's targets (demo_targets()), each placed against `run`'s figure for the last
    complete period of its kind (a month for "any") and its cut; upserted, so seeding again
    changes nothing."""
    today = today or timezone.localdate()
    seeded = 0
    for target in demo_targets():
        period = last_complete(target.period_kind or MONTH, today)
        value = (
            MetricValue.objects.of_run(run)
            .filter(
                key=target.key,
                period_start=period.start,
                period_end=period.end,
                cut_kind=target.cut.kind,
                cut_value=target.cut.value,
            )
            .exclude(value=None)
            .values_list("value", flat=True)
            .first()
        )
        if value is None:
            continue
        higher = catalog.BY_KEY[target.key].higher_is_better
        number, band = _placed(value, target.place, higher)
        MetricTarget.objects.update_or_create(
            key=target.key,
            cut_kind=target.cut.kind,
            cut_value=target.cut.value,
            period_kind=target.period_kind,
            defaults={
                "value": number,
                "direction": "higher" if higher else "lower",
                "amber_band": band,
            },
        )
        seeded += 1
    return seeded


def demo_review_weeks(run: MetricRun, *, today: date | None = None) -> list[Period]:
    """The last two weeks `run` holds figures for that end with the demo's records (the last
    complete month before `today`): the demo's past meetings."""
    data_end = last_complete("month", today or timezone.localdate()).end
    weeks = sorted(
        Period(start, end, WEEK)
        for start, end in MetricValue.objects.of_run(run)
        .filter(cut_kind="all", period_kind=WEEK, period_end__lte=data_end)
        .values_list("period_start", "period_end")
        .distinct()
    )
    return weeks[-2:]


@dataclass(frozen=True)
class _Item:
    text: str
    owner: str  # who of seed_demo_reviews' people owns it
    due_after: tuple[int, int]  # (which review's week, days after its last day)
    done: bool = False


@dataclass(frozen=True)
class _Meeting:
    notes: str
    decisions: tuple[str, ...]
    items: tuple[_Item, ...]


# The two past meetings, oldest first: one action item done, one carried forward.
PAST_REVIEWS = (
    _Meeting(
        notes="Win rate slipped in Mid-Market; Paid Search leads are cheap but few convert.",
        decisions=(
            "Move 20 % of the Paid Search budget to Events next month.",
            "Sales reviews every Mid-Market deal over 30 days old.",
        ),
        items=(
            _Item(
                "List the Mid-Market deals open for more than 30 days, with next steps.",
                owner="sales",
                due_after=(0, 3),
                done=True,
            ),
            _Item(
                "Brief the events agency on the Q-end campaign and its lead targets.",
                owner="marketing",
                due_after=(1, 7),
            ),
        ),
    ),
    _Meeting(
        notes="Churn is above target for the second week: three SMB accounts left.",
        decisions=("Customer success calls every SMB account with falling usage this month.",),
        items=(
            _Item(
                "Call the SMB accounts whose usage fell by half, and log why.",
                owner="sales",
                due_after=(1, 5),
            ),
        ),
    ),
)


@transaction.atomic
def seed_demo_reviews(*, run: MetricRun, chair, sales, marketing, today: date | None = None) -> int:
    """PAST_REVIEWS, in the last two weeks of the demo's data; a review that already has
    decisions is left as it is."""
    weeks = demo_review_weeks(run, today=today)
    if len(weeks) < len(PAST_REVIEWS):
        return 0
    people = {"sales": sales, "marketing": marketing}
    seeded = 0
    for week, meeting in zip(weeks, PAST_REVIEWS, strict=True):
        review = meetings.open_review(week=week, by=chair)
        if review.decisions.exists():
            continue
        meetings.save_notes(review=review, notes=meeting.notes, by=chair)
        for text in meeting.decisions:
            meetings.add_decision(review=review, text=text, by=chair)
        for item in meeting.items:
            which, days = item.due_after
            made = meetings.add_action_item(
                review=review,
                text=item.text,
                owner=people[item.owner],
                due_date=weeks[which].last_day + timedelta(days=days),
                by=chair,
            )
            if item.done:
                meetings.mark_done(review=review, item=made, by=chair)
        seeded += 1
    return seeded
