"""Celery tasks of the notification layer: thin, ids in, services do the work."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    bind=True,
    name=services.DELIVER_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.NOTIFICATION_RETRIES,
)
def deliver_notification(self, notification_id: int):
    """Deliver one notification; retried with backoff, then recorded as failed. Never raises:
    with no broker the task runs in the request that saved, and must not fail it. (throw=False:
    the retry is scheduled, or with no broker run at once, without raising Retry.)"""
    try:
        services.deliver(notification_id=notification_id)
    except services.DeliveryFailed as failure:
        if self.request.retries < self.max_retries:
            backoff = settings.NOTIFICATION_RETRY_BACKOFF_SECONDS * 2**self.request.retries
            return self.retry(countdown=min(600, backoff), throw=False)
        services.record_failure(notification_id=notification_id, error=str(failure))
    return None


@shared_task(acks_late=True, ignore_result=True)
def send_daily_digests() -> int:
    return services.send_daily_digests()


@shared_task(acks_late=True, ignore_result=True)
def send_again_unsent() -> int:
    return services.send_again_unsent()
