"""Sending work to the task workers: by task name, once the transaction commits, broker faults caught.

With no broker configured (the embedded mode: Celery is eager), a task runs on the embedded
worker, one background thread of the process that sent it, so the request that started it
answers at once and the page polls the same progress as with real workers. Setting
EMBEDDED_WORKER=false runs it inline instead, before the request answers (the tests do, so
that a test's own transaction sees the task's writes).

Services enqueue through here and never import `metrics.tasks` (the tasks import the services),
so the dependencies run one way: tasks → services → queueing. A task is sent with the id of
its row (a MetricRun or an ImportJob), never the object, and only after the row is committed,
or the worker could look for a row it cannot see yet. The row's `enqueued_at` records that the
broker got the message; a row without it was never sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures

from celery import current_app
from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# The task names (metrics/tasks.py registers its tasks under these).
COMPUTE_METRICS_RUN = "metrics.tasks.compute_metrics_run"
RUN_IMPORT_JOB = "metrics.tasks.run_import_job"
RUN_CRM_SYNC = "metrics.tasks.run_crm_sync"


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
    if uses_embedded_worker():
        _stamp(model, pk)
        embedded_worker().send(task_name, pk)
        return True
    try:
        current_app.tasks[task_name].delay(pk)
    except broker_errors() as exc:
        logger.warning(
            "%s %s was not sent: the broker is unreachable (%s).", model.__name__, pk, exc
        )
        return False
    _stamp(model, pk)
    return True


def _stamp(model: type[models.Model], pk: int) -> None:
    model.objects.filter(pk=pk).update(enqueued_at=timezone.now())


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


def send_again_if_lost(task_name: str, model: type[models.Model], pk: int) -> None:
    """A queued row found by a later request: on the embedded worker, send it again unless this
    process still holds it (the process that queued it has stopped). With a broker, the sweep
    re-sends what the broker lost."""
    if uses_embedded_worker() and not embedded_worker().holds(task_name, pk):
        enqueue_on_commit(task_name, model, pk)


# --- The embedded worker ----------------------------------------------------------------------


def uses_embedded_worker() -> bool:
    return bool(current_app.conf.task_always_eager and settings.EMBEDDED_WORKER)


class EmbeddedWorker:
    """One background thread that runs the tasks sent to it in order, as an eager Celery would.

    One thread, so that a run and an import never write at once (SQLite has one writer). A
    task that fails is logged; its row says so (the services record failures themselves).
    """

    def __init__(self):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedded-worker")
        self._lock = threading.Lock()
        self._held: dict[Future, tuple[str, int]] = {}

    def send(self, task_name: str, pk: int) -> None:
        try:
            with self._lock:
                future = self._executor.submit(self._run_on_thread, task_name, pk)
                self._held[future] = (task_name, pk)
        except RuntimeError:  # the interpreter is shutting down: run it here
            self._run(task_name, pk)
            return
        future.add_done_callback(self._forget)

    def holds(self, task_name: str, pk: int) -> bool:
        """Whether the task for `pk` waits or runs here."""
        with self._lock:
            return (task_name, pk) in self._held.values()

    def submit(self, function: Callable[[], object]) -> Future:
        """Run any callable in turn with the tasks (tests use it to hold the worker)."""
        with self._lock:
            future = self._executor.submit(function)
            self._held[future] = ("", 0)
        future.add_done_callback(self._forget)
        return future

    def wait_until_idle(self, timeout: float = 60) -> None:
        """Return once every task sent (and every task those sent) has finished."""
        while True:
            with self._lock:
                pending = list(self._held)
            if not pending:
                return
            _, not_done = wait_for_futures(pending, timeout=timeout)
            if not_done:
                raise TimeoutError(f"{len(not_done)} background tasks still running.")

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._held.pop(future, None)

    @staticmethod
    def _run(task_name: str, pk: int) -> None:
        try:
            current_app.tasks[task_name].apply(args=(pk,), throw=True)
        except Exception:
            logger.exception("Background task %s(%s) failed.", task_name, pk)

    @classmethod
    def _run_on_thread(cls, task_name: str, pk: int) -> None:
        try:
            cls._run(task_name, pk)
        finally:
            connections.close_all()  # the worker thread's own connections


_worker: EmbeddedWorker | None = None
_worker_lock = threading.Lock()


def embedded_worker() -> EmbeddedWorker:
    """This process's embedded worker, started on first use."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = EmbeddedWorker()
        return _worker
