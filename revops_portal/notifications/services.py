"""Recording notifications and delivering them (e-mail and chat webhook), each exactly once."""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metrics import queueing
from revops_portal.profiles.languages import in_language_of, languages_of

from . import webhooks
from .kinds import KINDS, Delivery
from .models import Notification, NotificationSettings

logger = logging.getLogger(__name__)

DELIVER_TASK = "revops_portal.notifications.tasks.deliver_notification"
# An instant notification the broker never got is sent again after this long (the sweep).
RESEND_AFTER = timedelta(minutes=2)

# A notification's subject or body: a plain string is sent as it is; a lazy translation
# (gettext_lazy) or a function of no arguments returning the text is written anew in each
# recipient's language.
Text = str | Promise | Callable[[], str]


class DeliveryFailed(Exception):
    """A channel failed this attempt; the task retries, then records the failure."""


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


def settings_for(user) -> NotificationSettings:
    """The user's settings, unsaved defaults when they never chose."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def notify(
    *,
    recipients: Iterable,
    kind: str,
    key: str,
    subject: Text,
    body: Text = "",
    url: str = "",
) -> list[Notification]:
    """Record one notification per active recipient who has not turned ``kind`` off, unless
    one with this ``key`` was recorded for them already, and send the instant ones after commit.

    Each recipient reads it in their language: pass ``subject``/``body`` as a function that
    translates, e.g. ``lambda: _("“%(title)s” was flagged") % {"title": section.title}``; it
    is called once per recipient with their language active (``Text``).

    Returns the notifications recorded by this call (none for a repeated key).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}: add it to notifications.kinds.")
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not people:
        return []
    choices = {s.user_id: s for s in NotificationSettings.objects.filter(user_id__in=list(people))}
    per_language = not (isinstance(subject, str) and isinstance(body, str))
    languages = languages_of(people.values()) if per_language else {}
    recorded = []
    for user_pk, user in sorted(people.items()):
        chosen = choices.get(user_pk)
        delivery = chosen.delivery_for(kind) if chosen else KINDS[kind].default
        if delivery == Delivery.OFF:
            continue
        if per_language:
            with translation.override(languages[user_pk]):
                subject_text, body_text = _written(subject), _written(body)
        else:
            subject_text, body_text = subject, body
        try:
            with transaction.atomic():
                notification, created = Notification.objects.get_or_create(
                    recipient=user,
                    key=key[:200],
                    defaults={
                        "kind": kind,
                        "subject": subject_text[:200],
                        "body": body_text,
                        "url": absolute_url(url)[:500],
                        "delivery": delivery,
                    },
                )
        except IntegrityError:  # recorded by a concurrent call: that one sends it
            continue
        if not created:
            continue
        recorded.append(notification)
        if delivery == Delivery.INSTANT:
            queueing.enqueue_on_commit(DELIVER_TASK, Notification, notification.pk)
    return recorded


def _written(text: Text) -> str:
    """``text`` in the active language (see ``Text``)."""
    return str(text() if callable(text) else text)


def _email(recipient, subject: str, body: str) -> EmailMessage:
    """The e-mail; its footer in the active language (callers are in ``in_language_of``)."""
    footer = "\n\n--\n" + _("Choose what the portal tells you, and how: %(address)s") % {
        "address": absolute_url(reverse("notifications:settings"))
    }
    return EmailMessage(subject, body + footer, settings.DEFAULT_FROM_EMAIL, [recipient.email])


def _text(notification: Notification) -> str:
    return notification.body + (f"\n\n{notification.url}" if notification.url else "")


