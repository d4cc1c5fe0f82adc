"""compute_metrics and metrics_report: they compute, print, and fail cleanly on bad input."""

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from metrics import catalog
from metrics.models import MetricRun

from .factories import AccountFactory, OpportunityFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def june_book():
    account = AccountFactory(segment="SMB")
    OpportunityFactory(
        account=account,
        amount=Decimal(1200),
        created_date=date(2017, 6, 1),
        close_date=date(2017, 6, 11),
    )
    SubscriptionFactory(account=account, mrr=Decimal(100), start_date=date(2017, 6, 12))


def run_command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_compute_metrics_computes_a_run_and_prints_the_period(june_book):
    out = run_command("compute_metrics", "--period", "2017-06")
    run = MetricRun.objects.get()
    assert run.status == MetricRun.Status.SUCCEEDED
    assert run.trigger == MetricRun.Trigger.COMMAND
    assert f"Run {run.pk} succeeded" in out
    assert "mrr              100" in out
    assert "won_amount       1200" in out


def test_metrics_report_json_has_every_key(june_book):
    run_command("compute_metrics")
    report = json.loads(run_command("metrics_report", "--period", "2017-06", "--format", "json"))
    assert list(report["metrics"]) == list(catalog.KEYS)
    assert report["metrics"]["won_count"]["value"] == "1"
    segment = json.loads(
        run_command("metrics_report", "--period", "2017-Q2", "--segment", "SMB", "--format", "json")
    )
    assert segment["cut"] == {
        "segment": "SMB",
        "channel": None,
        "industry": None,
        "owner": None,
        "team": None,
    }
    assert segment["metrics"]["mrr"]["value"] == "100"


def test_metrics_report_table_shows_numerators_and_reasons(june_book):
    run_command("compute_metrics")
    out = run_command("metrics_report", "--period", "2017-06")
    assert "June 2017 (2017-06), cut: all" in out
    assert "win_rate               1  (1 / 1)" in out
    assert "—  (no customers at the start of the period)" in out


@pytest.mark.parametrize("command", ["metrics_report", "compute_metrics"])
def test_a_bad_period_is_a_clear_error(command):
    with pytest.raises(CommandError, match="not a valid period"):
        run_command(command, "--period", "2017-13")


def test_a_bad_period_exits_non_zero_without_a_traceback(tmp_path):
    env = {
        **os.environ,
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "revops_portal.settings",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "metrics_report", "--period", "June"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "is not a period" in done.stderr
    assert "Traceback" not in done.stderr
