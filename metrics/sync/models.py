"""A CRM connection, its cursors, its sync runs (the sync log) and the records awaiting an account.

Registered in the metrics app (metrics/models/__init__.py imports this module).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from metrics.models import JobStatus, QueuedJob

ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class CrmConnection(models.Model):
    class Crm(models.TextChoices):
        HUBSPOT = "hubspot", "HubSpot"
        SALESFORCE = "salesforce", "Salesforce"

    class Auth(models.TextChoices):
        HUBSPOT_TOKEN = "hubspot_token", _("HubSpot private-app access token")
        SF_CLIENT_CREDENTIALS = "sf_client_credentials", _("Salesforce OAuth client credentials")
        SF_JWT = "sf_jwt", _("Salesforce OAuth JWT bearer")
        SF_PASSWORD = "sf_password", _("Salesforce username, password and security token")

    class State(models.TextChoices):
        OK = "ok", pgettext_lazy("connection state", "OK")
        FAILING = "failing", pgettext_lazy("connection state", "Failing")
        STOPPED = "stopped", pgettext_lazy("connection state", "Stopped after repeated failures")

    name = models.CharField(max_length=100, unique=True)
    crm = models.CharField(max_length=10, choices=Crm.choices)
    auth = models.CharField(max_length=24, choices=Auth.choices)
    domain = models.CharField(
        max_length=100,
        blank=True,
        help_text="Salesforce: login, test, or your My Domain (e.g. acme.my).",
    )
    username = models.CharField(max_length=255, blank=True)
    client_id = models.CharField(max_length=255, blank=True, help_text="The consumer key.")
    # Fernet token of a JSON object of the secrets (secrets.py); never shown, never logged.
    secrets_encrypted = models.TextField(blank=True)
    secret_names = models.JSONField(default=list, blank=True, help_text="Which secrets are set.")
    kinds = models.JSONField(default=list, help_text="The record kinds synced.")
    mapping = models.JSONField(
        default=dict, blank=True, help_text="Kind → {canonical field: CRM property}."
    )
    status_map = models.JSONField(default=dict, blank=True, help_text="Stage → open/won/lost.")
    schedule_minutes = models.PositiveIntegerField(default=60)
    enabled = models.BooleanField(default=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OK)
    consecutive_failures = models.PositiveIntegerField(default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SyncCursor(models.Model):
    """How far a kind's sync has read: changes after (modified_since, last_id) are still to read."""

    connection = models.ForeignKey(CrmConnection, on_delete=models.CASCADE, related_name="cursors")
    kind = models.CharField(max_length=16)
    modified_since = models.DateTimeField(null=True, blank=True)
    last_id = models.CharField(max_length=255, blank=True)
    # HubSpot: archived records are listed apart; those archived after this were applied.
    deleted_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["connection", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind"], name="sync_cursor_one_per_kind")
        ]

    def __str__(self):
        return f"{self.connection} {self.kind} since {self.modified_since}"


class SyncRun(QueuedJob):
    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", pgettext_lazy("sync trigger", "Schedule")
        MANUAL = "manual", pgettext_lazy("sync trigger", "Sync now")
        COMMAND = "command", pgettext_lazy("sync trigger", "Command line")

    connection = models.ForeignKey(CrmConnection, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    kinds = models.JSONField(default=list, blank=True, help_text="Empty: the connection's kinds.")
    full = models.BooleanField(default=False, help_text="Read everything again (a backfill).")
    error = None  # a sync reports per kind (errors) and in a message
    # {kind: {"read", "created", "updated", "deleted", "rejected", "waiting", "total"}}
    stats = models.JSONField(default=dict, blank=True)
    # {kind: the capped error report (importing.errors.ErrorReport.as_json)}
    errors = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One sync per connection at a time.
            models.UniqueConstraint(
                fields=["connection"],
                condition=Q(status__in=["queued", "running"]),
                name="sync_run_one_active_per_connection",
            ),
        ]

    def __str__(self):
        return f"Sync {self.pk} of {self.connection_id} ({self.status})"

    @property
    def changed(self) -> int:
        return sum(
            counts.get(name, 0)
            for counts in self.stats.values()
            for name in ("created", "updated", "deleted")
        )


class SyncWaiting(models.Model):
    """A CRM record whose account is not known yet: tried again on the next run."""

    connection = models.ForeignKey(CrmConnection, on_delete=models.CASCADE, related_name="waiting")
    kind = models.CharField(max_length=16)
    external_id = models.CharField(max_length=255)
    account_ref = models.CharField(max_length=255)
    record = models.JSONField(help_text="The record's properties as the CRM gave them.")
    first_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind", "external_id"], name="sync_waiting_one_per_record"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.external_id} waiting for account {self.account_ref}"
