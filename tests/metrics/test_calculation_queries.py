"""Computing every metric for one period and cut costs the same queries for 10 or 200 accounts,
within the "compute_all" budget in tests/portal/query_budgets.py."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.calculations import KEPT, compute_all, kept
from metrics.cuts import Cut
from metrics.models import Account, Opportunity, Spend, Subscription
from metrics.periods import parse
from tests.portal.query_budgets import assert_within_budget

pytestmark = pytest.mark.django_db
JUNE = parse("2017-06")


def make_accounts(count: int) -> None:
    rng = random.Random(count)
    accounts = Account.objects.bulk_create(
        [
            Account(external_id=f"Q{n}", name=f"Q{n}", segment=rng.choice(["SMB", "Enterprise"]))
            for n in range(count)
        ]
    )
    opportunities, subscriptions = [], []
    for n, account in enumerate(accounts):
        created = date(2017, 1, 1) + timedelta(days=rng.randint(0, 200))
        status = rng.choice(["won", "lost", "open"])
        opportunities.append(
            Opportunity(
                external_id=f"Q{n}-O",
                account=account,
                status=status,
                created_date=created,
                close_date=None
                if status == "open"
                else created + timedelta(days=rng.randint(0, 60)),
                amount=Decimal(rng.randint(100, 9000)),
                source=rng.choice(["Events", "Referral"]),
            )
        )
        subscriptions.append(
            Subscription(
                external_id=f"Q{n}-S", account=account, mrr=Decimal(100), start_date=created
            )
        )
    Opportunity.objects.bulk_create(opportunities)
    Subscription.objects.bulk_create(subscriptions)
    Spend.objects.bulk_create(
        [
            Spend(month=date(2017, 6, 1), channel=c, category="marketing", amount=Decimal(10))
            for c in ["Events", "Referral"]
        ]
    )


def queries_for(cut: Cut) -> int:
    """The queries of a computation with the kept totals current (a fill's are
    tests/metrics/test_kept_totals.py's)."""
    kept.ensure(*KEPT)
    with CaptureQueriesContext(connection) as captured:
        compute_all(JUNE, cut)
    return len(captured.captured_queries)


def statements_for(cut: Cut) -> list[str]:
    """The statements computing the cut's figures, without the savepoints and the engine's
    settings (PostgreSQL) around them, and with the kept totals current (kept.ensure then only
    reads their stamps: not counted here)."""
    kept.ensure(*KEPT)
    with CaptureQueriesContext(connection) as captured:
        compute_all(JUNE, cut)
    statements = [query["sql"].lstrip() for query in captured.captured_queries]
    kept_checks = ("kept_changemarker", "metrics_keptstamp")
    return [
        sql
        for sql in statements
        if "SAVEPOINT" not in sql[:25]
        and "set_config" not in sql
        and not any(table in sql for table in kept_checks)
    ]


@pytest.mark.parametrize(
    "cut",
    [
        Cut(),
        Cut.segment("SMB"),
        Cut.channel("Events"),
        Cut("industry", "Retail"),
        Cut("owner", "Alex"),
        Cut("team", "Enterprise"),
    ],
    ids=str,
)
def test_the_query_count_does_not_grow_with_the_accounts(cut):
    make_accounts(10)
    few = queries_for(cut)
    Account.objects.all().delete()
    Opportunity.objects.all().delete()
    Spend.objects.all().delete()
    make_accounts(200)
    assert Account.objects.count() == 200
    assert queries_for(cut) == few
    assert_within_budget("compute_all", few)


def test_an_owner_or_team_cut_costs_one_query_the_pipeline_aggregate():
    """Owner and team cuts have the pipeline metrics only: one aggregate (the team's members
    are a subquery in it, not a query of their own), and no temporary table."""
    make_accounts(50)
    assert len(statements_for(Cut("owner", "Alex"))) == 1
    assert len(statements_for(Cut("team", "Enterprise"))) == 1
    # Industry: the pipeline, recurring revenue (balances, movements) and new-customers
    # aggregates, and no temporary table (the MRR timeline is kept: recurring.TIMELINE).
    statements = statements_for(Cut("industry", "Retail"))
    assert len([sql for sql in statements if sql.startswith(("WITH", "SELECT"))]) == 4
    assert len(statements) == 4
