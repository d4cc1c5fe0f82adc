"""Synthetic CRM data for the fictional company "Northwind Ledger" (demo installs and tests).

`seed_demo_crm` is deterministic (a seeded random.Random; dates follow `today`) and
idempotent (rows are upserted as an import writes them, importing.writing.upsert: by
external_id, spend by month/channel/category, forecasts by period and recording day). The
data ends on the last day of the last complete month before `today`, so the scorecard's
default period has figures.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import catalog, reviews
from .freshness import record_import
from .importing.schema import RECORD_KINDS
from .importing.writing import upsert
from .models import (
    Account,
    Forecast,
    Lead,
    MetricRun,
    MetricTarget,
    MetricValue,
    Opportunity,
    RecordImport,
    Spend,
    Subscription,
    Team,
)
from .periods import WEEK, Period, covering, last_complete

SEED = 20260101
ACCOUNTS = 200
MONTHS = 16
SEGMENTS = [("SMB", 60), ("Mid-Market", 30), ("Enterprise", 10)]
MRR_RANGE = {"SMB": (150, 900), "Mid-Market": (1000, 4000), "Enterprise": (5000, 18000)}
CHANNELS = [
    ("Paid Search", 24),
    ("Events", 14),
    ("Referral", 18),
    ("Outbound", 20),
    ("Partner", 10),
    ("Organic", 14),
]
SPEND_BASE = {  # monthly (marketing, sales)
    "Paid Search": (14000, 4000),
    "Events": (9000, 6000),
    "Referral": (2000, 1500),
    "Outbound": (3000, 16000),
    "Partner": (2500, 4000),
    "Organic": (5000, 1000),
}
INDUSTRIES = [
    "Retail",
    "Manufacturing",
    "Healthcare",
    "Logistics",
    "Software",
    "Finance",
    "Education",
]
_FIRST = [
    "Blue",
    "North",
    "Cedar",
    "Silver",
    "Bright",
    "Iron",
    "Harbor",
    "Summit",
    "Maple",
    "Granite",
    "Copper",
    "River",
    "Oak",
    "Falcon",
    "Lake",
    "Pioneer",
    "Sterling",
    "Aspen",
    "Crown",
    "Delta",
]
_SECOND = [
    "Works",
    "Labs",
    "Foods",
    "Logistics",
    "Health",
    "Systems",
    "Partners",
    "Goods",
    "Studio",
    "Supply",
]
OWNERS = ["Avery Chen", "Jordan Blake", "Sam Rivera", "Priya Nair", "Lee Morgan", "Dana Kowalski"]
PLANS = {"SMB": "Ledger Starter", "Mid-Market": "Ledger Growth", "Enterprise": "Ledger Enterprise"}


@dataclass
class DemoSummary:
    accounts: int
    opportunities: int
    subscriptions: int
    spend: int
    forecasts: int
    first_day: date
    last_day: date
    leads: int = 0


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _money(value: float) -> Decimal:
    return Decimal(int(round(value / 10)) * 10)


class _Builder:
    def __init__(self, rng: random.Random, first: date, last: date):
        self.rng, self.first, self.last = rng, first, last
        self.accounts: list[Account] = []
        self.opportunities: list[dict] = []
        self.subscriptions: list[dict] = []
        self.won_by_day: dict[date, Decimal] = defaultdict(Decimal)

    def opportunity(self, account_key, *, status, created, closed, amount, source, type_, name):
        if created > self.last:
            return  # not created yet when the data ends
        number = len(self.opportunities) + 1
        if closed is not None and closed > self.last:
            status, closed = Opportunity.Status.OPEN, None
        stage = {"won": "Closed Won", "lost": "Closed Lost"}.get(
            status, self.rng.choice(["Discovery", "Proposal", "Negotiation"])
        )
        self.opportunities.append(
            {
                "external_id": f"NWL-OPP-{number:05d}",
                "account": account_key,
                "name": name,
                "owner": self.rng.choice(OWNERS),
                "amount": amount,
                "stage": stage,
                "status": status,
                "created_date": created,
                "close_date": closed,
                "source": source,
                "type": type_,
            }
        )
        if status == Opportunity.Status.WON:
            self.won_by_day[closed] += amount or 0

    def subscription(self, account_key, *, mrr, start, end=None, plan):
        if start > self.last:
            return
        if end is not None and end > self.last:
            end = None  # churns after the data ends: still running as far as we know
        number = len(self.subscriptions) + 1
        self.subscriptions.append(
            {
                "external_id": f"NWL-SUB-{number:05d}",
                "account": account_key,
                "plan": plan,
                "mrr": mrr,
                "start_date": start,
                "end_date": end,
            }
        )

    def customer_journey(self, key: str, segment: str, won_on: date, reactivations: list) -> None:
        rng = self.rng
        source = _weighted(rng, CHANNELS)
        low, high = MRR_RANGE[segment]
        mrr = _money(rng.uniform(low, high))
        plan = PLANS[segment]
        if rng.random() < 0.35:  # lost an earlier attempt
            lost_on = won_on - timedelta(days=rng.randint(40, 120))
            self.opportunity(
                key,
                status=Opportunity.Status.LOST,
                created=lost_on - timedelta(days=rng.randint(15, 60)),
                closed=lost_on,
                amount=_money(float(mrr) * 12 * 0.9),
                source=_weighted(rng, CHANNELS),
                type_=Opportunity.Type.NEW_BUSINESS,
                name=f"{plan} pilot",
            )
        self.opportunity(
            key,
            status=Opportunity.Status.WON,
            created=won_on - timedelta(days=rng.randint(14, 95)),
            closed=won_on,
            amount=mrr * 12,
            source=source,
            type_=Opportunity.Type.NEW_BUSINESS,
            name=f"{plan} annual",
        )
        start = won_on + timedelta(days=1)
        fate = rng.random()
        change_on = start + timedelta(days=rng.randint(60, 300))
        if fate < 0.25:  # expansion: an add-on subscription, sold as an expansion deal
            extra = _money(float(mrr) * rng.uniform(0.2, 0.6))
            self.subscription(key, mrr=mrr, start=start, plan=plan)
            self.subscription(key, mrr=extra, start=change_on, plan=f"{plan} add-on")
            self.opportunity(
                key,
                status=Opportunity.Status.WON,
                created=change_on - timedelta(days=rng.randint(10, 40)),
                closed=change_on,
                amount=extra * 12,
                source=source,
                type_=Opportunity.Type.EXPANSION,
                name=f"{plan} add-on",
            )
        elif fate < 0.35:  # contraction: moves to a smaller plan
            smaller = _money(float(mrr) * rng.uniform(0.4, 0.8))
            self.subscription(key, mrr=mrr, start=start, end=change_on, plan=plan)
            self.subscription(key, mrr=smaller, start=change_on, plan=f"{plan} (reduced)")
        elif fate < 0.50:  # churn, with a lost renewal
            self.subscription(key, mrr=mrr, start=start, end=change_on, plan=plan)
            self.opportunity(
                key,
                status=Opportunity.Status.LOST,
                created=change_on - timedelta(days=rng.randint(20, 50)),
                closed=change_on,
                amount=mrr * 12,
                source=source,
                type_=Opportunity.Type.RENEWAL,
                name=f"{plan} renewal",
            )
            if len(reactivations) < 2 and change_on + timedelta(days=120) < self.last:
                back_on = change_on + timedelta(days=rng.randint(60, 110))
                reactivations.append(key)
                self.subscription(key, mrr=mrr, start=back_on, plan=plan)
                self.opportunity(
                    key,
                    status=Opportunity.Status.WON,
                    created=back_on - timedelta(days=30),
                    closed=back_on,
                    amount=mrr * 12,
                    source=source,
                    type_=Opportunity.Type.NEW_BUSINESS,
                    name=f"{plan} win-back",
                )
        else:  # steady, renewed after a year
            self.subscription(key, mrr=mrr, start=start, plan=plan)
            renewal_on = won_on + timedelta(days=365)
            self.opportunity(
                key,
                status=Opportunity.Status.WON,
                created=renewal_on - timedelta(days=45),
                closed=renewal_on,
                amount=mrr * 12,
                source=source,
                type_=Opportunity.Type.RENEWAL,
                name=f"{plan} renewal",
            )


def _generate(rng: random.Random, first: date, last: date) -> _Builder:
    builder = _Builder(rng, first, last)
    reactivations: list[str] = []
    for number in range(1, ACCOUNTS + 1):
        key = f"NWL-ACC-{number:04d}"
        segment = _weighted(rng, SEGMENTS)
        name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {number}"
        builder.accounts.append(
            Account(
                external_id=key,
                name=name,
                segment=segment,
                industry=rng.choice(INDUSTRIES),
                created_date=first - timedelta(days=rng.randint(30, 900)),
            )
        )
        roll = rng.random()
        if roll < 0.62:  # becomes a customer during the demo period
            won_on = _day_between(rng, first + timedelta(days=20), last)
            builder.customer_journey(key, segment, won_on, reactivations)
        elif roll < 0.85:  # a prospect that was lost
            closed = _day_between(rng, first + timedelta(days=20), last)
            builder.opportunity(
                key,
                status=Opportunity.Status.LOST,
                created=closed - timedelta(days=rng.randint(10, 90)),
                closed=closed,
                amount=_money(rng.uniform(*MRR_RANGE[segment]) * 12),
                source=_weighted(rng, CHANNELS),
                type_=Opportunity.Type.NEW_BUSINESS,
                name=f"{PLANS[segment]} evaluation",
            )
        else:  # an open deal in the pipeline, sometimes not valued yet
            builder.opportunity(
                key,
                status=Opportunity.Status.OPEN,
                created=_day_between(rng, last - timedelta(days=120), last),
                closed=None,
                amount=None
                if rng.random() < 0.3
                else _money(rng.uniform(*MRR_RANGE[segment]) * 12),
                source=_weighted(rng, CHANNELS),
                type_=Opportunity.Type.NEW_BUSINESS,
                name=f"{PLANS[segment]} proposal",
            )
    return builder


def _spend_rows(rng: random.Random, months: list[Period]) -> list[Spend]:
    rows = []
    for period in months:
        for channel, (marketing, sales) in SPEND_BASE.items():
            for category, base in (
                (Spend.Category.MARKETING, marketing),
                (Spend.Category.SALES, sales),
            ):
                rows.append(
                    Spend(
                        month=period.start,
                        channel=channel,
                        category=category,
                        amount=_money(base * rng.uniform(0.8, 1.2)),
                    )
                )
    return rows


def _forecast_rows(rng: random.Random, builder: _Builder, periods: list[Period]) -> list[Forecast]:
    rows = []
    for period in periods:
        actual = sum(
            (
                amount
                for day, amount in builder.won_by_day.items()
                if period.start <= day < period.end
            ),
            Decimal(0),
        )
        planned = _money(float(actual) * rng.uniform(0.8, 1.2)) if actual else Decimal(50000)
        rows.append(
            Forecast(
                period_start=period.start,
                period_end=period.last_day,
                amount=planned,
                recorded_on=period.start - timedelta(days=rng.randint(3, 10)),
            )
        )
        if rng.random() < 0.4:  # a revision recorded during the period (not the one used)
            rows.append(
                Forecast(
                    period_start=period.start,
                    period_end=period.last_day,
                    amount=_money(float(planned) * rng.uniform(0.9, 1.1)),
                    recorded_on=period.start + timedelta(days=rng.randint(5, 20)),
                )
            )
    return rows


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
                created = _day_between(rng, period.start, period.last_day)
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


def _without_account(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "account"}


@transaction.atomic
def seed_demo_crm(*, today: date | None = None) -> DemoSummary:
    """Upsert Northwind Ledger's accounts, deals, subscriptions, spend and forecasts."""
    today = today or timezone.localdate()
    last_month = last_complete("month", today)
    first = Period.containing(last_month.start, "month")
    for _ in range(MONTHS - 1):
        first = first.previous()
    first_day, last_day = first.start, last_month.last_day
    rng = random.Random(SEED)
    builder = _generate(rng, first_day, last_day)

    upsert(RECORD_KINDS["accounts"], builder.accounts)
    account_ids = dict(
        Account.objects.filter(external_id__startswith="NWL-ACC-").values_list("external_id", "pk")
    )
    opportunities = [
        Opportunity(**_without_account(row), account_id=account_ids[row["account"]])
        for row in builder.opportunities
    ]
    upsert(RECORD_KINDS["opportunities"], opportunities)
    upsert(
        RECORD_KINDS["subscriptions"],
        [
            Subscription(**_without_account(row), account_id=account_ids[row["account"]])
            for row in builder.subscriptions
        ],
    )
    months = covering("month", first_day, last_day)
    spend = _spend_rows(rng, months)
    upsert(RECORD_KINDS["spend"], spend)
    forecast_periods = months + covering("quarter", first_day, last_day)
    forecasts = _forecast_rows(rng, builder, forecast_periods)
    upsert(RECORD_KINDS["forecasts"], forecasts)
    leads = seed_demo_leads(first_day, last_day)
    written = {
        "accounts": len(builder.accounts),
        "opportunities": len(opportunities),
        "subscriptions": len(builder.subscriptions),
        "spend": len(spend),
        "forecasts": len(forecasts),
        "leads": leads,
    }
    for kind, rows in written.items():
        record_import(kind=kind, rows_written=rows, via=RecordImport.Via.DEMO)
    return DemoSummary(
        accounts=len(builder.accounts),
        opportunities=len(opportunities),
        subscriptions=len(builder.subscriptions),
        spend=len(spend),
        forecasts=len(forecasts),
        first_day=first_day,
        last_day=last_day,
        leads=leads,
    )


