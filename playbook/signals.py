"""A user saved as inactive (admin, SSO leaver check) gives up their sections at once."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="playbook-owner-deactivated")
def release_sections_of_deactivated_owner(sender, instance, created, raw=False, **kwargs):
    if raw or created or instance.is_active:
        return
    from .leavers import release_sections_of_inactive_owners

    release_sections_of_inactive_owners(owner=instance)


def review_sections_after_metric_run(sender, run, **kwargs):
    from .metric_reviews import review_sections_after_run

    review_sections_after_run(run=run)


def connect_metric_runs():
    from metrics.signals import run_succeeded

    run_succeeded.connect(review_sections_after_metric_run, dispatch_uid="playbook-metric-reviews")


connect_metric_runs()
