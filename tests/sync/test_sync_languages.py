"""A sync's words are written for the connection's owner, in their language (issue 15): the
run's message and the notice of a stopped connection; rejected rows stay untranslated until
read."""

import pytest
from django.core import mail

from metrics.sync import services
from metrics.sync.models import CrmConnection
from revops_portal.profiles.models import Profile
from tests.i18n.own_catalogue import compiled_catalogue
from tests.sync.conftest import make_connection

pytestmark = pytest.mark.django_db

REFUSED = (
    "%(crm)s refused the connection's credentials while %(what)s (expired, revoked or wrong): "
    "edit the connection and enter them again."
)
RUSSIAN = {
    "CRM sync stopped: %(name)s": "Синхронизация CRM остановлена: %(name)s",
    REFUSED: "%(crm)s отклонила учётные данные (%(what)s)",
    "reading %(object)s": "чтение %(object)s",
}


def test_a_stopped_connection_tells_its_owner_in_the_owners_language(
    hubspot, hubspot_connection, owner, settings, tmp_path, django_capture_on_commit_callbacks
):
    compiled_catalogue(settings, tmp_path, {"ru": RUSSIAN})
    Profile.objects.create(user=owner, language="ru")
    settings.CRM_SYNC_MAX_FAILURES = 1
    hubspot.token = "pat-na1-revoked"

    with django_capture_on_commit_callbacks(execute=True):
        run = services.sync_now(connection=hubspot_connection)

    hubspot_connection.refresh_from_db()
    assert hubspot_connection.state == CrmConnection.State.STOPPED
    assert run.message.startswith("HubSpot отклонила учётные данные (чтение companies)")
    [message] = mail.outbox
    assert message.subject == "Синхронизация CRM остановлена: hubspot production"
    assert "HubSpot отклонила учётные данные (чтение companies)" in message.body


def test_an_owner_without_a_language_gets_the_sites(
    hubspot, hubspot_connection, settings, tmp_path
):
    compiled_catalogue(settings, tmp_path, {"ru": RUSSIAN})
    hubspot.token = "pat-na1-revoked"

    run = services.sync_now(connection=hubspot_connection)

    assert run.message.startswith("HubSpot refused the connection's credentials while reading")


def test_a_connection_without_an_owner_is_written_in_the_sites_language(
    hubspot, settings, tmp_path
):
    compiled_catalogue(settings, tmp_path, {"ru": RUSSIAN})
    settings.LANGUAGE_CODE = "ru"
    hubspot.token = "pat-na1-revoked"

    run = services.sync_now(connection=make_connection("hubspot", owner=None))

    assert run.message.startswith("HubSpot отклонила учётные данные (чтение companies)")
