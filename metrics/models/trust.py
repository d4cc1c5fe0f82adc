"""Data you can trust: freshness, data-quality findings, metric owners (issue 11)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .imports import ImportJob
from .jobs import QueuedJob


class RecordImport(models.Model):
    """One import that wrote records of a kind (the portal's, the command's, a CRM sync's or the
    demo's):
    the Data page's "last imported when, by whom, how many rows" (metrics/freshness.py)."""

    class Via(models.TextChoices):
        PORTAL = "portal", _("Portal upload")
        COMMAND = "command", _("Command line import")
        SYNC = "sync", _("CRM sync")
        DEMO = "demo", _("Demo data")

    kind = models.CharField(_("record kind"), max_length=16)
    rows_written = models.PositiveIntegerField(_("rows written"))
    via = models.CharField(_("via"), max_length=8, choices=Via.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported at"))
    job = models.ForeignKey(
        ImportJob,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("CRM import"),
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("record import")
        verbose_name_plural = _("record imports")
        indexes = [models.Index(fields=["kind", "imported_at"])]

    def __str__(self):
        return f"{self.kind}: {self.rows_written} rows at {self.imported_at:%Y-%m-%d %H:%M}"


class QualityCheck(QueuedJob):
    """One run of the data-quality check (metrics/quality.py): after every import, or on demand."""

    class Trigger(models.TextChoices):
        IMPORT = "import", pgettext_lazy("run trigger", "After an import")
        SYNC = "sync", pgettext_lazy("run trigger", "After a CRM sync")
        MANUAL = "manual", pgettext_lazy("run trigger", "Check now")
        COMMAND = "command", pgettext_lazy("run trigger", "Command line")

    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("data-quality check")
        verbose_name_plural = _("data-quality checks")

    def __str__(self):
        return f"Quality check {self.pk} ({self.status})"


class DataFinding(models.Model):
    """What the latest check found for one kind of problem (`code`, metrics/quality.py).

    One row per kind, updated by every check, so a manager's acceptance outlives the checks:
    it holds while the count stays at or under the count accepted, and lapses when it grows.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    explanation = models.TextField(
        _("explanation"), help_text=_("Why it matters, for which metrics.")
    )
    metric_keys = models.JSONField(
        _("metrics"), default=list, help_text=_("The metrics it touches.")
    )
    count = models.PositiveIntegerField(_("count"), default=0)
    impact = models.CharField(
        _("impact"), max_length=300, blank=True, help_text=_("How much of a metric.")
    )
    # The same sentence as a reason (msgid and figures, importing/reasons.py): what pages show,
    # in the reader's language; `impact` keeps the English words for the command and the admin.
    impact_reason = models.JSONField(_("impact"), default=dict, blank=True, editable=False)
    quality_check = models.ForeignKey(
        QualityCheck,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        verbose_name=_("data-quality check"),
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    accepted_count = models.PositiveIntegerField(_("count accepted"), null=True, blank=True)
    accepted_note = models.TextField(_("why accepted"), blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data-quality finding")
        verbose_name_plural = _("data-quality findings")

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

    key = models.CharField(_("metric"), max_length=40, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owner"),
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("metric owner")
        verbose_name_plural = _("metric owners")

    def __str__(self):
        return f"{self.key}: {self.owner}"
