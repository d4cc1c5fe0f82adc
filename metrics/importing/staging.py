"""A file imported at the database's pace: streamed, validated in chunks, staged, upserted once.

The file is read twice and never held whole (decoding.scan, decoding.records). Each chunk of
CHUNK_ROWS records is validated in Python (rows.build_row: the same rules as a preview or a CRM
sync) and its valid rows are loaded into a temporary staging table: with COPY on PostgreSQL,
with one executemany on SQLite. Then set-based SQL, the same on both: rows repeating an earlier
row's key are errors ("duplicate of line N"), account references are resolved by a join (the
few that name no external_id are looked up by name: accounts.py), and one
INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE writes every row, in one transaction with
the accounts it creates (services.import_records): all or nothing. Staging happens before that
transaction, so a portal job's progress is seen meanwhile; the staging tables are temporary
(this connection's only) and dropped after, or before the next import on the connection.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import batched, chain, islice
from operator import itemgetter

from django.db import connection, models
from django.utils import timezone

from metrics.models import Account

from .accounts import Unresolved, create_accounts, find_accounts
from .columns import DateTallies, Plan, plan_header
from .decoding import Scanned, Source, read_table, records, scan
from .errors import RowError, duplicate_of
from .options import ImportOptions
from .reasons import Reason
from .rows import build_row

CHUNK_ROWS = 10_000
COPY_READ = 1 << 16  # characters sent to the server at a time
COPY_CHUNKS = 10  # chunks per COPY statement (progress is reported between statements)
STAGING = "metrics_import_staging"
REFS = "metrics_import_account_refs"  # account references resolved by name, or not at all

OnRows = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass
class Staged:
    """A validated, staged file: its row errors, and what writing it takes."""

    table: StagingTable
    rows_total: int
    rows_valid: int
    errors: list[RowError]
    accounts_to_create: list[str] = field(default_factory=list)  # with options.create_accounts

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda error: error.line)

    def write(self) -> int:
        """Create the accounts to create, then upsert every staged row. → rows written."""
        if self.accounts_to_create:
            create_accounts(self.accounts_to_create)
        self.table.upsert()
        return self.rows_valid

    def drop(self) -> None:
        self.table.drop()


@dataclass(frozen=True)
class ScannedFile:
    """A file after the first pass: readable, its columns planned, its date orders decided."""

    source: Source
    plan: Plan
    scanned: Scanned


def scan_file(source: Source, options: ImportOptions) -> ScannedFile:
    """The first pass, without the database: raises ImportFileError for a file that cannot be
    imported at all (unreadable, empty, missing columns)."""
    planned: dict[str, object] = {}

    def on_header(header: list[str], delimiter: str):
        plan = plan_header(options, header, delimiter, lambda: read_table(_whole(source)))
        planned["plan"], planned["tallies"] = plan, DateTallies(plan)
        return planned["tallies"].add

    scanned = scan(source, on_header)
    planned["tallies"].decide()
    return ScannedFile(source=source, plan=planned["plan"], scanned=scanned)


def stage(
    file: ScannedFile, *, chunk_rows: int = CHUNK_ROWS, on_rows: OnRows | None = None
) -> Staged:
    """Validate and stage a scanned file; run inside a transaction (see the module's docstring)."""
    plan, scanned, source = file.plan, file.scanned, file.source
    table = StagingTable(plan)
    table.create()
    errors: list[RowError] = []
    counts = {"staged": 0, "done": 0}

    def valid_chunks() -> Iterator[list[list]]:
        for chunk in batched(records(source, scanned), chunk_rows):
            valid = []
            for line, cells in chunk:
                values, account_ref, row_errors = build_row(plan, line, cells)
                if values is None:
                    errors.extend(row_errors)
                else:
                    valid.append(table.row(line, values, account_ref))
            counts["staged"] += len(valid)
            counts["done"] += len(chunk)
            yield valid

    def loaded() -> None:
        if on_rows:
            on_rows(counts["done"], scanned.rows)

    table.load(valid_chunks(), loaded)
    staged = counts["staged"]
    duplicates = table.remove_duplicates()
    refused, to_create = table.resolve_accounts()
    errors += duplicates + refused
    return Staged(
        table=table,
        rows_total=scanned.rows,
        rows_valid=staged - len(duplicates) - len(refused),
        errors=errors,
        accounts_to_create=to_create,
    )


def _whole(source: Source) -> bytes:
    with source() as handle:
        return handle.read()


def _db_value(value):
    """A value as SQLite's staging load takes it: text its column's type reads (COPY's CSV
    writer makes the same text of dates and amounts)."""
    if isinstance(value, date | Decimal):
        return str(value)
    return value


class _CsvStream:
    """Chunks of rows as a file COPY reads: CSV, NULL unquoted (None), every other value quoted
    (so an empty text is an empty text); dates and amounts as their str()."""

    def __init__(self, chunks: Iterable[list[list]]):
        self._chunks = iter(chunks)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, quoting=csv.QUOTE_NOTNULL)
        self._text, self._offset = "", 0

    def read(self, size: int = COPY_READ) -> str:
        while self._offset >= len(self._text):
            rows = next(self._chunks, None)
            if rows is None:
                return ""
            self._buffer.seek(0)
            self._buffer.truncate()
            self._writer.writerows(rows)
            self._text, self._offset = self._buffer.getvalue(), 0
        start = self._offset
        self._offset += size if size >= 0 else len(self._text)
        return self._text[start : self._offset]


