"""Notifications delivered by a REAL Celery worker (Redis broker, PostgreSQL): sent after the
commit, a receiver's 500 retried with the broker's countdown, recorded once. Runs in bin/test's
PostgreSQL pass."""

import pytest
from django.db import transaction

from revops_portal.notifications import kinds, services
from revops_portal.notifications.models import Notification, NotificationSettings
from tests.metrics.conftest import celery_pointed_at
from tests.metrics.test_worker import Workers, broker_url, wait_until
from tests.playbook.factories import UserFactory

from .receiver import WebhookReceiver

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTIFICATION_RETRY_BACKOFF_SECONDS", "0.2")  # read by the worker
    started = Workers(tmp_path)
    yield started
    started.kill_all()


def test_a_real_worker_delivers_after_commit_retries_a_500_and_records_it_once(workers):
    url = broker_url()
    worker = workers.start(url)
    with WebhookReceiver() as receiver, celery_pointed_at(url):
        receiver.answers = [500, 200]
        alice = UserFactory(username="alice")
        NotificationSettings.objects.create(user=alice, webhook_url=receiver.url)
        with transaction.atomic():
            [notification] = services.notify(
                recipients=[alice],
                kind=kinds.FLAG,
                key="flag:real-worker",
                subject="Pricing was flagged",
                body="Out of date",
            )
            assert Notification.objects.get().enqueued_at is None  # not sent before the commit

        def delivered():
            notification.refresh_from_db()
            return notification.delivered_at

        wait_until(delivered, 30, "the worker to deliver the notification")
        assert len(receiver.received) == 2  # a 500, then the retry's 200
        assert receiver.received[-1]["text"].startswith("*Pricing was flagged*")
        assert notification.attempts == 2 and notification.enqueued_at is not None
        log = worker.log_path.read_text()
        assert log.count("Subject: Pricing was flagged") == 1  # the console e-mail, once
