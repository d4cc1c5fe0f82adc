"""Background jobs (metric runs, imports, quality checks, CRM syncs) and the stored period and cut kinds."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..catalog import CUT_KIND_NAMES, CUT_KINDS
from ..periods import STANDARD_KINDS


class JobStatus(models.TextChoices):
    """Where a background job stands: a metric run or a portal import."""

    # imports only: uploaded and previewed, not started
    PENDING = "pending", pgettext_lazy("job status", "Awaiting start")
    QUEUED = "queued", pgettext_lazy("job status", "Queued")
    RUNNING = "running", pgettext_lazy("job status", "Running")
    SUCCEEDED = "succeeded", pgettext_lazy("job status", "Succeeded")
    FAILED = "failed", pgettext_lazy("job status", "Failed")


# A metric run is queued as soon as it exists: it is never pending.
RUN_STATUSES = [choice for choice in JobStatus.choices if choice[0] != JobStatus.PENDING]

# Stored period and cut kinds: the names periods.py and catalog.py define ("month" → "Month"),
# each with the label people read (a kind added there without one fails at start; the cut
# kinds' labels are catalog.CUT_KIND_NAMES).
PERIOD_KIND_LABELS = {
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
}
PeriodKind = models.TextChoices(
    "PeriodKind", [(kind.upper(), (kind, PERIOD_KIND_LABELS[kind])) for kind in STANDARD_KINDS]
)
CutKind = models.TextChoices(
    "CutKind", [(kind.upper(), (kind, CUT_KIND_NAMES[kind])) for kind in CUT_KINDS]
)


class QueuedJob(models.Model):
    """What a job queued for the worker records (a metric run, a data-quality check, a CRM
    sync): where it stands, who asked, when it was queued, sent, started and finished, and why
    it failed. `trigger` is each job's own (its choices say what can start it). Portal imports
    (ImportJob) have a pending status and `created_by`, so they stand apart."""

    Status = JobStatus

    status = models.CharField(
        _("status"), max_length=10, choices=RUN_STATUSES, default=JobStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set once the task reached the broker; a queued job without it is sent again
    # (queueing.send_again_if_lost, the runs' sweep).
    enqueued_at = models.DateTimeField(_("sent to the workers at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        abstract = True
