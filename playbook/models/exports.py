"""Exports of the whole playbook (PDF, Markdown archive)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlaybookExport(models.Model):
    """The whole playbook as a PDF or a Markdown archive, built by a Celery task; the file is
    private (PRIVATE_ROOT) and downloaded through playbook.print_views."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        MARKDOWN = "markdown", _("Markdown archive (zip)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        SUCCEEDED = "succeeded", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("format"), max_length=8, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(_("file"), upload_to="playbook-exports/", blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    # metrics.queueing stamps it
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("playbook export")
        verbose_name_plural = _("playbook exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} export {self.pk} ({self.status})"

    @property
    def download_name(self) -> str:
        suffix = "pdf" if self.kind == self.Kind.PDF else "zip"
        return f"playbook-{self.created_at:%Y-%m-%d}.{suffix}"