# --- Teams, targets and past weekly reviews (the weekly revenue review) --------------------------

# Dana Kowalski, the RevOps manager, has no team: her few deals count in "all" only.
DEMO_TEAMS = {
    "Avery Chen": "New Business",
    "Jordan Blake": "New Business",
    "Sam Rivera": "New Business",
    "Priya Nair": "Expansion",
    "Lee Morgan": "Expansion",
}

# Targets only for levels and ratios: a flow (new MRR, won amount) is four times smaller in a
# week than in a month, and a target holds for every period kind. Each target sits where the
# demo's last complete month lands it on the right side, within the amber band or beyond it.
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


def seed_demo_teams() -> int:
    """The demo owners' teams (upserted by owner, as `import_crm teams` does)."""
    upsert(RECORD_KINDS["teams"], [Team(owner=o, team=t) for o, t in DEMO_TEAMS.items()])
    return len(DEMO_TEAMS)


def _round(value: Decimal) -> Decimal:
    """Three significant digits: targets people would set."""
    return Decimal(f"{value:.3g}") if value else value


@transaction.atomic
def seed_demo_targets(run: MetricRun, *, today: date | None = None) -> int:
    """Whole-business targets for TARGET_PLACES, placed against `run`'s last complete month."""
    month = last_complete("month", today or timezone.localdate())
    stored = {
        row.key: row.value
        for row in MetricValue.objects.filter(
            run=run, key__in=list(TARGET_PLACES), period_start=month.start, cut_kind="all"
        ).exclude(value=None)
    }
    for key, place in TARGET_PLACES.items():
        value = stored.get(key)
        if value is None:
            continue
        higher = catalog.BY_KEY[key].higher_is_better
        band = abs(value) * Decimal("0.1")
        # green: 5 % on the good side; amber: 5 % on the bad side (inside the 10 % band); red:
        # 20 % on the bad side.
        shift = {"green": Decimal("-0.05"), "amber": Decimal("0.05"), "red": Decimal("0.2")}
        factor = 1 + shift[place] if higher else 1 - shift[place]
        MetricTarget.objects.update_or_create(
            key=key,
            segment="",
            defaults={
                "value": _round(value * factor),
                "direction": "higher" if higher else "lower",
                "amber_band": _round(band),
            },
        )
    return len(stored)


