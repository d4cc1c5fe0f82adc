from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import KINDS, Delivery


class WebhookFormat(models.TextChoices):
    SLACK = "slack", _("Slack-compatible (Slack, Mattermost, Rocket.Chat)")
    TEAMS = "teams", "Microsoft Teams"  # a product name, the same in every language


class NotificationSettings(models.Model):
    """A user's choices: a chat webhook (optional) and, per kind, how to be told."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user"),
    )
    webhook_url = models.URLField(
        _("chat webhook address"),
        max_length=500,
        blank=True,
        help_text=_("An incoming-webhook address of your chat; empty: e-mail only."),
    )
    webhook_format = models.CharField(
        _("chat message format"),
        max_length=8,
        choices=WebhookFormat.choices,
        default=WebhookFormat.SLACK,
    )
    # kind key -> Delivery; a kind missing here gets its default (kinds.KINDS).
    deliveries = models.JSONField(_("how to tell, per kind"), default=dict, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return _("Notification settings of %(user)s") % {"user": self.user}

    def delivery_for(self, kind: str) -> str:
        return self.deliveries.get(kind) or KINDS[kind].default


class Notification(models.Model):
    """One thing to tell one person, recorded once per (recipient, key): the record is what
    makes a redelivered task or a repeated event send nothing a second time."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(
        _("kind"), max_length=32, choices=[(k, v.label) for k, v in KINDS.items()]
    )
    key = models.CharField(
        _("event key"), max_length=200, help_text=_("Names the event: one per recipient.")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    delivery = models.CharField(
        _("delivery"),
        max_length=8,
        choices=[c for c in Delivery.CHOICES if c[0] != Delivery.OFF],
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    # Set once the task reached the broker (metrics.queueing stamps it); instant ones only.
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    webhook_sent_at = models.DateTimeField(_("chat message sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True, db_index=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="notification_once_per_recipient_and_key"
            ),
        ]
        indexes = [models.Index(fields=["delivery", "delivered_at"])]

    def __str__(self):
        return _("%(kind)s to %(recipient)s: %(subject)s") % {
            "kind": self.get_kind_display(),
            "recipient": self.recipient_id,
            "subject": self.subject,
        }
