from celery import shared_task

from .reminders import send_review_reminders


@shared_task(acks_late=True, ignore_result=True)
def send_review_reminders_task() -> int:
    return send_review_reminders()


@shared_task(acks_late=True, ignore_result=True)
def release_sections_of_inactive_owners_task() -> int:
    """Daily: sections still owned by deactivated users (deactivated without a save())."""
    from .leavers import release_sections_of_inactive_owners

    return release_sections_of_inactive_owners()


@shared_task(acks_late=True, ignore_result=True)
def record_freshness_task() -> None:
    """Daily: today's share of fresh sections, for the review queue's trend."""
    from .review_queue import record_freshness

    record_freshness()


@shared_task(name="playbook.tasks.build_export", acks_late=True, reject_on_worker_lost=True)
def build_export(export_id: int) -> None:
    """Build a PDF or Markdown archive of the playbook (safe to run again on redelivery)."""
    from .printing import build_export as build

    build(export_id=export_id)
