"""Northwind Ledger's CRM records: accounts, opportunities, subscriptions, spend and forecasts
(and its leads, metrics/demo/leads.py), deterministic and idempotent (metrics/demo/__init__.py)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from metrics.freshness import record_import
from metrics.importing.schema import RECORD_KINDS
from metrics.importing.writing import upsert
from metrics.models import Account, Forecast, Opportunity, RecordImport, Spend, Subscription
from metrics.periods import Period, covering

from .common import CHANNELS, OWNERS, SEED, day_between, demo_days, money, weighted
from .leads import seed_demo_leads

ACCOUNTS = 200
SEGMENTS = [("SMB", 60), ("Mid-Market", 30), ("Enterprise", 10)]
MRR_RANGE = {"SMB": (150, 900), "Mid-Market": (1000, 4000), "Enterprise": (5000, 18000)}
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
        source = weighted(rng, CHANNELS)
        low, high = MRR_RANGE[segment]
        mrr = money(rng.uniform(low, high))
        plan = PLANS[segment]
        if rng.random() < 0.35:  # lost an earlier attempt
            lost_on = won_on - timedelta(days=rng.randint(40, 120))
            self.opportunity(
                key,
                status=Opportunity.Status.LOST,
                created=lost_on - timedelta(days=rng.randint(15, 60)),
                closed=lost_on,
                amount=money(float(mrr) * 12 * 0.9),
                source=weighted(rng, CHANNELS),
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
            extra = money(float(mrr) * rng.uniform(0.2, 0.6))
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
            smaller = money(float(mrr) * rng.uniform(0.4, 0.8))
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
        segment = weighted(rng, SEGMENTS)
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
            won_on = day_between(rng, first + timedelta(days=20), last)
            builder.customer_journey(key, segment, won_on, reactivations)
        elif roll < 0.85:  # a prospect that was lost
            closed = day_between(rng, first + timedelta(days=20), last)
            builder.opportunity(
                key,
                status=Opportunity.Status.LOST,
                created=closed - timedelta(days=rng.randint(10, 90)),
                closed=closed,
                amount=money(rng.uniform(*MRR_RANGE[segment]) * 12),
                source=weighted(rng, CHANNELS),
                type_=Opportunity.Type.NEW_BUSINESS,
                name=f"{PLANS[segment]} evaluation",
            )
        else:  # an open deal in the pipeline, sometimes not valued yet
            builder.opportunity(
                key,
                status=Opportunity.Status.OPEN,
                created=day_between(rng, last - timedelta(days=120), last),
                closed=None,
                amount=None if rng.random() < 0.3 else money(rng.uniform(*MRR_RANGE[segment]) * 12),
                source=weighted(rng, CHANNELS),
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
                        amount=money(base * rng.uniform(0.8, 1.2)),
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
        planned = money(float(actual) * rng.uniform(0.8, 1.2)) if actual else Decimal(50000)
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
                    amount=money(float(planned) * rng.uniform(0.9, 1.1)),
                    recorded_on=period.start + timedelta(days=rng.randint(5, 20)),
                )
            )
    return rows


def _without_account(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "account"}


@transaction.atomic
def seed_demo_crm(*, today: date | None = None) -> DemoSummary:
    """Upsert Northwind Ledger's accounts, deals, subscriptions, spend and forecasts."""
    first_day, last_day = demo_days(today)
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
