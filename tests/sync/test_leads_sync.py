"""Leads sync after accounts: HubSpot contacts (searched on `lastmodifieddate`) and Salesforce
Leads, through the importer's leads rules (its presets' lifecycle stages and statuses)."""

import pytest
import responses

from metrics.models import Lead
from metrics.sync import services
from metrics.sync.models import SyncRun

from .conftest import make_connection
from .salesforce_replay import SalesforceOrg
from .salesforce_replay import seed as seed_salesforce

pytestmark = pytest.mark.django_db


def test_hubspot_contacts_sync_as_leads_after_their_companies(hubspot, owner):
    hubspot.put("companies", "101", name="Acme", createdate="2026-01-05T10:00:00.000Z")
    hubspot.put(
        "contacts",
        "501",
        company="101",
        createdate="2026-02-01T10:00:00.000Z",
        lifecyclestage="marketingqualifiedlead",
        hs_analytics_source="ORGANIC_SEARCH",
        hubspot_owner_id="48213901",
    )
    hubspot.put("contacts", "502", createdate="2026-02-03T10:00:00.000Z", lifecyclestage="lead")
    connection = make_connection("hubspot", owner=owner, kinds=["accounts", "leads"])
    run = services.sync_now(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.stats["leads"]["created"] == 2
    lead = Lead.objects.get(external_id="501")
    assert (lead.owner, lead.source, lead.account.name) == ("Ana Ruiz", "ORGANIC_SEARCH", "Acme")
    [search] = hubspot.searches("contacts")
    assert search["sorts"][0]["propertyName"] == "lastmodifieddate"

    hubspot.put(
        "contacts",
        "502",
        lifecyclestage="customer",
        hs_lifecyclestage_customer_date="2026-03-01T00:00:00.000Z",
    )
    again = services.sync_now(connection=connection)
    assert (again.stats["leads"]["read"], again.stats["leads"]["updated"]) == (1, 1)
    assert str(Lead.objects.get(external_id="502").converted_date) == "2026-03-01"


def test_salesforce_leads_sync_with_their_converted_accounts(owner):
    org = SalesforceOrg()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        org.replay(mock)
        seed_salesforce(org)
        org.put(
            "Lead",
            "00Q5g00000C1CCCCC1",
            CreatedDate="2026-02-01T10:00:00.000+0000",
            LeadSource="Web",
            Status="Closed - Converted",
            ConvertedDate="2026-03-02",
            ConvertedAccountId="0015g00000A1AAAAA1",
            **{"Owner.Name": "Ana Ruiz"},
        )
        org.put(
            "Lead",
            "00Q5g00000C1CCCCC2",
            CreatedDate="2026-02-05T10:00:00.000+0000",
            Status="Open - Not Contacted",
        )
        connection = make_connection("salesforce", owner=owner, kinds=["accounts", "leads"])
        run = services.sync_now(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.stats["leads"]["created"] == 2
    converted = Lead.objects.get(external_id="00Q5g00000C1CCCCC1")
    assert (converted.owner, converted.account.name) == ("Ana Ruiz", "Edge Communications")
    assert str(converted.converted_date) == "2026-03-02"
