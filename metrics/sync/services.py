"""The sync: queueing it, running it page by page, and what a run that fails tells the owner.

A sync reads each kind in SYNC_ORDER (accounts first) page by page from the CRM (clients/)
and sends every page through the importer: the page becomes a table whose header is the CRM's
property names, validated by `parsing.parse_table` with the CRM's import preset and the
connection's mapping (one code path for files and APIs), accounts resolved and records upserted
by `writing`. Each page is one transaction: its records, its deletions, the records held back for
an unknown account (SyncWaiting, tried again on the next run) and the kind's cursor. A worker
killed half-way loses at most the page it was writing; the next run starts from the cursor, and
upserts by key never duplicate a record read twice.

A run that fails (the CRM keeps refusing, credentials expired) keeps what it wrote; after
CRM_SYNC_MAX_FAILURES failures in a row the connection stops syncing on schedule and its owner
gets an e-mail. After a run that changed anything, one coalesced metric recomputation.
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from contextlib import nullcontext
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from metrics import queueing
from metrics.freshness import record_import
from metrics.importing import parsing, reasons, writing
from metrics.importing.decoding import Table
from metrics.importing.errors import MAX_ERRORS_LISTED, ErrorReport, ImportFileError, RowError
from metrics.importing.schema import kind_label
from metrics.models import MetricRun, QualityCheck, RecordImport
from metrics.quality_checks import request_check
from metrics.services import request_recompute
from revops_portal.notifications.kinds import SYNC_STOPPED
from revops_portal.notifications.services import notify
from revops_portal.profiles.languages import in_language_of

from . import secrets as secret_store
from .clients import CrmClient, CrmError, Page, Position, client_for
from .connections import (
    NO_CREDENTIALS,
    connection_secrets,
    import_options,
    kind_source_of,
    kinds_to_sync,
    missing_secrets,
)
from .models import ACTIVE_STATUSES, CrmConnection, SyncCursor, SyncRun, SyncWaiting

logger = logging.getLogger(__name__)

COUNTS = ("read", "created", "updated", "deleted", "rejected", "waiting")


# --- Queueing -------------------------------------------------------------------------------------


def _broker_down(run_id: int) -> None:
    SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        message=_("The task queue could not be reached; nothing was synced. Try again."),
    )


def queue_sync(
    *, connection: CrmConnection, trigger: str, requested_by=None, kinds=(), full=False
) -> SyncRun:
    """The connection's queued or running sync, else a new one sent to the workers on commit
    (one sync per connection at a time: a database constraint)."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                active = SyncRun.objects.filter(
                    connection=connection, status__in=ACTIVE_STATUSES
                ).first()
                if active is not None:
                    return active
                run = SyncRun.objects.create(
                    connection=connection,
                    trigger=trigger,
                    requested_by=requested_by,
                    kinds=list(kinds),
                    full=full,
                )
                queueing.enqueue_on_commit(
                    queueing.RUN_CRM_SYNC, SyncRun, run.pk, if_broker_down=_broker_down
                )
                return run
        except IntegrityError:
            continue  # another request queued one first
    raise RuntimeError("Could not queue a sync: the queue kept changing.")


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 600)


def queue_due_syncs(*, now: datetime | None = None) -> list[int]:
    """Every few minutes (beat): queue each enabled connection whose schedule is due. A sync left
    running past the task time limit (its worker died) is marked interrupted; the next resumes
    from the cursor."""
    now = now or timezone.now()
    SyncRun.objects.filter(
        status=SyncRun.Status.RUNNING, started_at__lt=now - _stale_after()
    ).update(
        status=SyncRun.Status.FAILED,
        finished_at=now,
        message=_("Interrupted (the worker stopped); the next sync resumes from the cursor."),
    )
    queued = []
    connections = (
        CrmConnection.objects.filter(enabled=True)
        .exclude(state=CrmConnection.State.STOPPED)
        .annotate(last_run=Max("runs__created_at"))
    )
    for connection in connections:
        due = connection.last_run is None or (
            connection.last_run + timedelta(minutes=connection.schedule_minutes) <= now
        )
        if due:
            queued.append(queue_sync(connection=connection, trigger=SyncRun.Trigger.SCHEDULE).pk)
    return queued