class StagingTable:
    """The temporary table a file's valid rows are loaded into, and the SQL over it."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.kind = plan.record_kind
        self.model: type[models.Model] = self.kind.model
        self.fields = [
            self.model._meta.get_field(name) for name in self.kind.fields if name != "account"
        ]
        self.has_account = "account" in self.kind.fields
        # Accounts carry match keys derived from name and website (Account.match_keys).
        self.match_keys = list(Account.MATCH_KEYS.values()) if self.model is Account else []
        self.columns = ["line", *(f.column for f in self.fields), *self.match_keys]
        if self.has_account:
            self.columns.append("account_ref")
        self.refs_created = False
        names = [f.name for f in self.fields]
        self._values = itemgetter(*names) if len(names) > 1 else lambda values: (values[names[0]],)

    def _quoted(self, names) -> str:
        return ", ".join(connection.ops.quote_name(name) for name in names)

    def create(self) -> None:
        types = [
            "integer",
            *(f.db_type(connection) for f in self.fields),
            *("varchar(255)" for _ in self.match_keys),
        ]
        if self.has_account:
            types.append("text")
        columns = ", ".join(
            f"{connection.ops.quote_name(name)} {kind}"
            for name, kind in zip(self.columns, types, strict=True)
        )
        with connection.cursor() as cursor:
            # One left by an import that failed on this connection goes first.
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGING} ({columns})")

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {STAGING}")
            if self.refs_created:
                cursor.execute(f"DROP TABLE {REFS}")

    def row(self, line: int, values: dict, account_ref: str) -> list:
        row = [line, *self._values(values)]
        if self.match_keys:
            row += Account.match_keys(values["name"], values["website"])
        if self.has_account:
            row.append(account_ref)
        return row

    def load(self, chunks: Iterable[list[list]], loaded: Callable[[], None]) -> None:
        """Load chunks of rows as they come (validated meanwhile: a file is never held);
        `loaded()` after each statement (a job's progress is written between them)."""
        columns = self._quoted(self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # A COPY per COPY_CHUNKS chunks, fed chunk by chunk: the server parses and
                # stores each while the next is validated here.
                remaining = iter(chunks)
                for first in remaining:
                    cursor.copy_expert(
                        f"COPY {STAGING} ({columns}) FROM STDIN WITH (FORMAT csv)",
                        _CsvStream(chain([first], islice(remaining, COPY_CHUNKS - 1))),
                        COPY_READ,
                    )
                    loaded()
                return
            marks = ", ".join(["%s"] * len(self.columns))
            for rows in chunks:
                if rows:
                    cursor.executemany(
                        f"INSERT INTO {STAGING} ({columns}) VALUES ({marks})",
                        [[_db_value(value) for value in row] for row in rows],
                    )
                loaded()

    def _key_columns(self) -> str:
        return self._quoted(self.model._meta.get_field(name).column for name in self.kind.key)

    def has_duplicates(self) -> bool:
        """Whether two staged rows have the same key (one aggregate; remove_duplicates says
        which)."""
        keys = self._key_columns()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT EXISTS (SELECT FROM {STAGING} GROUP BY {keys} HAVING COUNT(*) > 1)"
            )
            return cursor.fetchone()[0]

    def remove_duplicates(self) -> list[RowError]:
        """A row whose key an earlier row of the file has is an error, and is not written."""
        key = [self.model._meta.get_field(name).column for name in self.kind.key]
        on = " AND ".join(f"s.{name} = d.{name}" for name in self._quoted_list(key))
        keys = self._quoted(key)
        repeated = (
            f"FROM {STAGING} s JOIN (SELECT {keys}, MIN(line) AS first_line FROM {STAGING} "
            f"GROUP BY {keys} HAVING COUNT(*) > 1) d ON {on} WHERE s.line > d.first_line"
        )
        key_parts = ", ".join(f"s.{name}" for name in self._quoted_list(key))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT s.line, d.first_line, {key_parts} {repeated}")
            found = cursor.fetchall()
            if found:
                cursor.execute(f"DELETE FROM {STAGING} WHERE line IN (SELECT s.line {repeated})")
        column = "+".join(self.plan.column_name(name) for name in self.kind.key)
        return [
            RowError.make(
                line,
                column,
                " / ".join(str(part) for part in parts),
                duplicate_of(first_line),
            )
            for line, first_line, *parts in found
        ]

    def _quoted_list(self, names) -> list[str]:
        return [connection.ops.quote_name(name) for name in names]

    def _unknown_refs(self) -> list[str]:
        """The account references no account has as its external_id (one join)."""
        account = connection.ops.quote_name(Account._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT s.account_ref FROM {STAGING} s LEFT JOIN {account} a "
                "ON a.external_id = s.account_ref WHERE s.account_ref <> '' AND a.id IS NULL"
            )
            return [ref for (ref,) in cursor.fetchall()]

    def resolve_accounts(self) -> tuple[list[RowError], list[str]]:
        """Rows naming an account that none is (accounts.py) → (row errors, removed from the
        staging table; the references to create, with options.create_accounts)."""
        if not self.has_account or "account" not in self.plan.columns:
            return [], []
        unknown = self._unknown_refs()
        if not unknown:
            return [], []
        create = self.plan.options.create_accounts
        # (ref, account id, the reason as JSON: reasons.Reason.as_json)
        resolved: list[tuple[str, int | None, str | None]] = []
        to_create = []
        for batch in batched(sorted(unknown), 1000):
            for ref, account in find_accounts(set(batch)).items():
                if not isinstance(account, Unresolved):
                    resolved.append((ref, account, None))
                elif account.creatable and create:
                    to_create.append(ref)
                else:
                    resolved.append((ref, None, json.dumps(account.reason.as_json())))
        self._store_refs(resolved)
        with connection.cursor() as cursor:
            refused = f"SELECT ref FROM {REFS} WHERE reason IS NOT NULL"
            cursor.execute(
                f"SELECT s.line, s.account_ref, r.reason FROM {STAGING} s JOIN {REFS} r "
                "ON r.ref = s.account_ref WHERE r.reason IS NOT NULL"
            )
            found = cursor.fetchall()
            if found:
                cursor.execute(f"DELETE FROM {STAGING} WHERE account_ref IN ({refused})")
        column = self.plan.column_name("account")
        errors = [
            RowError.make(line, column, ref, Reason.from_json(json.loads(reason)))
            for line, ref, reason in found
        ]
        return errors, sorted(to_create)

    def _store_refs(self, resolved: list[tuple[str, int | None, str | None]]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {REFS}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {REFS} (ref text, account_id integer, reason text)"
            )
            self.refs_created = True
            if resolved:
                cursor.executemany(f"INSERT INTO {REFS} VALUES (%s, %s, %s)", resolved)

    def update_fields(self) -> list[str]:
        """The fields a file's upsert overwrites: those it has a column for (status: always)."""
        plan = self.plan
        return [
            name
            for name in self.kind.updatable
            if name in plan.columns or (name == "status" and plan.status_source)
        ]

    def upsert(self) -> None:
        """Insert every staged row, or update the stored record with the same key."""
        quote = connection.ops.quote_name
        targets = [*(f.column for f in self.fields), *self.match_keys]
        sources = [f"s.{quote(name)}" for name in targets]
        joins = ""
        if self.has_account:
            account = quote(Account._meta.db_table)
            targets.append(self.model._meta.get_field("account").column)
            sources.append("COALESCE(a.id, r.account_id)" if self.refs_created else "a.id")
            joins = f" LEFT JOIN {account} a ON a.external_id = s.account_ref"
            if self.refs_created:
                joins += f" LEFT JOIN {REFS} r ON r.ref = s.account_ref"
        targets.append("updated_at")
        sources.append("%s")
        update = [self.model._meta.get_field(name).column for name in self.update_fields()]
        if self.match_keys:
            update += [key for source, key in Account.MATCH_KEYS.items() if source in update]
        table = quote(self.model._meta.db_table)
        # A stored record the file does not change is left alone: no new row version, and its
        # updated_at keeps saying when it last changed.
        distinct = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
        changed = " OR ".join(
            f"{table}.{quote(name)} {distinct} EXCLUDED.{quote(name)}" for name in update
        )
        update.append("updated_at")
        key = self._quoted(self.model._meta.get_field(name).column for name in self.kind.key)
        assignments = ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in update)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({self._quoted(targets)}) "
                f"SELECT {', '.join(sources)} FROM {STAGING} s{joins} "
                # WHERE true: SQLite's parser needs it before ON CONFLICT after a SELECT.
                f"WHERE true ON CONFLICT ({key}) DO UPDATE SET {assignments}"
                + (f" WHERE {changed}" if changed else ""),
                [now],
            )
