"""Exports of the whole playbook (PDF, Markdown archive)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class PlaybookExport(models.Model):
    """The whole playbook as a PDF or a Markdown archive, built by a Celery task; the file is
    private (PRIVATE_ROOT) and downloaded through playbook.print_views."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        MARKDOWN = "markdown", "Markdown archive (zip)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being built"
        SUCCEEDED = "succeeded", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="playbook-exports/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)  # metrics.queueing stamps it
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} export {self.pk} ({self.status})"

    @property
    def download_name(self) -> str:
        suffix = "pdf" if self.kind == self.Kind.PDF else "zip"
        return f"playbook-{self.created_at:%Y-%m-%d}.{suffix}"