# --- Running a sync -------------------------------------------------------------------------------


class _KindSync:
    """One kind of one run: pages applied through the importer, counts and rejected rows kept."""

    def __init__(self, run: SyncRun, connection: CrmConnection, kind: str):
        self.run, self.connection, self.kind = run, connection, kind
        self.source = kind_source_of(connection, kind)
        self.options = import_options(connection, self.source)
        self.model = self.options.record_kind.model
        self.id_column = self.source.properties["external_id"]
        self.counts = run.stats.setdefault(kind, dict.fromkeys(COUNTS, 0))
        self.errors: list[RowError] = []
        self.unlisted: Counter[str] = Counter()  # rejected rows past MAX_ERRORS_LISTED, by column
        self.line = 0
        self.cursor, _created = SyncCursor.objects.get_or_create(connection=connection, kind=kind)

    def check_mapping(self) -> None:
        """Raises ImportFileError when the mapping lacks a required field (as a file would)."""
        parsing.parse_table(self._table([]), self.options)

    def _table(self, records: list[dict[str, str]]) -> Table:
        rows = []
        for record in records:
            self.line += 1
            rows.append((self.line, [record.get(name, "") for name in self.source.columns]))
        return Table(header=self.source.columns, records=rows, delimiter=",", encoding="utf-8")

    def retry_waiting(self) -> None:
        waiting = [
            w.record for w in SyncWaiting.objects.filter(connection=self.connection, kind=self.kind)
        ]
        if waiting:
            self.apply(Page(records=waiting, deleted=[], position=None), read=False)

    def apply(self, page: Page, *, read: bool = True) -> None:
        first_line = self.line + 1
        parsed = parsing.parse_table(self._table(page.records), self.options)
        writing.resolve_accounts(parsed, hold_unknown=True)
        by_line = {first_line + i: record for i, record in enumerate(page.records)}
        written_ids = [instance.external_id for _, instance, _ in parsed.valid]
        page_ids = [record.get(self.id_column, "") for record in page.records]
        with transaction.atomic():
            existing = set(
                self.model.objects.filter(external_id__in=written_ids).values_list(
                    "external_id", flat=True
                )
            )
            written = writing.write(parsed) if parsed.valid else 0
            SyncWaiting.objects.filter(
                connection=self.connection,
                kind=self.kind,
                external_id__in=[*page_ids, *page.deleted],
            ).delete()
            for line, instance, ref in parsed.held:
                SyncWaiting.objects.create(
                    connection=self.connection,
                    kind=self.kind,
                    external_id=instance.external_id,
                    account_ref=ref,
                    record=by_line[line],
                )
            deleted = 0
            if page.deleted:
                _count, per_model = self.model.objects.filter(external_id__in=page.deleted).delete()
                deleted = per_model.get(self.model._meta.label, 0)
            if page.position is not None:
                self.cursor.modified_since = page.position.modified_since
                self.cursor.last_id = page.position.last_id
                self.cursor.deleted_since = page.position.deleted_since
                self.cursor.save()
            created = len(set(written_ids) - existing)
            for error in parsed.errors:
                # A long backfill's rejected rows are reported capped, like an import's.
                if len(self.errors) < MAX_ERRORS_LISTED:
                    self.errors.append(self._with_record_id(error, by_line))
                else:
                    self.unlisted[error.column] += 1
            counts = self.counts
            if read:
                counts["read"] += len(page.records) + len(page.deleted)
            if page.total is not None:
                counts["total"] = page.total
            counts["created"] += created
            counts["updated"] += written - created
            counts["deleted"] += deleted
            counts["rejected"] += len(parsed.invalid_lines)
            counts["waiting"] = SyncWaiting.objects.filter(
                connection=self.connection, kind=self.kind
            ).count()
            report = ErrorReport.of(self.errors)
            for column, count in self.unlisted.items():
                report.more_by_column[column] = report.more_by_column.get(column, 0) + count
            self.run.errors[self.kind] = report.as_json()
            self.run.save(update_fields=["stats", "errors"])

    def _with_record_id(self, error: RowError, by_line: dict) -> RowError:
        record_id = by_line.get(error.line, {}).get(self.id_column, "")
        if not record_id:
            return error
        return RowError.make(
            error.line,
            error.column,
            error.value,
            reasons.gettext(
                "%(reason)s (CRM record %(record)s)", reason=error.why, record=record_id
            ),
        )

    def position(self, full: bool) -> Position:
        if full:
            return Position()
        cursor = self.cursor
        return Position(cursor.modified_since, cursor.last_id, cursor.deleted_since)


