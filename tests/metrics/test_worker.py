"""Metric runs against a REAL Celery worker, Redis and PostgreSQL (cases 15–18 below).

Run only in bin/test's PostgreSQL pass, where TEST_REDIS_URL points at a Redis server. Each
test starts its own `celery worker` subprocesses on the test database and kills them in the
end; test 16 also starts and stops its own redis-server.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.db import connection, transaction

from metrics import services
from metrics.models import MetricRun, MetricValue, Opportunity, Subscription
from metrics.periods import parse
from metrics.selectors import latest_successful_run, period_report
from metrics.tasks import compute_metrics_run
from tests.portal.stack import free_port, start_redis, wait_until

from .conftest import celery_pointed_at, snapshot
from .factories import AccountFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")
REDIS_DATABASES = 256  # bin/_services.sh starts Redis with this many
FIRST_WORKERS_BROKER_DB = 100  # below: databases single tests take (tests/kept/ takes 3)


def broker_db() -> int:
    """This test process's Redis database number on the shared test server: 1, or 100 + n for
    pytest-xdist's worker gw<n>, so parallel processes never read or flush each other's queue."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ... under pytest-xdist
    if worker is None:
        return 1
    number = FIRST_WORKERS_BROKER_DB + int(worker.removeprefix("gw"))
    if number >= REDIS_DATABASES:
        pytest.fail(f"Redis has {REDIS_DATABASES} databases: run fewer pytest-xdist workers.")
    return number


def broker_url() -> str:
    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        pytest.fail("TEST_REDIS_URL is not set: these tests need Redis (bin/test starts one).")
    return urlunsplit(urlsplit(base)._replace(path=f"/{broker_db()}"))


def database_url() -> str:
    if connection.vendor != "postgresql":
        pytest.fail("The real-worker tests run on PostgreSQL (set DATABASE_URL).")
    s = connection.settings_dict
    credentials = quote(s["USER"] or "postgres")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"])
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def queued_messages(url: str) -> int:
    client = redis.Redis.from_url(url)
    return sum(client.llen(key) for key in client.keys("celery*") if client.type(key) == b"list")


def wait_for_status(run, status, timeout=30):
    def reached():
        run.refresh_from_db()
        return run.status == status

    wait_until(reached, timeout, f"run {run.pk} to be {status} (it is {run.status})")