def demo_review_weeks(run: MetricRun, *, today: date | None = None) -> list[Period]:
    """The last two weeks `run` holds figures for that end with the demo's records (the last
    complete month before `today`): the demo's past meetings."""
    data_end = last_complete("month", today or timezone.localdate()).end
    weeks = sorted(
        Period(start, end, WEEK)
        for start, end in MetricValue.objects.filter(
            run=run, cut_kind="all", period_kind=WEEK, period_end__lte=data_end
        )
        .values_list("period_start", "period_end")
        .distinct()
    )
    return weeks[-2:]


@transaction.atomic
def seed_demo_reviews(*, run: MetricRun, chair, sales, marketing, today: date | None = None) -> int:
    """Two past weekly reviews with notes, decisions and action items (one done, one carried
    forward); a review that already has decisions is left as it is."""
    seeded = 0
    weeks = demo_review_weeks(run, today=today)
    if len(weeks) < 2:
        return 0
    first, second = weeks
    review = reviews.open_review(week=first, by=chair)
    if not review.decisions.exists():
        reviews.save_notes(
            review=review,
            notes="Win rate slipped in Mid-Market; Paid Search leads are cheap but few convert.",
            by=chair,
        )
        reviews.add_decision(
            review=review,
            text="Move 20 % of the Paid Search budget to Events next month.",
            by=chair,
        )
        reviews.add_decision(
            review=review, text="Sales reviews every Mid-Market deal over 30 days old.", by=chair
        )
        done = reviews.add_action_item(
            review=review,
            text="List the Mid-Market deals open for more than 30 days, with next steps.",
            owner=sales,
            due_date=first.last_day + timedelta(days=3),
            by=chair,
        )
        reviews.mark_done(review=review, item=done, by=chair)
        reviews.add_action_item(
            review=review,
            text="Brief the events agency on the Q-end campaign and its lead targets.",
            owner=marketing,
            due_date=second.last_day + timedelta(days=7),
            by=chair,
        )
        seeded += 1
    review = reviews.open_review(week=second, by=chair)
    if not review.decisions.exists():
        reviews.save_notes(
            review=review,
            notes="Churn is above target for the second week: three SMB accounts left.",
            by=chair,
        )
        reviews.add_decision(
            review=review,
            text="Customer success calls every SMB account with falling usage this month.",
            by=chair,
        )
        reviews.add_action_item(
            review=review,
            text="Call the SMB accounts whose usage fell by half, and log why.",
            owner=sales,
            due_date=second.last_day + timedelta(days=5),
            by=chair,
        )
        seeded += 1
    return seeded
