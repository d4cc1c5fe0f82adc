"""HubSpot syncs end to end: the real hubspot-api-client against a loopback HubSpot (fake_hubspot).

Incremental correctness: a first sync backfills (accounts first; a deal whose company is unknown
waits), a second reads only the changes, archived records are deleted, an interrupted sync
resumes from its cursor without reading a record twice; faults: 429 with Retry-After, 500s,
an expired token.
"""

import time

import pytest
from django.core import mail

from metrics.models import Account, MetricRun, Opportunity
from metrics.sync import services
from metrics.sync.models import CrmConnection, SyncCursor, SyncRun, SyncWaiting

from .fake_hubspot import Fault

pytestmark = pytest.mark.django_db

RATE_LIMITED = Fault(
    429,
    {"Retry-After": "1"},
    {
        "status": "error",
        "message": "You have reached your secondly limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "SECONDLY",
    },
)
SERVER_ERROR = Fault(
    500, {}, {"status": "error", "message": "internal error", "category": "INTERNAL_ERROR"}
)


def seed(hubspot):
    """Three companies and four deals: one names a company HubSpot has not sent, one is bad."""
    for pk, name in (("101", "Acme"), ("102", "Globex"), ("103", "Initech")):
        hubspot.put(
            "companies", pk, name=name, industry="SOFTWARE", createdate="2026-01-05T10:00:00.000Z"
        )
    deal = {"dealstage": "appointmentscheduled", "createdate": "2026-03-02T10:00:00.000Z"}
    hubspot.put(
        "deals",
        "201",
        company="101",
        dealname="Acme platform",
        amount="1200.50",
        dealstage="closedwon",
        createdate="2026-03-01T10:00:00.000Z",
        closedate="2026-04-01T00:00:00.000Z",
        dealtype="newbusiness",
    )
    hubspot.put("deals", "202", company="104", dealname="Umbrella pilot", amount="300", **deal)
    hubspot.put("deals", "203", company="102", dealname="Globex seats", amount="a lot", **deal)
    hubspot.put(
        "deals",
        "204",
        company="103",
        dealname="Initech upsell",
        amount="800",
        dealtype="existingbusiness",
        hubspot_owner_id="48213901",
        **deal,
    )


def test_first_sync_backfills_accounts_first_and_holds_deals_whose_company_is_unknown(
    hubspot, hubspot_connection
):
    seed(hubspot)
    run = services.sync_now(connection=hubspot_connection)

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.stats["accounts"] | {} == {
        "read": 3,
        "created": 3,
        "updated": 0,
        "deleted": 0,
        "rejected": 0,
        "waiting": 0,
        "total": 3,
    }
    assert run.stats["opportunities"]["read"] == 4
    assert run.stats["opportunities"]["created"] == 2
    assert run.stats["opportunities"]["rejected"] == 1
    assert run.stats["opportunities"]["waiting"] == 1
    [rejected] = run.errors["opportunities"]
    assert rejected["column"] == "amount" and rejected["value"] == "a lot"
    assert "CRM record 203" in rejected["reason"]
    won = Opportunity.objects.get(external_id="201")
    assert (won.status, won.account.name, str(won.amount)) == ("won", "Acme", "1200.50")
    initech = Opportunity.objects.get(external_id="204")
    assert (initech.type, initech.owner) == ("expansion", "Ana Ruiz")  # the owner's name, not id
    assert SyncWaiting.objects.get().external_id == "202"
    # Three pages of two companies (page size 2) would be two; accounts are read before deals.
    paths = [path for _, path, _ in hubspot.requests]
    assert paths.index("/crm/v3/objects/deals/search") > max(
        i for i, p in enumerate(paths) if p == "/crm/v3/objects/companies/search"
    )
    assert MetricRun.objects.filter(trigger=MetricRun.Trigger.SYNC).count() == 1


def test_second_sync_reads_only_the_changes_and_propagates_deletions(hubspot, hubspot_connection):
    seed(hubspot)
    services.sync_now(connection=hubspot_connection)
    searches_before = len(hubspot.searches("deals"))
    hubspot.put("companies", "104", name="Umbrella", createdate="2026-03-01T00:00:00.000Z")
    hubspot.put("deals", "204", amount="950")
    hubspot.archive("companies", "102")
    hubspot.archive("deals", "201")

    run = services.sync_now(connection=hubspot_connection)

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    accounts, deals = run.stats["accounts"], run.stats["opportunities"]
    assert (accounts["read"], accounts["created"], accounts["deleted"]) == (2, 1, 1)
    # The changed deal only (the deletion is one more read), and the held deal now resolved.
    assert (deals["read"], deals["updated"], deals["created"], deals["deleted"]) == (2, 1, 1, 1)
    assert deals["waiting"] == 0 and not SyncWaiting.objects.exists()
    first_new_search = hubspot.searches("deals")[searches_before]
    assert first_new_search["filterGroups"][0]["filters"][0]["operator"] == "GTE"
    assert not Account.objects.filter(external_id="102").exists()
    assert not Opportunity.objects.filter(external_id="201").exists()
    assert Opportunity.objects.get(external_id="202").account.name == "Umbrella"
    assert str(Opportunity.objects.get(external_id="204").amount) == "950.00"


def test_a_sync_with_nothing_changed_writes_nothing_and_asks_no_recomputation(
    hubspot, hubspot_connection
):
    seed(hubspot)
    services.sync_now(connection=hubspot_connection)
    MetricRun.objects.all().delete()
    run = services.sync_now(connection=hubspot_connection)
    assert run.changed == 0
    assert run.stats["opportunities"]["read"] == 0
    assert not MetricRun.objects.exists()


