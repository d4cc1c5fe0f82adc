"""A sync on a REAL Celery worker (Redis, PostgreSQL) whose pool process is killed half-way:
the redelivered task resumes from the cursors and no record is read or written twice.

Runs in bin/test's PostgreSQL pass (the `services` marker), like tests/metrics/test_worker.py.
"""

import os
import signal

import pytest

from metrics.models import Account
from metrics.sync import services
from metrics.sync.models import SyncRun
from tests.metrics.conftest import celery_pointed_at
from tests.metrics.test_worker import broker_url, child_pids, wait_for_status, wait_until, workers

from .conftest import KEY, make_connection
from .fake_hubspot import FakeHubSpot

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
__all__ = ["workers"]  # the fixture, shared with the metric-run worker tests

COMPANIES = 20


def test_a_worker_killed_mid_sync_resumes_from_the_cursor_without_duplicates(
    workers, monkeypatch, settings
):
    fake = FakeHubSpot().start()
    try:
        fake.delay = 0.25  # slow enough to be caught between pages
        for number in range(COMPANIES):
            fake.put("companies", str(500 + number), name=f"Company {number}")
        settings.CRM_HUBSPOT_API_URL = fake.url
        connection = make_connection("hubspot", kinds=["accounts"])
        for name, value in {
            "CRM_SECRETS_KEY": KEY,
            "CRM_HUBSPOT_API_URL": fake.url,
            "CRM_SYNC_PAGE_SIZE": "2",
            "CRM_SYNC_MIN_REQUEST_INTERVAL": "0",
        }.items():
            monkeypatch.setenv(name, value)  # the worker's settings
        url = broker_url()
        with celery_pointed_at(url):
            worker = workers.start(url, pool="prefork")
            run = services.queue_sync(connection=connection, trigger=SyncRun.Trigger.MANUAL)
            wait_until(lambda: 4 <= Account.objects.count() < COMPANIES, 60, "a sync half-way")
            for child in child_pids(worker.pid):
                os.kill(child, signal.SIGKILL)  # the pool process running the sync dies
            # reject_on_worker_lost puts the message back; a new pool process resumes the run.
            wait_for_status(run, SyncRun.Status.SUCCEEDED, timeout=90)
    finally:
        fake.stop()
    assert Account.objects.count() == COMPANIES
    counts = run.stats["accounts"]
    # Every company read and created once over both attempts (the counts are kept per page).
    assert counts["created"] == COMPANIES
    assert counts["read"] == COMPANIES  # a page, its counts and its cursor commit together
    resumed = [body for body in fake.searches("companies")[1:] if "after" not in body]
    assert resumed and resumed[0]["filterGroups"], "the second attempt starts from the cursor"
