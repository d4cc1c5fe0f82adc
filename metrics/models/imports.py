"""Portal imports of CRM files and their saved column mappings."""

from django.conf import settings
from django.db import models

from .jobs import JobStatus


class ImportPreset(models.Model):
    """A column mapping a RevOps manager saved for the next import of the same kind of file,
    used as `import_crm --preset NAME` or chosen in the portal."""

    name = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=16)
    mapping = models.JSONField(default=dict, help_text="Canonical field → column name.")
    status_map = models.JSONField(default=dict, blank=True)
    date_order = models.CharField(max_length=3, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.kind})"


class ImportJob(models.Model):
    """A CRM file uploaded in the portal, validated and written in the background."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", "Accounts"
        OPPORTUNITIES = "opportunities", "Opportunities"
        SUBSCRIPTIONS = "subscriptions", "Subscriptions"
        SPEND = "spend", "Spend"
        FORECASTS = "forecasts", "Forecasts"
        TEAMS = "teams", "Teams"
        LEADS = "leads", "Leads"

    Status = JobStatus

    kind = models.CharField(max_length=16, choices=Kind.choices)
    preset = models.CharField(max_length=16, default="generic")
    mapping = models.JSONField(default=dict, blank=True, help_text="Canonical field → column name.")
    status_map = models.JSONField(
        default=dict,
        blank=True,
        help_text="Stage value → open/won/lost, '*' for any other value (status derived from the stage).",
    )
    skip_invalid = models.BooleanField(default=False)
    date_order = models.CharField(
        max_length=3,
        blank=True,
        choices=[("MDY", "Month first"), ("DMY", "Day first")],
        help_text="The day/month order of date columns the file leaves ambiguous; blank: the preset's.",
    )
    create_accounts = models.BooleanField(
        default=False, help_text="Create the accounts that records name but none has."
    )
    file = models.FileField(upload_to="imports/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    rows_total = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    # Every bad row: [{"line": 3, "column": "amount", "value": "abc", "reason": "..."}]
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import {self.pk}: {self.kind} from {self.original_name}"
