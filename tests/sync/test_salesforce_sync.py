"""Salesforce syncs: simple-salesforce (its own OAuth client-credentials login) against recorded
Salesforce answers replayed with `responses`: keyset pages over queryAll, deletions (IsDeleted),
a 429 with Retry-After, a 500, an expired session; and the figures after a sync equal those
after importing the same records from CSV."""

import csv
import io
import logging
from datetime import date

import pytest
import responses

from metrics.calculations import compute_all
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.models import Account, Opportunity, Subscription
from metrics.periods import Period
from metrics.sync import connections, services
from metrics.sync.models import SyncRun

from .conftest import make_connection
from .salesforce_replay import (
    EXPIRED,
    LIMIT_EXCEEDED,
    SERVER_ERROR,
    TOKEN_ANSWER,
    SalesforceOrg,
    seed,
)

pytestmark = pytest.mark.django_db
SECRET = "sf-client-secret-0042"


@pytest.fixture
def org():
    org = SalesforceOrg()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        org.replay(mock)
        yield org


@pytest.fixture
def connection(db, owner):
    return make_connection("salesforce", owner=owner)


def test_a_first_sync_pages_through_accounts_then_opportunities(org, connection, caplog):
    caplog.set_level(logging.DEBUG)
    seed(org)
    run = services.sync_now(connection=connection)

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert org.logins == 1
    assert run.stats["accounts"]["created"] == run.stats["accounts"]["total"] == 3
    deals = run.stats["opportunities"]
    assert (deals["read"], deals["created"], deals["rejected"]) == (4, 3, 1)
    [rejected] = run.errors["opportunities"]
    assert rejected["column"] == "IsWon" and "not closed" in rejected["reason"]
    won = Opportunity.objects.get(external_id="0065g00000B1BBBBB1")
    assert (won.status, won.owner, won.account.name) == ("won", "Ana Ruiz", "Edge Communications")
    assert Opportunity.objects.get(external_id="0065g00000B1BBBBB2").type == "expansion"
    assert Opportunity.objects.get(external_id="0065g00000B1BBBBB3").status == "open"
    # Page size 2: two account pages (and a third finding nothing new is not needed).
    account_queries = [q for q in org.queries if "FROM Account" in q and "COUNT()" not in q]
    assert len(account_queries) == 2
    assert "WHERE" not in account_queries[0] and "Id > '0015g00000A1AAAAA2'" in account_queries[1]
    assert SECRET not in caplog.text and TOKEN_ANSWER["access_token"] not in caplog.text


def test_a_second_sync_reads_only_changes_and_deletes_what_salesforce_deleted(org, connection):
    seed(org)
    services.sync_now(connection=connection)
    org.put("Opportunity", "0065g00000B1BBBBB3", StageName="Closed Won", IsClosed=True, IsWon=True)
    org.delete("Opportunity", "0065g00000B1BBBBB2")
    org.delete("Account", "0015g00000A1AAAAA2")

    run = services.sync_now(connection=connection)

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert (run.stats["accounts"]["read"], run.stats["accounts"]["deleted"]) == (1, 1)
    deals = run.stats["opportunities"]
    assert (deals["read"], deals["updated"], deals["deleted"]) == (2, 1, 1)
    assert Opportunity.objects.get(external_id="0065g00000B1BBBBB3").status == "won"
    assert not Opportunity.objects.filter(external_id="0065g00000B1BBBBB2").exists()
    assert not Account.objects.filter(external_id="0015g00000A1AAAAA2").exists()


