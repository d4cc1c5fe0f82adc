from celery import shared_task

from .reminders import send_review_reminders


@shared_task(acks_late=True, ignore_result=True)
def send_review_reminders_task() -> int:
    return send_review_reminders()
