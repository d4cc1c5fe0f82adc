"""manage.py sync_crm [CONNECTION] [--kind K] [--full] [--dry-run], against the loopback HubSpot."""

import io

import pytest
from django.core.management import CommandError, call_command

from metrics.models import Account, Opportunity
from metrics.sync.models import SyncCursor, SyncRun

from .test_hubspot_sync import seed

pytestmark = pytest.mark.django_db


def sync_crm(*args) -> str:
    out = io.StringIO()
    call_command("sync_crm", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(hubspot, hubspot_connection):
    seed(hubspot)
    output = sync_crm("hubspot production", "--dry-run")
    assert "Dry run, nothing was written" in output
    assert "accounts: 3 read, 3 created" in output
    assert "opportunities rejected: amount “a lot”" in output
    assert not Account.objects.exists() and not SyncRun.objects.exists()
    assert not SyncCursor.objects.exists()


def test_one_kind_by_id_then_full_reads_everything_again(hubspot, hubspot_connection):
    seed(hubspot)
    output = sync_crm(str(hubspot_connection.pk), "--kind", "accounts")
    assert "accounts: 3 read, 3 created" in output
    assert "opportunities" not in output and not Opportunity.objects.exists()
    assert "accounts: 0 read" in sync_crm(str(hubspot_connection.pk), "--kind", "accounts")
    again = sync_crm(str(hubspot_connection.pk), "--kind", "accounts", "--full")
    assert "accounts: 3 read, 0 created, 3 updated" in again


def test_an_unknown_connection_and_a_failing_sync_exit_non_zero(hubspot, hubspot_connection):
    with pytest.raises(CommandError, match="No CRM connection “nope”"):
        sync_crm("nope")
    hubspot.token = "revoked"
    with pytest.raises(CommandError, match="A sync failed"):
        sync_crm()


def test_a_kind_the_connection_does_not_sync_is_an_error(hubspot, hubspot_connection):
    with pytest.raises(CommandError):
        sync_crm(str(hubspot_connection.pk), "--kind", "subscriptions")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("sync_crm", "--kind", "subscriptions", stdout=out, stderr=out)
    assert "hubspot production: does not sync subscriptions." in out.getvalue()
    assert not SyncRun.objects.exists()
