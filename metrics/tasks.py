"""Celery tasks: thin wrappers that take an id and call a service."""

from celery import shared_task

from metrics import imports


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import_job(job_id: int) -> None:
    """Import an uploaded CRM file (a portal ImportJob); safe to run again on redelivery."""
    imports.import_job_run(job_id=job_id)
