"""Fixtures and helpers for the metrics tests: the Maven CRM dataset loaded as opportunities,
import_crm on a file, a run's stored figures, Celery pointed at a real broker."""

import csv
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from metrics.models import Account, MetricValue, Opportunity

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


def run_import(tmp_path, kind, content, *args) -> tuple[int, str, str]:
    """`import_crm KIND FILE ARGS` on a file (a Path) or on text/bytes written to one:
    (exit status, stdout, stderr)."""
    if isinstance(content, Path):
        path = content
    else:
        path = tmp_path / "upload.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out, err = StringIO(), StringIO()
    try:
        call_command("import_crm", kind, str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(f"CommandError: {exc}")
        return 1, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def snapshot(run) -> set:
    """A run's stored figures, comparable between runs."""
    return set(
        MetricValue.objects.of_run(run).values_list(
            "key",
            "period_start",
            "period_end",
            "cut_kind",
            "cut_value",
            "value",
            "numerator",
            "denominator",
            "undefined_reason",
        )
    )
