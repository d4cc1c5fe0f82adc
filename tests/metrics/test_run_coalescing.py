"""Recomputations coalesce (issue 8, defect 11): at most one run waits in the queue, and it
covers every import that finished before it started.

The thread races run on PostgreSQL (bin/test's services pass), where two requests really
run at once; the rest run on both databases.
"""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from metrics import services
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.models import MetricRun

from .conftest import celery_pointed_at
from .factories import AccountFactory, MetricRunFactory, OpportunityFactory

ACCOUNTS_CSV = b"external_id,name,segment\nA1,Account 1,SMB\nA2,Account 2,SMB\n"
BROKER_DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: runs stay queued


def queued_runs():
    return list(MetricRun.objects.filter(status=MetricRun.Status.QUEUED))


@pytest.mark.django_db
def test_a_request_while_a_run_is_queued_returns_the_queued_run():
    first = services.request_recompute(trigger=MetricRun.Trigger.IMPORT)
    second = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
    assert second.pk == first.pk
    assert queued_runs() == [first]


@pytest.mark.django_db
def test_a_request_while_a_run_is_computing_queues_exactly_one_follow_up():
    running = MetricRunFactory(status=MetricRun.Status.RUNNING, finished_at=None)
    follow_ups = {services.request_recompute(trigger=MetricRun.Trigger.IMPORT).pk for _ in range(5)}
    assert len(follow_ups) == 1 and running.pk not in follow_ups
    assert [run.pk for run in queued_runs()] == list(follow_ups)


@pytest.mark.django_db
def test_imports_that_finish_while_a_run_waits_share_it():
    outcomes = [
        import_records(
            options=ImportOptions(kind="accounts"),
            data=ACCOUNTS_CSV.replace(b"A1", f"B{n}".encode()),
        )
        for n in range(4)
    ]
    assert all(outcome.recompute_requested for outcome in outcomes)
    assert MetricRun.objects.count() == 1
    run = MetricRun.objects.get()
    # It starts after the last import finished, so it computes from all of them.
    assert services.compute_run(run_id=run.pk) is True


@pytest.mark.django_db
def test_the_command_computes_at_once_beside_a_queued_run():
    OpportunityFactory(created_date=date(2017, 1, 5), close_date=date(2017, 2, 10))
    waiting = services.request_recompute(trigger=MetricRun.Trigger.IMPORT)
    done = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    assert done.status == MetricRun.Status.SUCCEEDED and done.pk != waiting.pk
    assert queued_runs() == [waiting]


@pytest.mark.django_db
def test_the_sweep_fails_a_dead_run_rather_than_queue_a_second_one():
    dead = MetricRunFactory(
        status=MetricRun.Status.RUNNING,
        started_at=timezone.now() - services.stale_after() - timedelta(minutes=1),
        finished_at=None,
    )
    with celery_pointed_at(BROKER_DOWN):
        waiting = services.request_recompute(trigger=MetricRun.Trigger.IMPORT)
        services.sweep_stale_runs()
    dead.refresh_from_db()
    assert dead.status == MetricRun.Status.FAILED
    assert f"run {waiting.pk}" in dead.error
    assert queued_runs() == [waiting]


@pytest.mark.django_db
def test_the_sweep_sends_again_a_queued_run_the_broker_lost():
    AccountFactory()
    lost = MetricRunFactory(
        status=MetricRun.Status.QUEUED,
        enqueued_at=timezone.now() - services.stale_after() - timedelta(minutes=1),
        started_at=None,
        finished_at=None,
    )
    assert services.sweep_stale_runs() == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == MetricRun.Status.SUCCEEDED  # eager stands in for the worker here


# --- Real concurrency (PostgreSQL) -------------------------------------------------------------


def at_once(count: int, work) -> list:
    """Run `work` in `count` threads released together; each thread has its own connection."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def thread_body():
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except Exception as exc:  # reported below, never swallowed
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread_body) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def require_postgresql():
    if connection.vendor != "postgresql":
        pytest.fail("The concurrency tests run on PostgreSQL (set DATABASE_URL).")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_requests_queue_one_run():
    require_postgresql()
    with celery_pointed_at(BROKER_DOWN):
        runs = at_once(20, lambda: services.request_recompute(trigger=MetricRun.Trigger.IMPORT))
    assert len({run.pk for run in runs}) == 1
    assert MetricRun.objects.count() == 1
    assert queued_runs()[0].pk == runs[0].pk


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_requests_during_a_run_queue_one_follow_up():
    require_postgresql()
    running = MetricRunFactory(status=MetricRun.Status.RUNNING, finished_at=None)
    with celery_pointed_at(BROKER_DOWN):
        runs = at_once(20, lambda: services.request_recompute(trigger=MetricRun.Trigger.IMPORT))
    assert len({run.pk for run in runs}) == 1 and runs[0].pk != running.pk
    assert MetricRun.objects.count() == 2
    assert [run.pk for run in queued_runs()] == [runs[0].pk]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_simultaneous_imports_share_one_recomputation():
    require_postgresql()
    counter = iter(range(100))
    lock = threading.Lock()

    def import_one():
        with lock:
            n = next(counter)
        data = ACCOUNTS_CSV.replace(b"A1", f"C{n}".encode()).replace(b"A2", f"D{n}".encode())
        return import_records(options=ImportOptions(kind="accounts"), data=data)

    with celery_pointed_at(BROKER_DOWN):
        outcomes = at_once(10, import_one)
    assert sum(outcome.rows_written for outcome in outcomes) == 20
    assert MetricRun.objects.count() == 1
    assert len(queued_runs()) == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_only_the_newest_of_several_queued_runs():
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("metrics", "0002_importjob_pending_status_map")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldRun = old_apps.get_model("metrics", "MetricRun")
    older, newer = (OldRun.objects.create(trigger="import") for _ in range(2))
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # Every app's latest migration: those that depend on metrics (kept) went back with it, and
    # the tests that follow on this process need their tables.
    executor.migrate(executor.loader.graph.leaf_nodes())
    statuses = dict(MetricRun.objects.values_list("pk", "status"))
    assert statuses == {older.pk: "failed", newer.pk: "queued"}
    assert f"run {newer.pk}" in MetricRun.objects.get(pk=older.pk).error