class Workers:
    """Celery worker subprocesses on the test database; all killed at teardown."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []

    def start(
        self, url: str, *, pool: str = "solo", delay: float | None = None
    ) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": url,
            "DJANGO_SETTINGS_MODULE": "revops_portal.settings",
        }
        env.pop("METRICS_TEST_DELAY_SECONDS", None)
        if delay:
            env["METRICS_TEST_DELAY_SECONDS"] = str(delay)
        log_path = self.tmp_path / f"worker-{len(self.processes)}.log"
        log = open(log_path, "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "revops_portal",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "-Q",
                "celery",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
                "-n",
                f"mx{len(self.processes)}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_path = log_path
        self.processes.append(process)
        wait_until(
            lambda: "ready." in log_path.read_text() or process.poll() is not None, 30, "the worker"
        )
        assert process.poll() is None, log_path.read_text()
        return process

    def kill_all(self):
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=10)


@pytest.fixture
def workers(transactional_db, tmp_path):
    redis.Redis.from_url(broker_url()).flushdb()
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.kill_all()
        redis.Redis.from_url(broker_url()).flushdb()


@pytest.fixture
def book(transactional_db):
    """A year and a half of deals and subscriptions: about 20 months, 7 quarters, 2 years."""
    for n in range(12):
        account = AccountFactory(segment=["SMB", "Enterprise"][n % 2])
        won_on = date(2016, 8, 10) + timedelta(days=30 * n)
        Opportunity.objects.create(
            external_id=f"W-{n}",
            account=account,
            status="won",
            amount=Decimal(1000 + n),
            created_date=won_on - timedelta(days=20),
            close_date=won_on,
            source=["Events", "Referral"][n % 2],
        )
        Subscription.objects.create(
            external_id=f"S-{n}",
            account=account,
            mrr=Decimal(100 + n),
            start_date=won_on,
            end_date=won_on + timedelta(days=200) if n % 3 == 0 else None,
        )


def test_15_a_rolled_back_request_enqueues_nothing_and_a_committed_one_once(workers, book):
    url = broker_url()
    with celery_pointed_at(url):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
            raise RuntimeError("the request failed after asking")
        assert queued_messages(url) == 0
        assert not MetricRun.objects.exists()
        run = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
        assert queued_messages(url) == 1
        run.refresh_from_db()
        assert run.enqueued_at is not None
        workers.start(url)
        wait_for_status(run, MetricRun.Status.SUCCEEDED)
    assert run.attempts == 1
    assert MetricRun.objects.count() == 1
    assert MetricValue.objects.of_run(run).exists()


def stop_redis(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.kill()
        server.wait(timeout=10)


def test_16_with_redis_down_the_request_answers_fast_and_the_sweep_sends_it_later(
    workers, book, tmp_path
):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = start_redis(port, tmp_path)
    try:
        with celery_pointed_at(url):
            stop_redis(server)
            started = time.monotonic()
            run = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)  # no exception
            assert time.monotonic() - started < 2
            run.refresh_from_db()
            assert (run.status, run.enqueued_at) == (MetricRun.Status.QUEUED, None)
            server = start_redis(port, tmp_path)
            workers.start(url)
            assert services.sweep_stale_runs() == [run.pk]
            wait_for_status(run, MetricRun.Status.SUCCEEDED)
        assert run.enqueued_at is not None
        assert run.attempts == 1
    finally:
        stop_redis(server)


def test_17_the_same_job_run_twice_gives_identical_figures_and_no_duplicates(workers, book):
    url = broker_url()
    with celery_pointed_at(url):
        workers.start(url)
        run = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
        wait_for_status(run, MetricRun.Status.SUCCEEDED)
        figures, finished_at = snapshot(run), run.finished_at
        compute_metrics_run.delay(run.pk)  # the same job delivered again
        # The solo worker takes messages in order: once this one is done, so is the repeat.
        later = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
        wait_for_status(later, MetricRun.Status.SUCCEEDED)
    run.refresh_from_db()
    assert run.finished_at == finished_at
    assert run.attempts == 1
    assert snapshot(run) == figures
    assert MetricValue.objects.of_run(run).count() == len(figures)
    assert snapshot(later) == figures  # computing the same records again: identical figures


def child_pids(pid: int) -> list[int]:
    done = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in done.stdout.split()]


def test_18_a_worker_killed_mid_job_shows_nothing_partial_and_the_job_takes_effect_once(
    workers, book
):
    june = parse("2017-06")
    previous = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    shown = period_report(june)
    Opportunity.objects.create(  # the records change: the next run has different figures
        external_id="W-new",
        status="won",
        amount=Decimal(5000),
        created_date=date(2017, 6, 1),
        close_date=date(2017, 6, 5),
    )
    url = broker_url()
    with celery_pointed_at(url):
        worker = workers.start(url, pool="prefork", delay=0.15)
        run = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)

        def part_way():
            run.refresh_from_db()
            return run.status == MetricRun.Status.RUNNING and 0 < run.progress < 60

        wait_until(part_way, 30, "the run to be part-way")
        partial = MetricValue.objects.of_run(run).count()
        assert partial > 0
        # Partial values are never what pages see.
        assert latest_successful_run() == previous
        assert period_report(june) == shown
        children = child_pids(worker.pid)
        assert children, worker.log_path.read_text()
        for child in children:
            os.kill(child, signal.SIGKILL)  # the pool process computing the run dies
        # reject_on_worker_lost puts the message back; a new pool process runs it again.
        wait_for_status(run, MetricRun.Status.SUCCEEDED, timeout=40)
    assert run.attempts == 2
    expected = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    assert snapshot(run) == snapshot(expected)
    assert MetricValue.objects.of_run(run).count() == len(snapshot(expected))
    # The new deal counts, once.
    won_now = period_report(june, run=run)["metrics"]["won_count"]["value"]
    assert int(won_now) == int(shown["metrics"]["won_count"]["value"]) + 1
