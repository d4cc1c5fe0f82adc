"""The notification layer: e-mail and chat webhook (a loopback receiver), after commit, retried,
bounded by a timeout, each notification once; per-kind choices and the daily digest."""

import time

import pytest
from django.core import mail
from django.db import transaction

from revops_portal.notifications import kinds, services, tasks
from revops_portal.notifications.models import Notification, NotificationSettings, WebhookFormat
from tests.playbook.factories import UserFactory


def tell(user, key="flag:1", kind=kinds.FLAG, subject="Target audience was flagged"):
    return services.notify(
        recipients=[user],
        kind=kind,
        key=key,
        subject=subject,
        body="Bob: the ICP table is out of date",
        url="/playbook/target-audience/",
    )


def test_an_instant_notification_goes_out_after_commit_by_e_mail_and_slack_webhook(
    alice_on_slack, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tell(alice_on_slack)
        assert receiver.received == [] and mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert receiver.received == [
        {
            "text": "*Target audience was flagged*\nBob: the ICP table is out of date\n"
            "<http://127.0.0.1:8000/playbook/target-audience/|Open in the portal>"
        }
    ]
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Target audience was flagged"
    assert "http://127.0.0.1:8000/playbook/target-audience/" in message.body
    notification = Notification.objects.get()
    assert notification.delivered_at and notification.email_sent_at and notification.webhook_sent_at


def test_a_teams_webhook_gets_a_message_card(alice, receiver, django_capture_on_commit_callbacks):
    NotificationSettings.objects.create(
        user=alice, webhook_url=receiver.url, webhook_format=WebhookFormat.TEAMS
    )
    with django_capture_on_commit_callbacks(execute=True):
        tell(alice)
    [card] = receiver.received
    assert card["@type"] == "MessageCard"
    assert card["title"] == "Target audience was flagged"
    assert card["text"] == "Bob: the ICP table is out of date"
    assert card["potentialAction"][0]["targets"][0]["uri"] == (
        "http://127.0.0.1:8000/playbook/target-audience/"
    )


def test_nothing_is_sent_when_the_transaction_rolls_back(
    alice_on_slack, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            tell(alice_on_slack)
            raise RuntimeError("the save failed")
    assert callbacks == [] and receiver.received == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_a_receiver_answering_500_is_tried_again_and_the_e_mail_is_not_repeated(
    alice_on_slack, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500, 500, 200]
    with django_capture_on_commit_callbacks(execute=True):
        tell(alice_on_slack)
    assert len(receiver.received) == 3
    assert len(mail.outbox) == 1
    notification = Notification.objects.get()
    assert notification.attempts == 3
    assert notification.delivered_at is not None and notification.failed_at is None


def test_a_receiver_that_always_fails_is_recorded_and_never_fails_the_save(
    alice_on_slack, receiver, django_capture_on_commit_callbacks, settings
):
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        tell(alice_on_slack)  # no exception reaches the caller
    assert len(receiver.received) == 1 + settings.NOTIFICATION_RETRIES
    notification = Notification.objects.get()
    assert notification.failed_at is not None and notification.delivered_at is None
    assert "answered 500" in notification.last_error
    assert len(mail.outbox) == 1  # e-mail went out once, on the first attempt


def test_a_slow_receiver_is_given_up_on_after_the_timeout(
    alice_on_slack, receiver, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver.delay = 2
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        tell(alice_on_slack)
    elapsed = time.monotonic() - started
    attempts = 1 + settings.NOTIFICATION_RETRIES
    assert len(receiver.received) == attempts
    assert elapsed < attempts * 0.2 + 1.5, elapsed  # never the receiver's 2 s per attempt
    notification = Notification.objects.get()
    assert notification.failed_at is not None
    assert "Timeout" in notification.last_error


def test_each_notification_is_sent_once(
    alice_on_slack, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert len(tell(alice_on_slack)) == 1
        assert tell(alice_on_slack) == []  # the same event again: already recorded
    notification = Notification.objects.get()
    tasks.deliver_notification.apply(args=(notification.pk,))  # a redelivered task
    assert len(receiver.received) == 1
    assert len(mail.outbox) == 1


def test_off_inactive_and_digest_choices(alice, receiver, django_capture_on_commit_callbacks):
    NotificationSettings.objects.create(
        user=alice,
        webhook_url=receiver.url,
        deliveries={kinds.FLAG: "off", kinds.SECTION_CHANGED: "digest"},
    )
    gone = UserFactory(username="gone", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tell(alice) == []  # flags: off
        assert tell(gone, kind=kinds.SECTION_CHANGED) == []  # deactivated users are told nothing
        tell(alice, key="rev:1", kind=kinds.SECTION_CHANGED, subject="Pricing changed")
        tell(alice, key="rev:2", kind=kinds.SECTION_CHANGED, subject="Processes changed")
    assert receiver.received == [] and mail.outbox == []  # digest: not yet

    assert services.send_daily_digests() == 1
    [message] = mail.outbox
    assert message.subject == "RevOps Portal: 2 updates"
    assert "Pricing changed" in message.body and "Processes changed" in message.body
    [posted] = receiver.received
    assert "• Pricing changed" in posted["text"] and "• Processes changed" in posted["text"]
    assert services.send_daily_digests() == 0  # nothing twice
    assert len(mail.outbox) == 1 and len(receiver.received) == 1


def test_a_failed_digest_webhook_is_tried_with_the_next_digest_without_mailing_again(
    alice, receiver, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(
        user=alice, webhook_url=receiver.url, deliveries={kinds.FLAG: "digest"}
    )
    receiver.answers = [500, 200]
    tell(alice)
    services.send_daily_digests()
    services.send_daily_digests()
    assert len(receiver.received) == 2
    assert len(mail.outbox) == 1
    assert Notification.objects.get().delivered_at is not None


def test_an_unknown_kind_is_a_programming_error(alice):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        tell(alice, kind="gossip")