def test_a_429_is_retried_after_the_time_hubspot_asks(hubspot, hubspot_connection):
    seed(hubspot)
    hubspot.fail_next(RATE_LIMITED)
    started = time.monotonic()
    run = services.sync_now(connection=hubspot_connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert time.monotonic() - started >= 1
    assert Account.objects.count() == 3


def test_a_500_is_retried(hubspot, hubspot_connection):
    seed(hubspot)
    hubspot.fail_next(SERVER_ERROR, SERVER_ERROR)  # two retries allowed (conftest)
    run = services.sync_now(connection=hubspot_connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message


def test_an_interrupted_sync_resumes_from_its_cursor_without_reading_a_record_twice(
    hubspot, hubspot_connection
):
    for number in range(10):
        hubspot.put("companies", str(300 + number), name=f"Company {number}")
    # The third page keeps failing (every retry too): the sync stops half-way.
    hubspot_connection.kinds = ["accounts"]
    hubspot_connection.save()
    original = hubspot.answer

    def fail_third_page(method, path, query, body, auth):
        if path.endswith("/search") and body.get("after") == "4":
            return 500, {}, {"status": "error", "message": "internal error"}
        return original(method, path, query, body, auth)

    hubspot.answer = fail_third_page
    first = services.sync_now(connection=hubspot_connection)
    assert first.status == SyncRun.Status.FAILED
    assert "HTTP 500" in first.message
    assert first.stats["accounts"]["created"] == 4 == Account.objects.count()
    cursor = SyncCursor.objects.get(connection=hubspot_connection, kind="accounts")
    assert cursor.modified_since is not None

    hubspot.answer = original
    second = services.sync_now(connection=hubspot_connection)
    assert second.status == SyncRun.Status.SUCCEEDED, second.message
    assert second.stats["accounts"]["read"] == 6  # the rest, none of the four again
    assert second.stats["accounts"]["created"] == 6
    assert Account.objects.count() == 10


def test_an_expired_token_fails_with_a_clear_status_and_never_shows_the_token(
    hubspot, hubspot_connection
):
    hubspot.token = "pat-na1-a-new-one"
    run = services.sync_now(connection=hubspot_connection)
    assert run.status == SyncRun.Status.FAILED
    assert "refused the connection's credentials" in run.message
    assert "pat-na1" not in run.message
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.state == CrmConnection.State.FAILING


def test_a_sync_that_keeps_failing_stops_and_tells_the_owner_once(
    hubspot, hubspot_connection, settings, django_capture_on_commit_callbacks
):
    settings.CRM_SYNC_MAX_FAILURES = 2
    hubspot.token = "pat-na1-revoked"
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.sync_now(connection=hubspot_connection)
        hubspot_connection.refresh_from_db()
    assert hubspot_connection.state == CrmConnection.State.STOPPED
    # Through the notification layer: the owner's channels, one notification for the stop.
    [message] = mail.outbox
    assert message.to == ["crm-owner@example.com"]
    assert "hubspot production" in message.subject
    assert "refused the connection's credentials" in message.body
    assert f"/metrics/connections/{hubspot_connection.pk}/" in message.body
    # A stopped connection is off the schedule until someone syncs it by hand.
    assert services.queue_due_syncs() == []


def test_the_schedule_queues_a_connection_once_its_interval_has_passed(hubspot, hubspot_connection):
    from datetime import timedelta

    from django.utils import timezone

    [run_id] = services.queue_due_syncs()
    again = services.queue_sync(connection=hubspot_connection, trigger=SyncRun.Trigger.MANUAL)
    assert again.pk == run_id  # one sync per connection at a time
    SyncRun.objects.filter(pk=run_id).update(status="succeeded")
    assert services.queue_due_syncs() == []  # not due yet: hourly
    later = timezone.now() + timedelta(minutes=61)
    assert len(services.queue_due_syncs(now=later)) == 1


def test_a_backfill_longer_than_the_search_window_searches_again_from_the_last_date(
    hubspot, hubspot_connection, monkeypatch
):
    from metrics.sync.clients import hubspot as hubspot_client

    monkeypatch.setattr(hubspot_client, "HUBSPOT_SEARCH_WINDOW", 6)  # HubSpot's is 10,000 results
    for number in range(11):
        hubspot.put("companies", str(400 + number), name=f"Company {number}")
    hubspot_connection.kinds = ["accounts"]
    hubspot_connection.save()
    run = services.sync_now(connection=hubspot_connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    searches = hubspot.searches("companies")
    restarts = [body for body in searches[1:] if "after" not in body]
    assert restarts and restarts[0]["filterGroups"]  # a new search from the last page's date
    assert max(int(body.get("after", 0)) for body in searches) <= 4
    assert (run.stats["accounts"]["read"], Account.objects.count()) == (11, 11)  # none twice


def test_a_sync_is_recorded_for_freshness_and_queues_a_data_quality_check(
    hubspot, hubspot_connection
):
    from metrics.freshness import freshness
    from metrics.models import QualityCheck, RecordImport

    seed(hubspot)
    services.sync_now(connection=hubspot_connection)

    synced = {entry.kind: entry for entry in RecordImport.objects.filter(via="sync")}
    assert synced["accounts"].rows_written == 3
    assert not freshness().kinds["accounts"].stale
    assert QualityCheck.objects.filter(trigger="sync").count() == 1
    # A sync that changes nothing still says the data is fresh, and checks nothing new.
    QualityCheck.objects.all().delete()
    services.sync_now(connection=hubspot_connection)
    assert RecordImport.objects.filter(via="sync", kind="accounts").count() == 2
    assert not QualityCheck.objects.exists()
