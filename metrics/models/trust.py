"""Data you can trust: freshness, data-quality findings, metric owners (issue 11)."""

from django.conf import settings
from django.db import models

from .imports import ImportJob
from .jobs import QueuedJob


class RecordImport(models.Model):
    """One import that wrote records of a kind (the portal's, the command's, a CRM sync's or the
    demo's):
    the Data page's "last imported when, by whom, how many rows" (metrics/freshness.py)."""

    class Via(models.TextChoices):
        PORTAL = "portal", "Portal upload"
        COMMAND = "command", "import_crm command"
        SYNC = "sync", "CRM sync"
        DEMO = "demo", "Demo data"

    kind = models.CharField(max_length=16)
    rows_written = models.PositiveIntegerField()
    via = models.CharField(max_length=8, choices=Via.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField()
    job = models.ForeignKey(
        ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        indexes = [models.Index(fields=["kind", "imported_at"])]

    def __str__(self):
        return f"{self.kind}: {self.rows_written} rows at {self.imported_at:%Y-%m-%d %H:%M}"


class QualityCheck(QueuedJob):
    """One run of the data-quality check (metrics/quality.py): after every import, or on demand."""

    class Trigger(models.TextChoices):
        IMPORT = "import", "After an import"
        SYNC = "sync", "After a CRM sync"
        MANUAL = "manual", "Check now"
        COMMAND = "command", "Command line"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Quality check {self.pk} ({self.status})"


class DataFinding(models.Model):
    """What the latest check found for one kind of problem (`code`, metrics/quality.py).

    One row per kind, updated by every check, so a manager's acceptance outlives the checks:
    it holds while the count stays at or under the count accepted, and lapses when it grows.
    """

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    explanation = models.TextField(help_text="Why it matters, for which metrics.")
    metric_keys = models.JSONField(default=list, help_text="The metrics it touches.")
    count = models.PositiveIntegerField(default=0)
    impact = models.CharField(max_length=300, blank=True, help_text="How much of a metric.")
    quality_check = models.ForeignKey(
        QualityCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    accepted_count = models.PositiveIntegerField(null=True, blank=True)
    accepted_note = models.TextField(blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.title}: {self.count}"

    @property
    def accepted(self) -> bool:
        return self.accepted_count is not None and self.count <= self.accepted_count

    @property
    def open(self) -> bool:
        """Found and not accepted: what a metric page's badge counts."""
        return self.count > 0 and not self.accepted


class MetricOwner(models.Model):
    """The person who answers for a metric's definition and approves a change of it or its target."""

    key = models.CharField(max_length=40, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"{self.key}: {self.owner}"
