"""The embedded mode (no broker): an import or a recomputation answers at once and the work
runs on the embedded worker's thread, with the same progress pages (issue 8, defect 11).

Deterministic: the worker is held busy (a gate) while the requests are made, so nothing runs
beside the test's own queries; the test then lets it go and waits until it is idle.
"""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from metrics import queueing, services
from metrics.importing import services as imports
from metrics.importing.options import ImportOptions
from metrics.models import Account, ImportJob, MetricRun
from tests.metrics.dashboard_support import make_persona, make_user

from .factories import AccountFactory, OpportunityFactory, SubscriptionFactory

# The worker's thread has its own connection: it sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def embedded(settings, tmp_path):
    settings.EMBEDDED_WORKER = True
    settings.MEDIA_ROOT = tmp_path / "media"
    worker = queueing.embedded_worker()
    yield worker
    worker.wait_until_idle()


@pytest.fixture
def gate(embedded):
    """The embedded worker busy until the test opens the gate: what is sent meanwhile waits."""
    opened = threading.Event()
    embedded.submit(lambda: opened.wait(30))
    yield opened
    opened.set()


@pytest.fixture
def book():
    account = AccountFactory(segment="SMB")
    OpportunityFactory(account=account, created_date=date(2017, 1, 5), close_date=date(2017, 2, 1))
    SubscriptionFactory(account=account, mrr=Decimal(100), start_date=date(2017, 2, 2))


def test_the_mode_is_on_only_without_a_broker_and_when_the_setting_allows(settings):
    settings.EMBEDDED_WORKER = True
    assert queueing.uses_embedded_worker()  # the test settings have no broker
    settings.EMBEDDED_WORKER = False
    assert not queueing.uses_embedded_worker()


def test_recompute_now_answers_before_the_run_and_the_page_follows_it(client, book, gate, embedded):
    client.force_login(make_persona("manager"))
    response = client.post(reverse("metrics:recompute"))
    assert response.status_code == 302
    run = MetricRun.objects.get()
    assert run.status == MetricRun.Status.QUEUED  # not run inside the request
    assert response.url.endswith(f"?run={run.pk}")
    status = client.get(reverse("metrics:run_status", args=[run.pk])).json()
    assert (status["status"], status["done"]) == ("queued", False)

    gate.set()
    embedded.wait_until_idle()
    status = client.get(reverse("metrics:run_status", args=[run.pk])).json()
    assert (status["status"], status["done"]) == ("succeeded", True)
    assert services.compute_run(run_id=run.pk) is False  # done once, not again


def import_manager():
    user = make_user("importer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    return user


def accounts_job(n: int, created_by) -> ImportJob:
    csv = f"external_id,name,segment\nE{n},Account {n},SMB\n".encode()
    return imports.import_job_create(
        options=ImportOptions(kind="accounts"),
        upload=SimpleUploadedFile(f"accounts-{n}.csv", csv, content_type="text/csv"),
        created_by=created_by,
    )


def test_imports_started_together_answer_at_once_and_share_one_recomputation(
    client, gate, embedded
):
    manager = import_manager()
    client.force_login(manager)
    jobs = [accounts_job(n, manager) for n in range(5)]
    for job in jobs:
        url = reverse("metrics:import_detail", args=[job.pk])
        assert client.post(url).status_code == 302
        page = client.get(url)
        assert page.context["in_progress"] is True  # the progress page, polling
    assert {job.status for job in ImportJob.objects.all()} == {ImportJob.Status.QUEUED}
    assert not MetricRun.objects.exists()

    gate.set()
    embedded.wait_until_idle()
    assert {job.status for job in ImportJob.objects.all()} == {ImportJob.Status.SUCCEEDED}
    assert Account.objects.count() == 5
    # Each import asked for a recomputation; the first one queued covered all five.
    run = MetricRun.objects.get()
    assert run.status == MetricRun.Status.SUCCEEDED


def test_a_queued_run_left_by_a_stopped_process_is_sent_again_by_the_next_request(book, embedded):
    orphan = MetricRun.objects.create(trigger=MetricRun.Trigger.IMPORT, enqueued_at=timezone.now())
    assert not embedded.holds(queueing.COMPUTE_METRICS_RUN, orphan.pk)
    assert services.request_recompute(trigger=MetricRun.Trigger.MANUAL).pk == orphan.pk
    embedded.wait_until_idle()
    orphan.refresh_from_db()
    assert orphan.status == MetricRun.Status.SUCCEEDED
