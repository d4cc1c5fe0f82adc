"""Fixtures for the metrics tests: the Maven CRM dataset loaded as opportunities."""

import csv
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from metrics.models import Account, Opportunity

MAVEN_DIR = Path("/work/shared/datasets/maven_crm")
_STATUS = {"Won": Opportunity.Status.WON, "Lost": Opportunity.Status.LOST}


def load_maven_pipeline() -> int:
    """Bulk-create the Maven pipeline as opportunities (rows with an engage_date only).

    created_date = engage_date, status from deal_stage (Won/Lost/else open), amount =
    close_value, account by name with its sector as the segment (as SOURCE.md maps it).
    """
    sectors = {}
    with open(MAVEN_DIR / "accounts.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            sectors[row["account"]] = row["sector"]
    accounts = Account.objects.bulk_create(
        [Account(external_id=name, name=name, segment=sector) for name, sector in sectors.items()]
    )
    by_name = {account.name: account for account in accounts}
    opportunities = []
    with open(MAVEN_DIR / "sales_pipeline.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["engage_date"]:
                continue
            status = _STATUS.get(row["deal_stage"], Opportunity.Status.OPEN)
            opportunities.append(
                Opportunity(
                    external_id=row["opportunity_id"],
                    account=by_name.get(row["account"]),
                    name=row["product"],
                    owner=row["sales_agent"],
                    amount=Decimal(row["close_value"]) if row["close_value"] else None,
                    stage=row["deal_stage"],
                    status=status,
                    created_date=date.fromisoformat(row["engage_date"]),
                    close_date=date.fromisoformat(row["close_date"]) if row["close_date"] else None,
                )
            )
    Opportunity.objects.bulk_create(opportunities, batch_size=1000)
    return len(opportunities)


@pytest.fixture
def maven_pipeline(db):
    return load_maven_pipeline()


@contextmanager
def celery_pointed_at(url: str):
    """Make this process's Celery app publish to a real broker (not eager); restore afterwards."""
    from kombu import pools

    from revops_portal.celery import app

    def forget_connections():
        pools.reset()  # kombu's process-wide connection and producer pools
        app._pool = None
        app.amqp._producer_pool = None

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    forget_connections()
    try:
        yield app
    finally:
        forget_connections()
        app.conf.task_always_eager, app.conf.broker_url = saved
