"""/metrics/connections/: managers add and edit connections; secrets are stored encrypted (read
the raw column), never shown again, never in logs, pages or error reports; Test connection and
Sync now; the sync log with rejected records; bounded queries."""

import logging

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection as db
from django.test import Client
from django.urls import reverse

from metrics.sync import connections, services
from metrics.sync.checks import secrets_key_present
from metrics.sync.models import CrmConnection, SyncRun
from tests.portal.query_budgets import assert_within_budget, page_queries

from .conftest import KEY, make_connection
from .fake_hubspot import TOKEN
from .test_hubspot_sync import seed

pytestmark = pytest.mark.django_db
CONNECTION_PAGES = ("/metrics/connections/", "/metrics/connections/<id>/")


def manager(username="manager") -> User:
    user = User.objects.create_user(username, f"{username}@example.com", "x" * 16, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raw_secret_column(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT secrets_encrypted FROM metrics_crmconnection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


NEW_HUBSPOT = {
    "name": "HubSpot production",
    "crm": "hubspot",
    "auth": "hubspot_token",
    "kinds": ["accounts", "opportunities"],
    "schedule_minutes": "60",
    "enabled": "on",
    "access_token": TOKEN,
    "mapping_opportunities": "source=lead_source_detail",
    "status_map_text": "Demo booked=open",
}


def test_a_manager_adds_a_connection_whose_secret_is_encrypted_and_never_shown_again(caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(manager())
    response = client.post(reverse("metrics:connection_new"), NEW_HUBSPOT)
    connection = CrmConnection.objects.get()
    assert response.status_code == 302
    assert connection.owner.username == "manager"
    assert connection.mapping == {"opportunities": {"source": "lead_source_detail"}}
    assert connection.status_map == {"demo booked": "open"}
    raw = raw_secret_column(connection.pk)
    assert raw and TOKEN not in raw and raw.startswith("gAAAA")  # a Fernet token
    assert connections.connection_secrets(connection) == {"access_token": TOKEN}
    for url in (
        reverse("metrics:connection_detail", args=[connection.pk]),
        reverse("metrics:connection_edit", args=[connection.pk]),
        reverse("metrics:connection_list"),
    ):
        page = client.get(url).content.decode()
        assert TOKEN not in page and raw not in page
    assert TOKEN not in caplog.text


def test_editing_without_entering_the_secret_keeps_the_stored_one():
    user = manager()
    connection = make_connection("hubspot", owner=user)
    form = {**NEW_HUBSPOT, "name": "Renamed", "access_token": ""}
    response = client_for(user).post(reverse("metrics:connection_edit", args=[connection.pk]), form)
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.name == "Renamed"
    assert connections.connection_secrets(connection) == {"access_token": TOKEN}


def test_a_form_sent_back_with_errors_does_not_echo_the_secrets():
    user = manager()
    form = {
        **NEW_HUBSPOT,
        "crm": "salesforce",
        "auth": "sf_jwt",
        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END",
        "client_id": "",
    }
    response = client_for(user).post(reverse("metrics:connection_new"), form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in page and TOKEN not in page
    assert "consumer key is required" in page
    assert not CrmConnection.objects.exists()


def test_a_bad_mapping_is_refused_with_the_importers_words():
    form = {**NEW_HUBSPOT, "mapping_opportunities": "colour=hs_colour"}
    response = client_for(manager()).post(reverse("metrics:connection_new"), form)
    assert response.status_code == 400
    assert "Unknown field(s) in the mapping for opportunities: colour" in response.content.decode()


def test_without_the_key_saving_says_what_to_set_and_the_start_up_check_fails(settings):
    settings.CRM_SECRETS_KEY = ""
    assert secrets_key_present() == []  # no connection yet: no key needed
    response = client_for(manager()).post(reverse("metrics:connection_new"), NEW_HUBSPOT)
    assert response.status_code == 400
    assert "CRM_SECRETS_KEY is not set" in response.content.decode()
    assert not CrmConnection.objects.exists()
    settings.CRM_SECRETS_KEY = KEY
    make_connection("hubspot")
    settings.CRM_SECRETS_KEY = ""
    [error] = secrets_key_present()
    assert "CRM_SECRETS_KEY is not set" in error.msg


def test_test_connection_reports_what_it_can_read(hubspot):
    user = manager()
    connection = make_connection("hubspot", owner=user)
    seed(hubspot)
    response = client_for(user).post(
        reverse("metrics:connection_test", args=[connection.pk]), follow=True
    )
    page = response.content.decode()
    assert "accounts: can read 3 companies" in page
    assert "opportunities: can read 4 deals" in page


def test_test_connection_with_a_refused_token_says_so_without_the_token(hubspot, caplog):
    caplog.set_level(logging.DEBUG)
    user = manager()
    connection = make_connection("hubspot", owner=user)
    hubspot.token = "another"
    response = client_for(user).post(
        reverse("metrics:connection_test", args=[connection.pk]), follow=True
    )
    page = response.content.decode()
    assert "refused the connection&#x27;s credentials" in page
    assert TOKEN not in page and TOKEN not in caplog.text


def test_sync_now_runs_the_sync_and_the_log_shows_counts_and_rejected_records(
    hubspot, django_capture_on_commit_callbacks
):
    user = manager()
    connection = make_connection("hubspot", owner=user)
    seed(hubspot)
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("metrics:connection_sync", args=[connection.pk]))
    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.requested_by == user
    page = client.get(reverse("metrics:connection_detail", args=[connection.pk])).content.decode()
    assert "a lot" in page and "CRM record 203" in page  # the rejected deal and why
    assert "1 record waits for an account" in page
    assert TOKEN not in page


def test_another_manager_sees_the_connection_but_cannot_edit_or_sync_it():
    connection = make_connection("hubspot", owner=manager())
    other = client_for(manager("other"))
    assert other.get(reverse("metrics:connection_detail", args=[connection.pk])).status_code == 200
    assert other.get(reverse("metrics:connection_edit", args=[connection.pk])).status_code == 403
    response = other.post(reverse("metrics:connection_sync", args=[connection.pk]))
    assert response.status_code == 403
    assert not SyncRun.objects.exists()


def _runs(connection, count: int) -> None:
    SyncRun.objects.bulk_create(
        SyncRun(
            connection=connection,
            trigger="schedule",
            status="succeeded",
            stats={"accounts": dict.fromkeys(services.COUNTS, 1)},
            errors={
                "accounts": [{"line": 1, "column": "name", "value": "", "reason": "is required"}]
            },
        )
        for _ in range(count)
    )


@pytest.mark.parametrize("runs", [1, 40])
def test_the_connection_pages_cost_the_same_queries_for_few_or_many_runs(runs):
    user = manager()
    connections = [make_connection("hubspot", owner=user, name=f"CRM {n}") for n in range(3)]
    for connection in connections:
        _runs(connection, runs)
    client = client_for(user)
    assert_within_budget("/metrics/connections/", page_queries(client, "/metrics/connections/"))
    detail = f"/metrics/connections/{connections[0].pk}/"
    assert_within_budget("/metrics/connections/<id>/", page_queries(client, detail))


def test_a_kind_whose_required_field_has_no_default_property_must_be_mapped():
    form = {**NEW_HUBSPOT, "kinds": ["accounts", "subscriptions"]}
    response = client_for(manager()).post(reverse("metrics:connection_new"), form)
    assert response.status_code == 400
    assert (
        "Missing required column(s) for subscriptions: mrr, start_date."
        in response.content.decode()
    )
    form["mapping_subscriptions"] = "mrr=hs_mrr\nstart_date=hs_recurring_billing_start_date"
    assert (
        client_for(manager("m2")).post(reverse("metrics:connection_new"), form).status_code == 302
    )


def test_an_error_report_of_the_connection_form_hides_the_secrets():
    from django.test import RequestFactory
    from django.views.debug import SafeExceptionReporterFilter

    from metrics.sync.views import connection_new

    request = RequestFactory().post(reverse("metrics:connection_new"), NEW_HUBSPOT)
    request.user = manager()
    request._dont_enforce_csrf_checks = True
    connection_new(request)
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    assert shown["access_token"] != TOKEN and "*" in shown["access_token"]
    assert shown["name"] == "HubSpot production"


def test_the_page_of_a_connection_being_synced_refreshes_itself_until_the_sync_ends():
    user = manager()
    connection = make_connection("hubspot", owner=user)
    run = SyncRun.objects.create(connection=connection, trigger="manual", status="running")
    url = reverse("metrics:connection_detail", args=[connection.pk])
    page = client_for(user).get(url).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in page and "A sync is running" in page
    SyncRun.objects.filter(pk=run.pk).update(status="succeeded")
    assert "http-equiv" not in client_for(user).get(url).content.decode()
