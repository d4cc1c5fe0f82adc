"""Redis restarted while a real worker runs a metric run or an import: nothing lost, nothing twice.

The broker here is a Redis of the tests' own, configured as docker-compose.yml configures it
(append-only, no eviction), restarted as `docker compose restart redis` does (SIGTERM, start
again on the same data). Run in bin/test's PostgreSQL pass, like test_worker.py.
"""

import csv
import io
import signal
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from metrics import services
from metrics.importing import services as imports
from metrics.importing.options import ImportOptions
from metrics.models import Account, ImportJob, MetricRun, MetricValue, Opportunity, Subscription
from tests.portal.stack import free_port, start_redis, wait_until

from .conftest import celery_pointed_at, snapshot
from .test_worker import Workers, wait_for_status

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class RestartableRedis:
    def __init__(self, directory: Path):
        self.directory, self.port = directory, free_port()
        self.server = start_redis(self.port, directory)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def restart(self) -> None:
        self.server.send_signal(signal.SIGTERM)  # a clean shutdown writes the append-only file
        self.server.wait(timeout=30)
        self.server = start_redis(self.port, self.directory)

    def stop(self) -> None:
        if self.server.poll() is None:
            self.server.kill()
            self.server.wait(timeout=10)


@pytest.fixture
def broker(tmp_path):
    redis_server = RestartableRedis(tmp_path)
    try:
        yield redis_server
    finally:
        redis_server.stop()


@pytest.fixture
def workers(transactional_db, tmp_path):
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.kill_all()


@pytest.fixture
def records(transactional_db):
    """A year of deals and subscriptions: about 20 periods to compute."""
    for n in range(12):
        account = Account.objects.create(
            external_id=f"A-{n}", name=f"Account {n}", segment=["SMB", "Enterprise"][n % 2]
        )
        won_on = date(2016, 1, 10) + timedelta(days=30 * n)
        Opportunity.objects.create(
            external_id=f"W-{n}",
            account=account,
            status="won",
            amount=Decimal(1000 + n),
            created_date=won_on - timedelta(days=20),
            close_date=won_on,
        )
        Subscription.objects.create(
            external_id=f"S-{n}", account=account, mrr=Decimal(100 + n), start_date=won_on
        )


def test_runs_running_and_queued_when_redis_restarts_each_finish_once_with_the_right_figures(
    broker, workers, records
):
    with celery_pointed_at(broker.url):
        workers.start(broker.url, delay=0.15)
        running = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)

        def part_way():
            running.refresh_from_db()
            return running.status == MetricRun.Status.RUNNING and 0 < running.progress < 60

        wait_until(part_way, 30, "the first run to be part-way")
        # The one-at-a-time worker is busy: this one waits in Redis, where only the
        # append-only file keeps it through the restart.
        waiting = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
        broker.restart()
        running.refresh_from_db()
        assert running.status == MetricRun.Status.RUNNING  # the restart happened mid-run
        wait_for_status(running, MetricRun.Status.SUCCEEDED, timeout=60)
        wait_for_status(waiting, MetricRun.Status.SUCCEEDED, timeout=60)
    for run in (running, waiting):
        run.refresh_from_db()
        assert run.attempts == 1  # computed once, never started again
    figures = snapshot(running)
    assert figures and MetricValue.objects.of_run(running).count() == len(figures)
    assert snapshot(waiting) == figures  # the same records: the same figures


ROWS = 6000


def big_opportunities_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "account", "amount", "status", "created_date", "close_date"])
    for n in range(ROWS):
        day = date(2017, 1, 1) + timedelta(days=n % 365)
        won = n % 3 == 0
        writer.writerow(
            [f"OPP-{n}", f"ACC-{n % 50}", 100 + n % 900, "won" if won else "open",
             day.isoformat(), (day + timedelta(days=30)).isoformat() if won else ""]
        )  # fmt: skip
    return out.getvalue().encode()


def test_an_import_in_progress_when_redis_restarts_writes_every_row_once(
    broker, workers, settings, monkeypatch
):
    # The worker reads the uploaded file where this process stored it.
    monkeypatch.setenv("PRIVATE_ROOT", str(settings.PRIVATE_ROOT))
    manager = get_user_model().objects.create_superuser("boss", "boss@example.com", "x" * 16)
    Account.objects.bulk_create(
        [Account(external_id=f"ACC-{n}", name=f"Account {n}") for n in range(50)]
    )
    job = imports.import_job_create(
        upload=SimpleUploadedFile("deals.csv", big_opportunities_file(), content_type="text/csv"),
        options=ImportOptions(kind="opportunities"),
        created_by=manager,
    )
    assert job.rows_invalid == 0
    # The streaming import writes 6,000 rows faster than Redis restarts: another connection
    # holds a lock the import's write needs (reads still pass), so the restart happens while
    # the import is running, whatever the machine's speed.
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Opportunity._meta.db_table} IN EXCLUSIVE MODE")
    with celery_pointed_at(broker.url):
        workers.start(broker.url)
        imports.import_job_start(job=job, started_by=manager)

        def importing():
            job.refresh_from_db()
            return job.status == ImportJob.Status.RUNNING

        try:
            wait_until(importing, 30, f"the import to start ({job.status}: {job.message})")
            broker.restart()
            job.refresh_from_db()
            assert job.status == ImportJob.Status.RUNNING, job.message  # restarted mid-import
        finally:
            holder.rollback()  # the import's write goes on
            holder.close()

        def finished():
            job.refresh_from_db()
            return job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED)

        wait_until(finished, 120, "the import to finish")
        assert job.status == ImportJob.Status.SUCCEEDED, job.message
        # The recomputation the import asked for: sent, or (broker down at that moment)
        # left for the sweep, which sends it now.
        [run] = MetricRun.objects.filter(trigger=MetricRun.Trigger.IMPORT)
        services.sweep_stale_runs()
        wait_for_status(run, MetricRun.Status.SUCCEEDED, timeout=90)
    job.refresh_from_db()
    assert (job.rows_total, job.rows_written) == (ROWS, ROWS)
    assert Opportunity.objects.count() == ROWS
    assert Opportunity.objects.filter(status="won").count() == len(range(0, ROWS, 3))
    assert Account.objects.count() == 50
    assert MetricRun.objects.filter(trigger=MetricRun.Trigger.IMPORT).count() == 1
    run.refresh_from_db()
    assert run.attempts == 1
