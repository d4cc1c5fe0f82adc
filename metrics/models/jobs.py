"""Background jobs (metric runs, imports, quality checks, CRM syncs) and the stored period and cut kinds."""

from django.conf import settings
from django.db import models

from ..catalog import CUT_KINDS
from ..periods import STANDARD_KINDS


class JobStatus(models.TextChoices):
    """Where a background job stands: a metric run or a portal import."""

    PENDING = "pending", "Awaiting start"  # imports only: uploaded and previewed, not started
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


# A metric run is queued as soon as it exists: it is never pending.
RUN_STATUSES = [choice for choice in JobStatus.choices if choice[0] != JobStatus.PENDING]

# Stored period and cut kinds: the names periods.py and catalog.py define ("month" → "Month").
PeriodKind = models.TextChoices("PeriodKind", [(kind.upper(), kind) for kind in STANDARD_KINDS])
CutKind = models.TextChoices("CutKind", [(kind.upper(), kind) for kind in CUT_KINDS])


class QueuedJob(models.Model):
    """What a job queued for the worker records (a metric run, a data-quality check, a CRM
    sync): where it stands, who asked, when it was queued, sent, started and finished, and why
    it failed. `trigger` is each job's own (its choices say what can start it). Portal imports
    (ImportJob) have a pending status and `created_by`, so they stand apart."""

    Status = JobStatus

    status = models.CharField(max_length=10, choices=RUN_STATUSES, default=JobStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the task reached the broker; a queued job without it is sent again
    # (queueing.send_again_if_lost, the runs' sweep).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        abstract = True