def _sync_kinds(run: SyncRun, connection: CrmConnection, client: CrmClient) -> None:
    for kind in kinds_to_sync(connection, run.kinds):
        kind_sync = _KindSync(run, connection, kind)
        try:
            kind_sync.check_mapping()
        except ImportFileError as exc:
            raise CrmError(
                _("%(kind)s: %(problem)s") % {"kind": kind_label(kind), "problem": exc}
            ) from None
        kind_sync.retry_waiting()  # their accounts may have come in since
        for page in client.changes(kind_sync.source, kind_sync.position(run.full)):
            kind_sync.apply(page)


def _summary(run: SyncRun) -> str:
    parts = []
    for kind, counts in run.stats.items():
        parts.append(
            _(
                "%(kind)s: %(read)s read, %(created)s created, %(updated)s updated, "
                "%(deleted)s deleted, %(rejected)s rejected, %(waiting)s waiting"
            )
            % {"kind": kind_label(kind), **{name: counts.get(name, 0) for name in COUNTS}}
        )
    return "; ".join(parts) or _("Nothing to sync.")


def _execute(run: SyncRun, *, dry_run: bool = False) -> SyncRun:
    """Run the sync; record its outcome on the run and the connection. The run's message is
    written for the connection's owner, in their language (its rejected rows are stored
    untranslated: whoever opens the run reads them in their own)."""
    owner = run.connection.owner
    with in_language_of(owner) if owner else nullcontext():
        return _execute_for_owner(run, dry_run=dry_run)


@sensitive_variables("secrets")
def _execute_for_owner(run: SyncRun, *, dry_run: bool) -> SyncRun:
    connection = run.connection
    secrets: dict[str, str] = {}
    failure = ""
    try:
        secrets = connection_secrets(connection)
        if missing_secrets(connection):
            raise CrmError(NO_CREDENTIALS)
        _sync_kinds(run, connection, client_for(connection, secrets))
    except (CrmError, secret_store.SecretsUnavailable) as exc:
        failure = str(exc)
    except SoftTimeLimitExceeded:
        failure = _(
            "Stopped at the background task time limit (CELERY_TASK_SOFT_TIME_LIMIT); "
            "the next sync resumes from the cursors."
        )
    except Exception as exc:
        failure = _("The sync failed unexpectedly; the error is logged.")
        logger.error(
            "CRM sync %s of connection %s failed:\n%s",
            run.pk,
            connection.pk,
            secret_store.redact("".join(traceback.format_exception(exc)), secrets),
        )
    run.finished_at = timezone.now()
    if failure:
        run.status = SyncRun.Status.FAILED
        run.message = secret_store.redact(failure, secrets)
        if run.changed:
            run.message += " " + _("Kept what was synced before the failure (%(summary)s).") % {
                "summary": _summary(run)
            }
    else:
        run.status = SyncRun.Status.SUCCEEDED
        run.message = (
            _("Dry run, nothing was written: %(summary)s") % {"summary": _summary(run)}
            if dry_run
            else _summary(run)
        )
    run.save(update_fields=["status", "finished_at", "message", "stats", "errors"])
    logger.info(
        "CRM sync %s of connection %s %s: %s", run.pk, connection.pk, run.status, run.message
    )
    if not dry_run:
        _record_outcome(connection, run)
        _record_freshness(run)
        if run.changed:
            request_recompute(trigger=MetricRun.Trigger.SYNC, requested_by=run.requested_by)
            request_check(trigger=QualityCheck.Trigger.SYNC, requested_by=run.requested_by)
    return run


