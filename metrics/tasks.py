"""Celery tasks: thin wrappers that take an id, call a service, and own retries and time limits."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from metrics import quality_checks, queueing, review_email, services
from metrics.importing.services import import_job_run
from metrics.models import MetricRun
from metrics.sync import services as sync_services


@shared_task(name=queueing.RUN_IMPORT_JOB, acks_late=True, reject_on_worker_lost=True)
def run_import_job(job_id: int) -> None:
    """Import an uploaded CRM file (a portal ImportJob); safe to run again on redelivery."""
    import_job_run(job_id=job_id)


@shared_task(
    name=queueing.COMPUTE_METRICS_RUN,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def compute_metrics_run(run_id: int) -> bool:
    """Compute one metric run (idempotent: a redelivered or retried run takes effect once)."""
    return services.compute_run(run_id=run_id)


@shared_task(
    name=quality_checks.RUN_QUALITY_CHECK,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def run_quality_check(check_id: int) -> None:
    """Find the data-quality problems after an import or on demand (metrics/quality.py)."""
    quality_checks.run_check(check_id=check_id)


@shared_task(acks_late=True)
def sweep_runs() -> list[int]:
    """Every few minutes: re-send runs the broker never got, re-queue runs whose worker died."""
    return services.sweep_stale_runs()


@shared_task(acks_late=True)
def nightly_recompute() -> int:
    """Every night: recompute every metric from the current records."""
    return services.request_recompute(trigger=MetricRun.Trigger.NIGHTLY).pk


@shared_task(
    name=queueing.RUN_CRM_SYNC,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def run_crm_sync(run_id: int) -> None:
    """Sync one CRM connection (a SyncRun); a redelivered task resumes from the cursors."""
    sync_services.run_sync(run_id=run_id)


@shared_task(acks_late=True)
def queue_due_crm_syncs() -> list[int]:
    """Every few minutes: queue the connections whose schedule (hourly by default) is due."""
    return sync_services.queue_due_syncs()


@shared_task(acks_late=True)
def send_weekly_review_email() -> int:
    """Monday mornings: last week's summary to the subscribers (once per week and recipient)."""
    return len(review_email.send_weekly_review().recipients)