def _send_channel(pk: int, field: str, send) -> None:
    """Send one channel unless it was sent already, and record it, under the row's lock (so two
    workers holding the same task never both send)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient").get(pk=pk)
        )
        if getattr(notification, field) is not None:
            return
        send(notification)
        Notification.objects.filter(pk=pk).update(**{field: timezone.now()})


def deliver(*, notification_id: int) -> None:
    """Send an instant notification by e-mail and to the recipient's webhook; each channel once.

    Raises DeliveryFailed (after recording the error) when a channel failed: the task retries.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.delivered_at or notification.failed_at:
        return
    Notification.objects.filter(pk=notification_id).update(attempts=notification.attempts + 1)
    recipient = notification.recipient
    chosen = settings_for(recipient)
    errors = []
    with in_language_of(recipient):  # the e-mail's footer, the chat message's link
        if recipient.email:
            try:
                _send_channel(
                    notification_id,
                    "email_sent_at",
                    lambda n: mailers.default.send_messages(
                        [_email(recipient, n.subject, _text(n))]
                    ),
                )
            except OSError as exc:  # SMTP refused or unreachable
                errors.append(f"e-mail: {exc}")
        if chosen.webhook_url:
            try:
                _send_channel(
                    notification_id,
                    "webhook_sent_at",
                    lambda n: webhooks.post(
                        webhook_url=chosen.webhook_url,
                        data=webhooks.payload(
                            webhook_format=chosen.webhook_format,
                            subject=n.subject,
                            body=n.body,
                            url=n.url,
                        ),
                    ),
                )
            except webhooks.WebhookError as exc:
                errors.append(f"webhook: {exc}")
    if errors:
        Notification.objects.filter(pk=notification_id).update(last_error="; ".join(errors))
        raise DeliveryFailed("; ".join(errors))
    Notification.objects.filter(pk=notification_id).update(delivered_at=timezone.now())


def record_failure(*, notification_id: int, error: str) -> None:
    """Retries are spent: keep the error and stop trying (a save never waits on this)."""
    logger.warning("Notification %s was not delivered: %s", notification_id, error)
    Notification.objects.filter(pk=notification_id).update(
        failed_at=timezone.now(), last_error=error[:2000]
    )


def send_again_unsent(*, now: datetime | None = None) -> int:
    """Instant notifications the broker never got (no enqueued_at): send them again."""
    cutoff = (now or timezone.now()) - RESEND_AFTER
    pending = Notification.objects.filter(
        delivery=Delivery.INSTANT,
        enqueued_at__isnull=True,
        delivered_at__isnull=True,
        failed_at__isnull=True,
        created_at__lt=cutoff,
    ).values_list("pk", flat=True)
    count = 0
    for pk in pending:
        count += queueing.enqueue(DELIVER_TASK, Notification, pk)
    return count


def send_daily_digests(*, now: datetime | None = None) -> int:
    """One e-mail and one chat message per user with digest notifications waiting; returns how
    many users were sent theirs. A channel that fails is tried again with the next digest."""
    now = now or timezone.now()
    waiting = (
        Notification.objects.filter(delivery=Delivery.DIGEST, delivered_at__isnull=True)
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "pk")
    )
    by_user = defaultdict(list)
    for notification in waiting:
        by_user[notification.recipient_id].append(notification)
    sent = 0
    for items in by_user.values():
        with in_language_of(items[0].recipient):
            sent += _send_digest(items, now=now)
    return sent


def _send_digest(items: list[Notification], *, now: datetime) -> int:
    """One person's digest, in the active language (the caller's ``in_language_of``)."""
    recipient = items[0].recipient
    chosen = settings_for(recipient)
    subject = ngettext(
        "RevOps Portal: %(count)s update", "RevOps Portal: %(count)s updates", len(items)
    ) % {"count": len(items)}
    ids = [n.pk for n in items]
    sent_any = False
    to_mail = [n for n in items if n.email_sent_at is None]
    if recipient.email and to_mail:
        text = "\n\n".join(f"{n.subject}\n{_text(n)}" for n in to_mail)
        try:
            mailers.default.send_messages([_email(recipient, subject, text)])
        except OSError as exc:
            logger.warning("Digest e-mail to %s failed: %s", recipient.pk, exc)
        else:
            Notification.objects.filter(pk__in=[n.pk for n in to_mail]).update(email_sent_at=now)
            sent_any = True
    to_post = [n for n in items if n.webhook_sent_at is None]
    webhook_failed = False
    if chosen.webhook_url and to_post:
        text = "\n".join(f"• {n.subject}" + (f" {n.url}" if n.url else "") for n in to_post)
        try:
            webhooks.post(
                webhook_url=chosen.webhook_url,
                data=webhooks.payload(
                    webhook_format=chosen.webhook_format, subject=subject, body=text, url=""
                ),
            )
        except webhooks.WebhookError as exc:
            webhook_failed = True
            Notification.objects.filter(pk__in=ids).update(last_error=f"webhook: {exc}"[:2000])
        else:
            Notification.objects.filter(pk__in=[n.pk for n in to_post]).update(webhook_sent_at=now)
            sent_any = True
    if not webhook_failed:
        Notification.objects.filter(pk__in=ids).update(delivered_at=now)
    return int(sent_any)