def _record_freshness(run: SyncRun) -> None:
    """A kind synced in full is as fresh as an import of it: the Data page says so (issue 11)."""
    if run.status != SyncRun.Status.SUCCEEDED:
        return
    for kind, counts in run.stats.items():
        written = sum(counts.get(name, 0) for name in ("created", "updated", "deleted"))
        record_import(
            kind=kind, rows_written=written, via=RecordImport.Via.SYNC, imported_by=run.requested_by
        )


def _record_outcome(connection: CrmConnection, run: SyncRun) -> None:
    if run.status == SyncRun.Status.SUCCEEDED:
        CrmConnection.objects.filter(pk=connection.pk).update(
            state=CrmConnection.State.OK, consecutive_failures=0
        )
        return
    failures = connection.consecutive_failures + 1
    stopping = failures >= settings.CRM_SYNC_MAX_FAILURES
    state = CrmConnection.State.STOPPED if stopping else CrmConnection.State.FAILING
    CrmConnection.objects.filter(pk=connection.pk).update(
        state=state, consecutive_failures=failures
    )
    was_stopped = connection.state == CrmConnection.State.STOPPED
    connection.state, connection.consecutive_failures = state, failures
    if stopping and not was_stopped:
        _tell_owner(connection, run)


def _tell_owner(connection: CrmConnection, run: SyncRun) -> None:
    if connection.owner is None:
        logger.warning("CRM connection %s stopped syncing; it has no owner to tell.", connection.pk)
        return
    failures = connection.consecutive_failures
    # Written in the owner's language by notify(); run.message already is (_execute).
    notify(
        recipients=[connection.owner],
        kind=SYNC_STOPPED,
        key=f"sync-stopped:{run.pk}",
        subject=lambda: _("CRM sync stopped: %(name)s") % {"name": connection.name},
        body=lambda: (
            ngettext(
                "The CRM connection “%(name)s” failed %(count)s time in a row and no longer "
                "syncs on its schedule.\n\nThe last error: %(error)s\n\nFix it, then press "
                "“Sync now”.",
                "The CRM connection “%(name)s” failed %(count)s times in a row and no longer "
                "syncs on its schedule.\n\nThe last error: %(error)s\n\nFix it, then press "
                "“Sync now”.",
                failures,
            )
            % {"name": connection.name, "count": failures, "error": run.message}
        ),
        url=reverse("metrics:connection_detail", args=[connection.pk]),
    )


def run_sync(*, run_id: int) -> SyncRun:
    """The background part. Safe to run again (a redelivered task resumes from the cursors)."""
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().select_related("connection").get(pk=run_id)
        # RUNNING too: a worker killed mid-sync left it so; its cursors say where it got to.
        if run.status not in ACTIVE_STATUSES:
            return run
        run.status = SyncRun.Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
    return _execute(run)


def sync_now(
    *, connection: CrmConnection, kinds=(), full: bool = False, dry_run: bool = False
) -> SyncRun:
    """The `sync_crm` command: sync here and now. A dry run reads and validates every page, then
    rolls everything back (records, cursors, the run itself)."""
    if not dry_run:
        run = queue_sync_inline(connection=connection, kinds=kinds, full=full)
        return run_sync(run_id=run.pk)
    with transaction.atomic():
        run = queue_sync_inline(connection=connection, kinds=kinds, full=full)
        _execute(run, dry_run=True)
        transaction.set_rollback(True)
    return run


class SyncBusy(Exception):
    """Another sync of the connection is queued or running."""


def queue_sync_inline(*, connection: CrmConnection, kinds=(), full=False) -> SyncRun:
    """A run for the command, without sending it to the workers (it runs in this process)."""
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                connection=connection, trigger=SyncRun.Trigger.COMMAND, kinds=list(kinds), full=full
            )
    except IntegrityError:
        raise SyncBusy(
            f"A sync of “{connection.name}” is already queued or running; try again later."
        ) from None
