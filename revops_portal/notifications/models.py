from django.conf import settings
from django.db import models
from django.utils import timezone

from .kinds import KINDS, Delivery


class WebhookFormat(models.TextChoices):
    SLACK = "slack", "Slack-compatible (Slack, Mattermost, Rocket.Chat)"
    TEAMS = "teams", "Microsoft Teams"


class NotificationSettings(models.Model):
    """A user's choices: a chat webhook (optional) and, per kind, how to be told."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    webhook_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="An incoming-webhook address of your chat; empty: e-mail only.",
    )
    webhook_format = models.CharField(
        max_length=8, choices=WebhookFormat.choices, default=WebhookFormat.SLACK
    )
    # kind key -> Delivery; a kind missing here gets its default (kinds.KINDS).
    deliveries = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Notification settings of {self.user}"

    def delivery_for(self, kind: str) -> str:
        return self.deliveries.get(kind) or KINDS[kind].default


class Notification(models.Model):
    """One thing to tell one person, recorded once per (recipient, key): the record is what
    makes a redelivered task or a repeated event send nothing a second time."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=[(k, v.label) for k, v in KINDS.items()])
    key = models.CharField(max_length=200, help_text="Names the event: one per recipient.")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    delivery = models.CharField(
        max_length=8, choices=[c for c in Delivery.CHOICES if c[0] != Delivery.OFF]
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set once the task reached the broker (metrics.queueing stamps it); instant ones only.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="notification_once_per_recipient_and_key"
            ),
        ]
        indexes = [models.Index(fields=["delivery", "delivered_at"])]

    def __str__(self):
        return f"{self.kind} to {self.recipient_id}: {self.subject}"
