"""Sync runs: one per connection at a time, the beat entry, a redelivered task, a dead worker."""

from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from metrics import queueing
from metrics.models import Account
from metrics.sync import services
from metrics.sync.models import SyncRun

from .test_hubspot_sync import seed

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_active_sync_of_a_connection(hubspot_connection):
    SyncRun.objects.create(connection=hubspot_connection, trigger="manual")
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRun.objects.create(connection=hubspot_connection, trigger="schedule", status="running")


def test_beat_queues_due_syncs_every_few_minutes_and_the_tasks_are_registered():
    entry = settings.CELERY_BEAT_SCHEDULE["metrics-crm-syncs"]
    assert entry["task"] in current_app.tasks
    assert queueing.RUN_CRM_SYNC in current_app.tasks


def test_a_redelivered_task_of_a_running_sync_resumes_and_a_finished_one_does_nothing(
    hubspot, hubspot_connection
):
    seed(hubspot)
    run = SyncRun.objects.create(
        connection=hubspot_connection,
        trigger="schedule",
        status="running",
        started_at=timezone.now(),
    )
    assert services.run_sync(run_id=run.pk).status == SyncRun.Status.SUCCEEDED
    assert Account.objects.count() == 3
    requests = len(hubspot.requests)
    assert services.run_sync(run_id=run.pk).status == SyncRun.Status.SUCCEEDED
    assert len(hubspot.requests) == requests  # not run again


def test_a_sync_whose_worker_died_is_marked_interrupted_and_the_next_one_queued(
    hubspot_connection,
):
    long_ago = timezone.now() - timedelta(hours=3)
    dead = SyncRun.objects.create(
        connection=hubspot_connection, trigger="schedule", status="running", started_at=long_ago
    )
    SyncRun.objects.filter(pk=dead.pk).update(created_at=long_ago)
    [queued] = services.queue_due_syncs()
    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.FAILED and "resumes from the cursor" in dead.message
    assert queued != dead.pk
