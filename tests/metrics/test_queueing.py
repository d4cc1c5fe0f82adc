"""metrics.queueing: tasks sent by name after commit, broker faults caught, one way of importing.

The broker-down paths through the services are in test_runs.py and test_import_views.py; the
real worker in test_worker.py.
"""

import ast
from pathlib import Path

import pytest
from celery import current_app
from django.db import transaction

from metrics import queueing
from metrics.models import MetricRun

from .conftest import celery_pointed_at

METRICS = Path(__file__).resolve().parents[2] / "metrics"


def test_every_task_name_the_services_send_is_a_registered_task():
    for name in (queueing.COMPUTE_METRICS_RUN, queueing.RUN_IMPORT_JOB):
        assert current_app.tasks[name].name == name


def imported_names(source: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_nothing_under_the_tasks_imports_them():
    """tasks → services → queueing: no circle, not even a deferred import inside a function.
    Only the app config (to register them) and the commands (above everything) may."""
    offenders = [
        str(source.relative_to(METRICS))
        for source in METRICS.rglob("*.py")
        if source.name not in ("tasks.py", "apps.py")
        and "management" not in source.parts
        and "migrations" not in source.parts
        and any(name.endswith("tasks") for name in imported_names(source))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    run = MetricRun.objects.create(trigger=MetricRun.Trigger.MANUAL)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queueing.enqueue_on_commit(queueing.COMPUTE_METRICS_RUN, MetricRun, run.pk)
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
    assert callbacks == []
    run.refresh_from_db()
    assert (run.status, run.enqueued_at) == (MetricRun.Status.QUEUED, None)


@pytest.mark.django_db
def test_a_broker_fault_calls_the_fallback_and_leaves_the_row_unstamped(
    django_capture_on_commit_callbacks,
):
    run = MetricRun.objects.create(trigger=MetricRun.Trigger.MANUAL)
    fell_back = []
    with celery_pointed_at("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        with django_capture_on_commit_callbacks(execute=True):
            queueing.enqueue_on_commit(
                queueing.COMPUTE_METRICS_RUN, MetricRun, run.pk, if_broker_down=fell_back.append
            )
    assert fell_back == [run.pk]
    run.refresh_from_db()
    assert run.enqueued_at is None


def test_the_tasks_keep_their_delivery_guarantees_and_time_limits(settings):
    """Registering the tasks by name changed none of their options."""
    compute = current_app.tasks[queueing.COMPUTE_METRICS_RUN]
    assert (compute.acks_late, compute.reject_on_worker_lost) == (True, True)
    assert compute.soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert compute.time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert compute.max_retries == 5
    run_import = current_app.tasks[queueing.RUN_IMPORT_JOB]
    assert (run_import.acks_late, run_import.reject_on_worker_lost) == (True, True)
