"""Notifications are written in each recipient's language (their profile's choice, else the
site's default), whatever language the request or task that caused them runs in.

The tests compile their own small catalogue (tests/i18n/own_catalogue.py), so they show the code
asks for the recipient's language whether or not the project's catalogues are built yet."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revops_portal.notifications import kinds, services
from revops_portal.notifications.models import Notification, NotificationSettings, WebhookFormat
from revops_portal.profiles.models import Profile
from tests.i18n.own_catalogue import compiled_catalogue
from tests.playbook.factories import UserFactory

RUSSIAN = {
    "Open in the portal": "Открыть в портале",
    "Choose what the portal tells you, and how: %(address)s": "Выберите, о чём сообщать: "
    "%(address)s",
    ("RevOps Portal: %(count)s update", "RevOps Portal: %(count)s updates"): [
        "RevOps Portal: %(count)s обновление",
        "RevOps Portal: %(count)s обновления",
        "RevOps Portal: %(count)s обновлений",
        "RevOps Portal: %(count)s обновления",
    ],
    "Section ownership changes": "Смена владельцев разделов",
}
PERSIAN = {("chat button", "Open"): "باز کردن", "Section ownership changes": "تغییر مالکیت بخش‌ها"}


@pytest.fixture
def catalogue(settings, tmp_path):
    compiled_catalogue(settings, tmp_path, {"ru": RUSSIAN, "fa": PERSIAN})


def speaking(language, **fields):
    user = UserFactory(**fields)
    if language:
        Profile.objects.create(user=user, language=language)
    return user


@pytest.mark.django_db
def test_a_translated_subject_is_written_in_each_recipients_language(catalogue):
    ivan, parisa, sam = speaking("ru"), speaking("fa"), speaking("")
    with translation.override("pl"):  # the language of the page that caused it does not count
        recorded = services.notify(
            recipients=[ivan, parisa, sam],
            kind=kinds.OWNERSHIP,
            key="ownership:1",
            subject=lambda: f"{translation.get_language()}: {_('Section ownership changes')}",
            body=gettext_lazy("Section ownership changes"),
        )
    written = {n.recipient: (n.subject, n.body) for n in recorded}
    assert written == {
        ivan: ("ru: Смена владельцев разделов", "Смена владельцев разделов"),
        parisa: ("fa: تغییر مالکیت بخش‌ها", "تغییر مالکیت بخش‌ها"),
        sam: ("en: Section ownership changes", "Section ownership changes"),
    }


@pytest.mark.django_db
def test_plain_text_is_sent_as_it_is_and_reads_no_profile(catalogue):
    ivan, parisa = speaking("ru"), speaking("fa")
    with CaptureQueriesContext(connection) as plain:
        [notification] = services.notify(
            recipients=[ivan], kind=kinds.FLAG, key="flag:1", subject="Pricing was flagged"
        )
    assert notification.subject == "Pricing was flagged"
    assert not any("profiles_profile" in q["sql"] for q in plain.captured_queries)
    with CaptureQueriesContext(connection) as translated:
        services.notify(
            recipients=[ivan, parisa],
            kind=kinds.FLAG,
            key="flag:2",
            subject=gettext_lazy("Section ownership changes"),
        )
    # One query for everyone's language, however many recipients.
    assert sum("profiles_profile" in q["sql"] for q in translated.captured_queries) == 1


@pytest.mark.django_db
def test_the_instant_e_mail_and_chat_message_speak_the_recipients_language(
    catalogue, receiver, django_capture_on_commit_callbacks
):
    ivan = speaking("ru", username="ivan")
    NotificationSettings.objects.create(user=ivan, webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[ivan], kind=kinds.FLAG, key="flag:1", subject="Цены", url="/playbook/"
        )
    [message] = mail.outbox
    assert "Выберите, о чём сообщать: http://127.0.0.1:8000/notifications/" in message.body
    [posted] = receiver.received
    assert posted["text"].endswith("<http://127.0.0.1:8000/playbook/|Открыть в портале>")


@pytest.mark.django_db
def test_a_teams_card_button_is_in_persian_for_a_persian_reader(
    catalogue, receiver, django_capture_on_commit_callbacks
):
    parisa = speaking("fa")
    NotificationSettings.objects.create(
        user=parisa, webhook_url=receiver.url, webhook_format=WebhookFormat.TEAMS
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[parisa], kind=kinds.FLAG, key="flag:1", subject="قیمت‌ها", url="/playbook/"
        )
    [card] = receiver.received
    assert card["potentialAction"][0]["name"] == "باز کردن"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("count", "subject"),
    [
        (1, "RevOps Portal: 1 обновление"),
        (3, "RevOps Portal: 3 обновления"),
        (5, "RevOps Portal: 5 обновлений"),
    ],
)
def test_the_digest_subject_is_russian_with_the_right_plural(catalogue, count, subject):
    ivan = speaking("ru")
    NotificationSettings.objects.create(user=ivan, deliveries={kinds.FLAG: "digest"})
    for number in range(count):
        services.notify(recipients=[ivan], kind=kinds.FLAG, key=f"flag:{number}", subject="x")
    assert services.send_daily_digests() == 1
    [message] = mail.outbox
    assert message.subject == subject
    assert "Выберите, о чём сообщать:" in message.body
    assert Notification.objects.filter(delivered_at__isnull=True).count() == 0
