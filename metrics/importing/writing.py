"""Valid records of a `Parsed` (a CRM sync's page) → the database: accounts looked up in batches,
then bulk upserts. (Files take staging.py's way: the same rules, set-based.)

Records are keyed (schema.RecordKind.key: external_id; spend by month+channel+category; forecasts
by period_start+period_end+recorded_on), so importing the same file again updates rows instead of
adding them. Only fields that have a column in the file are updated: a re-import without a segment
column keeps the segments already stored. The demo data (metrics/demo.py) is written the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import batched

from django.db import models

from .accounts import Unresolved, create_accounts, find_accounts
from .errors import RowError
from .parsing import Parsed
from .schema import RecordKind

BATCH_SIZE = 1000

OnBatch = Callable[[int, int], None]  # (done, total)


def resolve_accounts(
    parsed: Parsed,
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: OnBatch | None = None,
    hold_unknown: bool = False,
) -> None:
    """Point each valid record at its account (by external_id, else by a unique name: accounts.py),
    two queries per batch. An unknown account is a row error (import accounts first: Account.csv,
    then Opportunity.csv), unless the options create the missing ones with the write, or
    `hold_unknown` holds the record back in `parsed.held` (a CRM sync tries it again later).
    """
    if "account" not in parsed.plan.columns:
        return
    kept: list[tuple[int, models.Model, str]] = []
    column = parsed.plan.column_name("account")
    create = parsed.options.create_accounts
    done = 0
    for batch in batched(parsed.valid, batch_size):
        refs = {ref for _, _, ref in batch if ref}
        found = find_accounts(refs) if refs else {}
        for line, instance, ref in batch:
            account = found.get(ref) if ref else None
            if isinstance(account, Unresolved):
                if account.creatable and create:
                    parsed.accounts_to_create.add(ref)
                    account = None  # set by write() once the account exists
                elif account.creatable and hold_unknown:
                    parsed.held.append((line, instance, ref))
                    continue
                else:
                    parsed.errors.append(RowError.make(line, column, ref, account.reason))
                    parsed.invalid_lines.add(line)
                    continue
            instance.account_id = account
            kept.append((line, instance, ref))
        done += len(batch)
        if on_batch:
            on_batch(done, len(parsed.valid))
    parsed.valid = kept


def upsert(
    kind: RecordKind,
    instances: Sequence[models.Model],
    *,
    update_fields: Iterable[str] | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: OnBatch | None = None,
) -> int:
    """Insert the instances, or update the stored record with the same key; run in a transaction.

    `update_fields`: the fields to overwrite (default: every field but the key).
    """
    fields = [*(kind.updatable if update_fields is None else update_fields), "updated_at"]
    written = 0
    for batch in batched(instances, batch_size):
        kind.model.objects.bulk_create(
            batch,
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=list(kind.key),
            update_fields=fields,
        )
        written += len(batch)
        if on_batch:
            on_batch(written, len(instances))
    return written


def update_fields(parsed: Parsed) -> list[str]:
    """The fields a file's upsert overwrites: those it has a column for (status: always)."""
    plan = parsed.plan
    return [
        name
        for name in plan.record_kind.updatable
        if name in plan.columns or (name == "status" and plan.status_source)
    ]


def write(parsed: Parsed, *, batch_size: int = BATCH_SIZE, on_batch: OnBatch | None = None) -> int:
    """Upsert a parsed file's valid records in batches; run inside the caller's transaction.

    The accounts to create (resolve_accounts) are created first and the records pointed at them.
    """
    if parsed.accounts_to_create:
        created = create_accounts(parsed.accounts_to_create)
        for _, instance, ref in parsed.valid:
            if ref in created:
                instance.account_id = created[ref]
    return upsert(
        parsed.plan.record_kind,
        [instance for _, instance, _ in parsed.valid],
        update_fields=update_fields(parsed),
        batch_size=batch_size,
        on_batch=on_batch,
    )
