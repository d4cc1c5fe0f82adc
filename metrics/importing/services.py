"""Import services: a file imported now (the `import_crm` command), or as a portal ImportJob.

All or nothing by default (any invalid row → nothing written, every bad row reported);
`skip_invalid` writes the valid rows; `dry_run` writes nothing. A write is one transaction; after
it, a metrics recomputation is requested. Portal jobs: uploaded and validated
(`import_job_create`), previewed, started by a person (`import_job_start`, which enqueues the
`run_import_job` task on commit), run in the background (`import_job_run`). Each of these reads
the file once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from metrics import calculations, queueing
from metrics.calculations import kept
from metrics.freshness import record_import
from metrics.incremental import ImportChanges
from metrics.models import Account, ImportJob, QualityCheck, RecordImport
from metrics.permissions import can_import, can_open_import_job
from metrics.quality_checks import request_check
from metrics.services import request_recompute
from revops_portal.profiles.languages import in_language_of

from . import first_load, parsing, raw_copy, staging
from .columns import MissingColumns
from .decoding import Source, bytes_source, read_table
from .errors import ErrorReport, ImportFileError, RowError
from .options import ImportOptions
from .proposal import Proposed, propose
from .schema import kind_label
from .staging import CHUNK_ROWS

logger = logging.getLogger(__name__)

ALREADY_STARTED = gettext_lazy("This import has already been started.")


@dataclass
class ImportOutcome:
    kind: str
    rows_total: int = 0
    rows_valid: int = 0
    rows_written: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    recompute_requested: bool = False
    accounts_created: int = 0  # with create_accounts: created, or (dry run) to be created

    @property
    def rows_invalid(self) -> int:
        return len({error.line for error in self.errors})

    def summary(self) -> str:
        """What happened, in the active language (the job's creator's; the command's: English)."""
        invalid, total, kind = self.rows_invalid, self.rows_total, kind_label(self.kind)
        sentences = []
        if self.dry_run:
            sentences.append(
                ngettext(
                    "Dry run: %(valid)s of %(count)s %(kind)s row is valid, %(invalid)s invalid. "
                    "Nothing was written.",
                    "Dry run: %(valid)s of %(count)s %(kind)s rows are valid, %(invalid)s "
                    "invalid. Nothing was written.",
                    total,
                )
                % {"valid": self.rows_valid, "count": total, "kind": kind, "invalid": invalid}
            )
            if self.accounts_created:
                sentences.append(
                    ngettext(
                        "%(count)s missing account would be created.",
                        "%(count)s missing accounts would be created.",
                        self.accounts_created,
                    )
                    % {"count": self.accounts_created}
                )
        elif self.rows_written:
            sentences.append(
                ngettext(
                    "Imported %(written)s of %(count)s %(kind)s row.",
                    "Imported %(written)s of %(count)s %(kind)s rows.",
                    total,
                )
                % {"written": self.rows_written, "count": total, "kind": kind}
            )
            if invalid:
                sentences.append(
                    ngettext(
                        "Skipped %(count)s invalid row.", "Skipped %(count)s invalid rows.", invalid
                    )
                    % {"count": invalid}
                )
            if self.accounts_created:
                sentences.append(
                    ngettext(
                        "Created %(count)s account they name.",
                        "Created %(count)s accounts they name.",
                        self.accounts_created,
                    )
                    % {"count": self.accounts_created}
                )
        elif invalid:
            sentences.append(
                ngettext(
                    "Nothing was written: %(invalid)s of %(count)s %(kind)s row is invalid. Fix "
                    "them, or import the valid rows only (skip invalid rows).",
                    "Nothing was written: %(invalid)s of %(count)s %(kind)s rows are invalid. "
                    "Fix them, or import the valid rows only (skip invalid rows).",
                    total,
                )
                % {"invalid": invalid, "count": total, "kind": kind}
            )
        else:
            sentences.append(_("Nothing was written."))
        return " ".join(sentences)


def import_records(
    *,
    options: ImportOptions,
    source: Source | None = None,
    data: bytes | None = None,
    dry_run: bool = False,
    requested_by=None,
    batch_size: int = CHUNK_ROWS,
    on_progress: Callable[[int], None] | None = None,
    job: ImportJob | None = None,
) -> ImportOutcome:
    """Validate a whole file (a `source` streamed, or `data`), then write it (or not). Raises
    ImportFileError for file problems.

    The file is streamed and staged (staging.py), then written in one transaction: the records
    and the note of their import, or nothing. A write is recorded for the Data page's freshness (a portal `job`'s, or the command's) and followed by
    a metrics recomputation and a data-quality check.
    """
    progress = on_progress or (lambda percent: None)
    source = source or bytes_source(data)
    note = partial(
        record_import,
        kind=options.kind,
        via=RecordImport.Via.PORTAL if job else RecordImport.Via.COMMAND,
        imported_by=requested_by,
        job=job,
    )
    if not dry_run:
        # PostgreSQL writes a clean file into its kind's empty table as pg_restore would.
        written = first_load.load(source, options, note=lambda rows: note(rows_written=rows))
        if written is not None:
            # The whole table is new: every period is recomputed (no changes noted).
            return _requested(
                ImportOutcome(
                    kind=options.kind,
                    rows_total=written,
                    rows_valid=written,
                    rows_written=written,
                ),
                requested_by,
                changes=None,
            )
    on_rows = lambda done, total: progress(80 * done // max(total, 1))  # noqa: E731
    # PostgreSQL reads a clean file in SQL after a COPY of it (raw_copy.py); any other file,
    # or one with an invalid row, is read here row by row (staging.py), errors reported.
    staged = raw_copy.stage(source, options, on_rows)
    if staged is None:
        file = staging.scan_file(source, options)
        staged = staging.stage(file, chunk_rows=batch_size, on_rows=on_rows)
    outcome = ImportOutcome(
        kind=options.kind,
        rows_total=staged.rows_total,
        rows_valid=staged.rows_valid,
        errors=staged.sorted_errors(),
        dry_run=dry_run,
        accounts_created=len(staged.accounts_to_create),
    )
    if dry_run or (outcome.errors and not options.skip_invalid) or not staged.rows_valid:
        staged.drop()
        return outcome
    with transaction.atomic():  # the records, the accounts they name and the note, or nothing
        # Their stored state before and after the write: the periods the next run recomputes,
        # and the keys of the engine's kept totals filled again here (not whole by that run).
        changes = ImportChanges(options.kind, staging.STAGING, staged.rows_valid)
        # The accounts only when it creates some: a kept table deriving from them (the
        # pipeline's) is otherwise not filled again by days a subscription import touched.
        written = (options.record_kind.model._meta.db_table,) + (
            (Account._meta.db_table,) if staged.accounts_to_create else ()
        )
        with kept.through(calculations.KEPT, written, changes.touched):
            outcome.rows_written = staged.write()
            changed = changes.ranges()
        note(rows_written=outcome.rows_written)
    staged.drop()
    return _requested(outcome, requested_by, changes=changed)


def _requested(outcome: ImportOutcome, requested_by, *, changes) -> ImportOutcome:
    """After a write: the metrics recomputation (of the periods `changes` can move; None:
    every period) and a data-quality check."""
    request_recompute(trigger="import", requested_by=requested_by, changes=changes)
    request_check(trigger=QualityCheck.Trigger.IMPORT, requested_by=requested_by)
    outcome.recompute_requested = True
    return outcome


# --- Portal jobs ------------------------------------------------------------------------------


def import_job_list(*, limit: int = 100) -> list[ImportJob]:
    return list(ImportJob.objects.select_related("created_by").order_by("-created_at")[:limit])


def import_job_get(*, job_id: int, user) -> ImportJob:
    """Raises ImportJob.DoesNotExist, or PermissionDenied for another manager's job."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not can_open_import_job(user, job):
        raise PermissionDenied
    return job


def _job_errors(errors: list[RowError]) -> list[dict]:
    """A job keeps the capped report: the first errors per column and in all, counts of the rest."""
    return ErrorReport.of(errors).as_json()


def import_job_create(*, upload, options: ImportOptions, created_by=None) -> ImportJob:
    """Store an uploaded file and validate all of it; the job then waits for a person to start it.

    Raises ValidationError for a file over the size cap, ImportFileError for a file that
    cannot be imported at all (nothing is stored then).
    """
    if created_by is not None and not can_import(created_by):
        raise PermissionDenied
    if upload.size > settings.CSV_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.CSV_UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    data = upload.read()
    job = ImportJob(
        kind=options.kind,
        original_name=(upload.name or "upload.csv")[-255:],
        status=ImportJob.Status.PENDING,
        created_by=created_by,
    )
    _validate(job, data, options)
    # The stored name is ours, never the uploader's.
    job.file.save(f"{uuid.uuid4().hex}.csv", ContentFile(data), save=False)
    job.full_clean()
    job.save()
    return job


@transaction.atomic
def import_job_change_options(*, job: ImportJob, options: ImportOptions, changed_by) -> ImportJob:
    """A person changes the options of a job awaiting start (the preview's choices): the file is
    validated again with them. The kind stays the one uploaded."""
    if not can_open_import_job(changed_by, job):
        raise PermissionDenied
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PENDING:
        raise ValidationError(ALREADY_STARTED)
    _validate(job, _job_file(job), options)
    job.save()
    return job


def _validate(job: ImportJob, data: bytes, options: ImportOptions) -> None:
    """Validate the file with the options and set them, the counts and the errors on the job.

    A header without a required field's column keeps the job, every row counted invalid, so the
    person can map the columns in the preview (proposal.py); other file errors raise.
    """
    job.preset, job.mapping, job.status_map = options.preset, options.mapping, options.status_map
    job.skip_invalid, job.date_order = options.skip_invalid, options.date_order
    job.create_accounts = options.create_accounts
    job.message = ""
    try:
        checked = import_records(source=bytes_source(data), options=options, dry_run=True)
    except MissingColumns as exc:
        job.rows_total = job.rows_invalid = len(exc.table.records)
        job.errors = []
        job.message = _("%(problem)s Choose the columns below.") % {"problem": exc}
        return
    job.rows_total = checked.rows_total
    job.rows_invalid = checked.rows_invalid
    job.errors = _job_errors(checked.errors)


def _job_file(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


def import_job_preview(*, job: ImportJob):
    """The first rows of the job's file as mapped onto the canonical columns, and how its date
    columns are read (parsing.preview)."""
    return parsing.preview(_job_file(job), ImportOptions.of_job(job))


def import_job_can_start(job: ImportJob) -> bool:
    return (
        job.status == ImportJob.Status.PENDING
        and job.rows_invalid < job.rows_total  # something to write (a header unmapped: nothing)
        and (job.skip_invalid or job.rows_invalid == 0)
    )


def import_job_proposal(*, job: ImportJob) -> tuple[list[str], list[Proposed]]:
    """The file's header, and a column for each canonical field of the job's kind proposed from
    the file (proposal.py)."""
    table = read_table(_job_file(job))
    return table.header, propose(table, job.kind)


def _broker_down(job_id: int) -> None:
    """The job could not be sent: back to awaiting start, so the person can try again."""
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.PENDING,
        message=_("The task queue could not be reached; nothing was imported. Try again."),
    )


@transaction.atomic
def import_job_start(*, job: ImportJob, started_by) -> ImportJob:
    """Queue a previewed job; the task is sent once this transaction commits."""
    if not can_open_import_job(started_by, job):
        raise PermissionDenied
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PENDING:
        raise ValidationError(ALREADY_STARTED)
    if not import_job_can_start(job):
        raise ValidationError(
            _(
                "This file has invalid rows and the import is all or nothing: fix the file, "
                "or upload it again with “skip invalid rows”."
            )
        )
    job.status = ImportJob.Status.QUEUED
    job.message = ""
    job.progress = 0
    job.save(update_fields=["status", "message", "progress"])
    queueing.enqueue_on_commit(
        queueing.RUN_IMPORT_JOB, ImportJob, job.pk, if_broker_down=_broker_down
    )
    return job


def _set_progress(job_id: int, percent: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(progress=min(percent, 99))


def import_job_run(*, job_id: int) -> ImportJob:
    """The background part: import the job's file. Safe to run twice (a redelivered task)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        # RUNNING too: a worker killed mid-job left it so, and its write was rolled back.
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            return job
        job.status = ImportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.progress = 0
        job.save(update_fields=["status", "started_at", "progress"])

    job.finished_at = None
    # The job's message is written for the person who uploaded it, in their language (its row
    # errors are stored untranslated: whoever opens the job reads them in their own).
    with in_language_of(job.created_by) if job.created_by else nullcontext():
        _run_and_report(job)
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "message",
            "rows_total",
            "rows_written",
            "rows_invalid",
            "errors",
            "progress",
            "finished_at",
        ]
    )
    return job


def _run_and_report(job: ImportJob) -> None:
    """Import the job's file and set its outcome on it (not saved)."""
    try:
        outcome = import_records(
            source=lambda: job.file.storage.open(job.file.name, "rb"),
            options=ImportOptions.of_job(job),
            requested_by=job.created_by,
            on_progress=partial(_set_progress, job.pk),
            job=job,
        )
    except ImportFileError as exc:
        job.status, job.message = ImportJob.Status.FAILED, str(exc)
        job.rows_written = 0
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        job.status = ImportJob.Status.FAILED
        job.message = _(
            "The import failed unexpectedly and nothing was written. The error is logged."
        )
        job.rows_written = 0
    else:
        succeeded = outcome.rows_written > 0 or not outcome.errors
        job.status = ImportJob.Status.SUCCEEDED if succeeded else ImportJob.Status.FAILED
        job.rows_total = outcome.rows_total
        job.rows_written = outcome.rows_written
        job.rows_invalid = outcome.rows_invalid
        job.errors = _job_errors(outcome.errors)
        job.message = outcome.summary()
        if outcome.recompute_requested:
            job.message += " " + _("A metrics recomputation was queued.")


def import_job_error_report(*, job: ImportJob) -> ErrorReport:
    return ErrorReport.from_json(job.errors)
