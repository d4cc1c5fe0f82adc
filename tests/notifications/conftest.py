import pytest

from revops_portal.notifications.models import NotificationSettings
from tests.playbook.factories import UserFactory

from .receiver import WebhookReceiver


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="Ng")


@pytest.fixture
def alice_on_slack(alice, receiver):
    NotificationSettings.objects.create(user=alice, webhook_url=receiver.url)
    return alice
