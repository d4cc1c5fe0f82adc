"""The Celery app. With no CELERY_BROKER_URL, settings make tasks run in-process (eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops_portal.settings")

app = Celery("revops_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
