"""Sending work to the task workers: by task name, once the transaction commits, broker faults caught.

Services enqueue through here and never import `metrics.tasks` (the tasks import the services),
so the dependencies run one way: tasks → services → queueing. A task is sent with the id of
its row (a MetricRun or an ImportJob), never the object, and only after the row is committed,
or the worker could look for a row it cannot see yet. The row's `enqueued_at` records that the
broker got the message; a row without it was never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# The task names (metrics/tasks.py registers its tasks under these).
COMPUTE_METRICS_RUN = "metrics.tasks.compute_metrics_run"
RUN_IMPORT_JOB = "metrics.tasks.run_import_job"


def broker_errors() -> tuple[type[BaseException], ...]:
    """What delay() raises when the broker cannot be reached."""
    from kombu.exceptions import OperationalError as KombuOperationalError

    errors: list[type[BaseException]] = [
        KombuOperationalError,
        ConnectionError,
        OSError,
        TimeoutError,
    ]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        errors += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    return tuple(errors)


def enqueue(task_name: str, model: type[models.Model], pk: int) -> bool:
    """Send the task for row `pk` now and stamp the row's `enqueued_at`.

    Returns False (and logs) when the broker cannot be reached: the row is left unstamped for
    the caller to say so or for a sweep to send again.
    """
    try:
        current_app.tasks[task_name].delay(pk)
    except broker_errors() as exc:
        logger.warning(
            "%s %s was not sent: the broker is unreachable (%s).", model.__name__, pk, exc
        )
        return False
    model.objects.filter(pk=pk, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
    return True


def enqueue_on_commit(
    task_name: str,
    model: type[models.Model],
    pk: int,
    *,
    if_broker_down: Callable[[int], object] | None = None,
) -> None:
    """`enqueue` once the current transaction commits (nothing at all if it rolls back)."""

    def send() -> None:
        if not enqueue(task_name, model, pk) and if_broker_down is not None:
            if_broker_down(pk)

    transaction.on_commit(send)