def test_a_429_is_retried(org, connection):
    # `responses` replays urllib3's retries without their sleep: the Retry-After wait itself is
    # shown against the loopback HubSpot (test_hubspot_sync.py), through the same Retry policy.
    seed(org)
    org.faults.append((429, {"Retry-After": "1"}, LIMIT_EXCEEDED))
    run = services.sync_now(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert org.queries[0] == org.queries[1]  # the refused page asked again
    assert Account.objects.count() == 3


def test_a_500_that_persists_fails_the_sync_with_a_clear_status(org, connection):
    seed(org)
    org.faults.extend([(500, {}, SERVER_ERROR)] * 3)  # the try and both retries
    run = services.sync_now(connection=connection)
    assert run.status == SyncRun.Status.FAILED
    assert run.message.startswith("Salesforce failed while counting Account: HTTP 500")
    assert SECRET not in run.message


def test_an_expired_session_logs_in_again_and_goes_on(org, connection):
    seed(org)
    org.faults.append((401, {}, EXPIRED))
    run = services.sync_now(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert org.logins == 2
    assert Account.objects.count() == 3


def test_a_dry_run_reads_and_validates_but_writes_nothing(org, connection):
    seed(org)
    run = services.sync_now(connection=connection, dry_run=True)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.message.startswith("Dry run, nothing was written")
    assert run.stats["opportunities"]["created"] == 3
    assert not Account.objects.exists() and not SyncRun.objects.exists()
    assert not connection.cursors.exists()


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" if row.get(name) is None else row.get(name) for name in columns})
    return out.getvalue().encode()


def _figures() -> dict:
    quarter = Period(date(2026, 4, 1), date(2026, 7, 1), "quarter")
    return {
        key: (figure.value, figure.numerator, figure.denominator)
        for key, figure in compute_all(quarter).items()
    }


def test_the_figures_after_a_sync_equal_those_after_importing_the_same_records_from_csv(
    org, connection
):
    seed(org)
    services.sync_now(connection=connection)
    synced = _figures()
    synced_records = sorted(
        Opportunity.objects.values_list(
            "external_id", "status", "amount", "close_date", "type", "account__external_id"
        )
    )

    Opportunity.objects.all().delete()
    Account.objects.all().delete()
    accounts = list(org.records["Account"].values())
    deals = [
        dict(r, **{"Opportunity Owner": r["Owner.Name"]})
        for r in org.records["Opportunity"].values()
    ]
    account_columns = ["Id", "Name", "Industry", "CreatedDate"]
    deal_columns = [
        "Id",
        "AccountId",
        "Name",
        "Amount",
        "StageName",
        "IsClosed",
        "IsWon",
        "CreatedDate",
        "CloseDate",
        "LeadSource",
        "Type",
        "Opportunity Owner",
    ]
    import_records(
        data=_csv(accounts, account_columns), options=ImportOptions("accounts", preset="salesforce")
    )
    import_records(
        data=_csv(deals, deal_columns),
        options=ImportOptions("opportunities", preset="salesforce", skip_invalid=True),
    )

    assert (
        sorted(
            Opportunity.objects.values_list(
                "external_id", "status", "amount", "close_date", "type", "account__external_id"
            )
        )
        == synced_records
    )
    assert _figures() == synced
    assert any(value[0] for value in synced.values())  # figures, not all empty


def test_subscriptions_sync_from_salesforce_cpq_with_mrr_mapped(org, owner):
    seed(org)
    org.put(
        "SBQQ__Subscription__c",
        "a1B5g000000AbCdEAK",
        SBQQ__Account__c="0015g00000A1AAAAA1",
        SBQQ__ProductName__c="Platform Pro",
        SBQQ__StartDate__c="2026-04-01",
        SBQQ__EndDate__c=None,
        MRR__c=1250.0,
    )
    connection = make_connection(
        "salesforce",
        owner=owner,
        kinds=["accounts", "subscriptions"],
        mapping={"subscriptions": {"mrr": "MRR__c"}},
    )
    run = services.sync_now(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    subscription = Subscription.objects.get()
    assert (subscription.plan, str(subscription.mrr), subscription.account.name) == (
        "Platform Pro",
        "1250.00",
        "Edge Communications",
    )
    assert any("FROM SBQQ__Subscription__c" in q and "MRR__c" in q for q in org.queries)


def test_the_jwt_bearer_flow_signs_in_with_the_stored_private_key(org, owner, caplog):
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    caplog.set_level(logging.DEBUG)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    seed(org)
    connection = make_connection(
        "salesforce",
        owner=owner,
        auth="sf_jwt",
        username="integration@acme.example",
        kinds=["accounts"],
        secrets={"private_key": pem},
    )
    sent = []
    org.on_token = sent.append
    run = services.sync_now(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    [form] = sent
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(
        form["assertion"][0],
        key.public_key(),
        algorithms=["RS256"],
        audience="https://acme.my.salesforce.com",
    )
    assert (claims["iss"], claims["sub"]) == ("3MVG9consumer-key", "integration@acme.example")
    assert Account.objects.count() == 3
    body_line = pem.splitlines()[1]
    assert body_line not in caplog.text and body_line not in run.message


def test_refused_client_credentials_fail_with_a_clear_status_and_no_secret(org, connection):
    org.refuse_login = True
    run = services.sync_now(connection=connection)
    assert run.status == SyncRun.Status.FAILED
    assert run.message.startswith("Salesforce refused the connection's credentials")
    assert SECRET not in run.message
    lines = connections.test_connection(connection=connection)
    assert len(lines) == 1 and not lines[0].ok and "refused" in lines[0].text
