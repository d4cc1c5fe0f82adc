"""PostgreSQL's first import of a kind into its empty table, written as pg_restore writes.

A clean file (raw_copy.py: COPYed as it is, read and checked in SQL) whose kind's table is empty
is written by one INSERT ... SELECT straight from the raw table into the kind's table, with the
table's indexes (its primary key's too), unique constraints and foreign keys, and the foreign
keys of other tables pointing to it, dropped meanwhile and rebuilt after: each index built once
from sorted rows instead of updated row by row (the write took three to four times longer),
each foreign key checked by one join instead of a lookup per row at the commit. No staging
table, no ON CONFLICT: the table is empty, and stays so for others until the commit, by the
locks below.

Its outcome is the other paths' outcome, or nothing (the transaction rolled back, the file left
to raw_copy.stage and then the Python path, which report as always): a row SQL finds invalid,
or naming an account no account has as its external_id, makes the count differ; two rows with
one key fail the unique index's build; a table not empty once locked leaves the file to the
upsert. Its rows are the staged path's (tests/metrics/test_import_first_load.py).

Locks, until the commit: the tables the foreign keys point to (the accounts) in SHARE ROW
EXCLUSIVE mode, so no account is written meanwhile, then the kind's table in ACCESS EXCLUSIVE
mode (dropping an index takes it): a concurrent import of the same kind waits, then finds the
table not empty and upserts; readers of the table wait too (an empty table: nothing to read
until then); then the tables whose foreign keys point to it (the new customers' listings) in
ACCESS EXCLUSIVE mode. Taken in that order, the order every other writer takes them (accounts,
then their records, then what points to the records), so an import that creates accounts cannot
deadlock with this one. (A writer that held a listing's table before reading the records would
deadlock with it; PostgreSQL ends one of the two: this one's file then goes the staged way.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from . import raw_copy
from .cell_sql import Reading
from .decoding import Source
from .errors import ImportFileError
from .options import ImportOptions
from .staging import StagingTable

BUILD_MEMORY_KB = 256 * 1024  # maintenance_work_mem for the index builds, at least
BUILD_WORKERS = 2  # max_parallel_maintenance_workers for them, at least


class _NotTaken(Exception):
    """This file is the staged path's after all (the transaction is rolled back)."""


def load(source: Source, options: ImportOptions, *, note: Callable[[int], None]) -> int | None:
    """Write a clean file of a kind whose table is empty → its rows, or None when the staged
    path must take it (nothing is left behind then). `note(rows)` runs in the write's
    transaction (the import's record)."""
    if connection.vendor != "postgresql" or options.kind not in raw_copy.KINDS:
        return None
    model = options.record_kind.model
    if model.objects.exists():  # the usual case, without waiting for any lock
        return None
    try:
        plan = raw_copy.plan_file(source, options)
        with transaction.atomic():
            rows, padded = raw_copy.copy_file(source, plan)
            table = StagingTable(plan)
            rebuilt = _Rebuilt.of(table.model._meta.db_table)
            rebuilt.lock()
            if model.objects.exists():  # another import came first
                raise _NotTaken
            rebuilt.drop()
            # Dates in ISO form need no day/month order, amounts as PostgreSQL writes them no
            # regular expression: the scan that decides the orders, and the reading of every
            # form, run only when a row is not read so (another form, or an error).
            if not _wrote(Reading(plan, padded=padded, canonical=True), table, rows):
                raw_copy.decide_date_orders(plan)
                if not _wrote(Reading(plan, padded=padded), table, rows):
                    raise _NotTaken
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {raw_copy.RAW}")
            rebuilt.create()
            note(rows)
    except (_NotTaken, raw_copy.PythonPath, ImportFileError, DatabaseError):
        return None
    return rows


def _wrote(reading: Reading, table: StagingTable, rows: int) -> bool:
    """Every row of the raw table read, checked and written, or none (a savepoint)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                reading.insert_into_model_sql(raw_copy.RAW, table),
                {**reading.params, "now": timezone.now()},
            )
            if cursor.rowcount != rows:
                raise _NotTaken
    except _NotTaken:
        return False
    return True


@dataclass(frozen=True)
class _Rebuilt:
    """A table's indexes and constraints (its primary key too: an INSERT updates it row by row,
    a build sorts once), and the foreign keys of other tables that point to it, as the catalog
    defines them: dropped before the load and created again after it, identical."""

    table: str
    indexes: list[tuple[str, str]]  # (name, CREATE INDEX ...): those of no constraint
    constraints: list[tuple[str, str]]  # (name, definition): primary, unique, then foreign keys
    referenced: list[str]  # the tables its foreign keys point to
    referencing: list[tuple[str, str, str]]  # (table, name, definition): keys pointing to it

    @classmethod
    def of(cls, table: str) -> _Rebuilt:
        with connection.cursor() as cursor:
            # An index that is a constraint's is the constraint's to drop and create.
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, "
                "pg_get_constraintdef(c.oid) FROM pg_index i LEFT JOIN pg_constraint c "
                "ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
                "AND c.contype IN ('p', 'u', 'x') WHERE i.indrelid = %s::regclass "
                "ORDER BY i.indisprimary DESC, 1",
                [table],
            )
            found = cursor.fetchall()
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
                "confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
                "AND %s::regclass IN (conrelid, confrelid) ORDER BY 1, 2",
                [table],
            )
            keys = cursor.fetchall()
        own = [key for key in keys if key[0] == table]
        return cls(
            table=table,
            indexes=[
                (name, definition) for name, definition, constraint, _ in found if not constraint
            ],
            constraints=[(name, definition) for _, _, name, definition in found if name]
            + [(name, definition) for _, name, definition, _ in own],
            referenced=sorted({referenced for *_, referenced in own} - {table}),
            referencing=[key[:3] for key in keys if key[0] != table],
        )

    def lock(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for referenced in self.referenced:
                cursor.execute(f"LOCK TABLE {referenced} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"LOCK TABLE {quote(self.table)} IN ACCESS EXCLUSIVE MODE")
            # The tables pointing to it hold no row that does (it is empty): their keys are
            # dropped and added again, each checked by one join.
            for referencing in sorted({table for table, _, _ in self.referencing}):
                cursor.execute(f"LOCK TABLE {referencing} IN ACCESS EXCLUSIVE MODE")

    def drop(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, name, _ in self.referencing:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
            for name, _ in self.constraints:
                cursor.execute(f"ALTER TABLE {quote(self.table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in self.indexes:
                cursor.execute(f"DROP INDEX {name}")  # as regclass spells it: quoted if need be

    def create(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # PostgreSQL sorts an index's rows in parallel workers only with 32 MB of
            # maintenance_work_mem for each process: the default 64 MB allows one worker (at 1m
            # rows the builds took 7.1 s so, 6.0 s with two). For these builds only (SET LOCAL).
            cursor.execute(
                "SELECT set_config('maintenance_work_mem', "
                "greatest(setting::bigint, %s)::text || 'kB', true), "
                "set_config('max_parallel_maintenance_workers', "
                "greatest(current_setting('max_parallel_maintenance_workers')::int, %s)::text, "
                "true) FROM pg_settings WHERE name = 'maintenance_work_mem'",
                [BUILD_MEMORY_KB, BUILD_WORKERS],
            )
            for _, definition in self.indexes:
                cursor.execute(definition)
            for name, definition in self.constraints:
                cursor.execute(
                    f"ALTER TABLE {quote(self.table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            for table, name, definition in self.referencing:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
