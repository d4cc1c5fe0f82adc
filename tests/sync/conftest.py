"""Fixtures for the CRM sync tests: a Fernet key, fast retries, a loopback HubSpot, connections."""

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import User

from metrics.sync import connections
from metrics.sync.models import CrmConnection

from .fake_hubspot import TOKEN, FakeHubSpot

KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _sync_settings(settings):
    settings.CRM_SECRETS_KEY = KEY
    settings.CRM_SYNC_BACKOFF_SECONDS = 0
    settings.CRM_SYNC_MIN_REQUEST_INTERVAL = 0
    settings.CRM_SYNC_RETRIES = 2
    settings.CRM_SYNC_PAGE_SIZE = 2  # small pages, so a few records make several


@pytest.fixture
def hubspot(settings):
    fake = FakeHubSpot().start()
    settings.CRM_HUBSPOT_API_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def owner(db):
    return User.objects.create_user("crm-owner", "crm-owner@example.com", "x" * 16, is_staff=True)


def make_connection(crm="hubspot", owner=None, secrets=None, **fields) -> CrmConnection:
    auth = {"hubspot": "hubspot_token", "salesforce": "sf_client_credentials"}[crm]
    defaults = {
        "name": f"{crm} production",
        "crm": crm,
        "auth": auth,
        "kinds": ["accounts", "opportunities"],
        "owner": owner,
    }
    if crm == "salesforce":
        defaults |= {"domain": "acme.my", "client_id": "3MVG9consumer-key"}
    connection = CrmConnection(**(defaults | fields))
    given = (
        secrets
        if secrets is not None
        else (
            {"access_token": TOKEN}
            if crm == "hubspot"
            else {"client_secret": "sf-client-secret-0042"}
        )
    )
    return connections.save_connection(connection=connection, new_secrets=given)


@pytest.fixture
def hubspot_connection(db, hubspot, owner):
    return make_connection("hubspot", owner=owner)
