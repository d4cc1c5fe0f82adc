"""The data-quality check as a background job: requested after every import (and on demand),
run by the `run_quality_check` task, its results stored as DataFinding rows; managers accept a
finding with a note. The findings themselves are metrics/quality.py's.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import quality, quality_impacts, queueing
from .models import DataFinding, QualityCheck
from .permissions import can_accept_findings

logger = logging.getLogger(__name__)

RUN_QUALITY_CHECK = "metrics.tasks.run_quality_check"
NOTE_MAX_CHARS = 2000


def request_check(*, trigger: str, requested_by=None) -> QualityCheck:
    """The queued check that will look at the records as they are when it starts; sent on commit.

    A check already waiting covers this request too (it has not read the records yet); one the
    broker never got is sent again with it.
    """
    waiting = QualityCheck.objects.filter(status=QualityCheck.Status.QUEUED).first()
    if waiting is not None:
        if waiting.enqueued_at is None:  # the broker was down when it was queued: send it now
            queueing.enqueue_on_commit(RUN_QUALITY_CHECK, QualityCheck, waiting.pk)
        else:
            queueing.send_again_if_lost(RUN_QUALITY_CHECK, QualityCheck, waiting.pk)
        return waiting
    check = QualityCheck.objects.create(trigger=trigger, requested_by=requested_by)
    queueing.enqueue_on_commit(RUN_QUALITY_CHECK, QualityCheck, check.pk)
    return check


def run_check(*, check_id: int, today: date | None = None) -> QualityCheck | None:
    """Evaluate every finding and store the results; safe to run again (a redelivered task)."""
    with transaction.atomic():
        check = QualityCheck.objects.select_for_update().filter(pk=check_id).first()
        if check is None or check.status == QualityCheck.Status.SUCCEEDED:
            return check
        check.status, check.started_at, check.error = (
            QualityCheck.Status.RUNNING,
            timezone.now(),
            "",
        )
        check.save(update_fields=["status", "started_at", "error"])
    started = time.monotonic()
    try:
        results = quality.evaluate(today=today)
        with transaction.atomic():
            _store(check, results)
            check.status = QualityCheck.Status.SUCCEEDED
            check.finished_at = timezone.now()
            check.duration_ms = int((time.monotonic() - started) * 1000)
            check.save(update_fields=["status", "finished_at", "duration_ms"])
    except Exception as exc:
        logger.exception("Quality check %s failed.", check_id)
        QualityCheck.objects.filter(pk=check_id).update(
            status=QualityCheck.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    return check


def check_now(*, trigger: str = QualityCheck.Trigger.COMMAND) -> QualityCheck:
    """Run a check here and now (the command line, tests of the whole path)."""
    check = QualityCheck.objects.create(trigger=trigger, enqueued_at=timezone.now())
    return run_check(check_id=check.pk)


def _store(check: QualityCheck, results: list[quality.Result]) -> None:
    """One row per finding kind, updated in place so that acceptances stay (a fixed few queries)."""
    existing = {
        f.code: f for f in DataFinding.objects.filter(code__in=[r.kind.code for r in results])
    }
    now = timezone.now()
    changed, created = [], []
    for result in results:
        finding = existing.get(result.kind.code) or DataFinding(code=result.kind.code)
        # Stored in English (the command's output); shown in the reader's language (findings()).
        with translation.override("en"):
            finding.title = str(result.kind.title)
            finding.explanation = str(result.kind.explanation)
        finding.metric_keys = list(result.kind.metric_keys)
        finding.count = result.count
        finding.impact = result.says.english[:300] if result.says else ""
        finding.impact_reason = result.says.as_json() if result.says else {}
        finding.quality_check = check
        finding.checked_at = now
        (changed if finding.pk else created).append(finding)
    DataFinding.objects.bulk_create(created)
    DataFinding.objects.bulk_update(
        changed,
        [
            "title",
            "explanation",
            "metric_keys",
            "count",
            "impact",
            "impact_reason",
            "quality_check",
            "checked_at",
        ],
    )


def accept_finding(*, code: str, note: str, accepted_by) -> DataFinding:
    """A manager accepts what a finding lists now, with a note saying why; the finding stays
    listed (greyed) until its count grows past the count accepted."""
    if not can_accept_findings(accepted_by):
        raise PermissionDenied("Only RevOps managers can accept a finding.")
    note = note.strip()
    if not note:
        raise ValidationError(_("Say why the finding is accepted."))
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError(
            ngettext(
                "The note is longer than %(count)s character.",
                "The note is longer than %(count)s characters.",
                NOTE_MAX_CHARS,
            )
            % {"count": number_format(NOTE_MAX_CHARS, force_grouping=True)}
        )
    with transaction.atomic():
        finding = DataFinding.objects.select_for_update().get(code=code)
        finding.accepted_count = finding.count
        finding.accepted_note = note
        finding.accepted_by = accepted_by
        finding.accepted_at = timezone.now()
        finding.save(
            update_fields=["accepted_count", "accepted_note", "accepted_by", "accepted_at"]
        )
    return finding


def findings() -> list[DataFinding]:
    """The stored findings in the Data page's order (quality.FINDINGS), one query; their words
    in the active language (`shown`)."""
    order = {kind.code: index for index, kind in enumerate(quality.FINDINGS)}
    stored = DataFinding.objects.select_related("accepted_by").filter(code__in=list(order))
    return [shown(finding) for finding in sorted(stored, key=lambda f: order[f.code])]


def shown(finding: DataFinding) -> DataFinding:
    """A stored finding with its title, explanation and impact in the active language (a check
    stores them in English; the reader may read another). Not to be saved. Plain strings, not
    lazy ones: a kept finding is unpickled at each request, and a lazy string costs 0.1 ms."""
    kind = quality.by_code(finding.code)
    if kind is not None:
        finding.title, finding.explanation = str(kind.title), str(kind.explanation)
    finding.impact = quality_impacts.shown_impact(finding.impact_reason, finding.impact)
    return finding


def open_findings_for(key: str, stored: list[DataFinding]) -> list[DataFinding]:
    """The findings not accepted that touch a metric."""
    return [f for f in stored if f.open and key in f.metric_keys]


def latest_check() -> QualityCheck | None:
    return QualityCheck.objects.order_by("-created_at", "-pk").first()
