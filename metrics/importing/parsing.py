"""A table in memory → its valid records and every row error (no database access); a file's
preview.

For a page of CRM records (metrics/sync): validated here row by row (rows.build_row, as a file's
rows are in staging.py), the result travels as a `Parsed` to the account lookup and the write
(writing.py). A record whose key (schema.RecordKind.key) already appeared earlier in the page is
an error on the later row ("duplicate of line N"). Files are imported by staging.py, streamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from .columns import Plan, plan_columns
from .dates import ColumnOrder
from .decoding import Table, read_table
from .errors import RowError, duplicate_of
from .options import ImportOptions
from .rows import build_row

PREVIEW_ROWS = 10


@dataclass
class Parsed:
    plan: Plan
    table: Table
    # (line, unsaved instance, account external id or "")
    valid: list[tuple[int, models.Model, str]]
    errors: list[RowError]
    rows_total: int
    invalid_lines: set[int] = field(default_factory=set)
    # References no account has, to be created with the write (options.create_accounts).
    accounts_to_create: set[str] = field(default_factory=set)
    # Records naming an account no one has yet, held back (resolve_accounts' hold_unknown).
    held: list[tuple[int, models.Model, str]] = field(default_factory=list)

    @property
    def options(self) -> ImportOptions:
        return self.plan.options

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.line)


def parse_table(table: Table, options: ImportOptions) -> Parsed:
    """Validate every record of a table: a decoded file's, or a page of CRM records (metrics/sync)."""
    plan = plan_columns(options, table)
    parsed = Parsed(plan=plan, table=table, valid=[], errors=[], rows_total=len(table.records))
    key_fields = options.record_kind.key
    key_columns = "+".join(plan.column_name(name) for name in key_fields)
    seen: dict[tuple, int] = {}
    model = options.record_kind.model
    for line, cells in table.records:
        values, account_ref, errors = build_row(plan, line, cells)
        instance = None if values is None else model(**values)
        if instance is not None:
            key = tuple(getattr(instance, name) for name in key_fields)
            if key in seen:
                errors = [
                    RowError.make(
                        line,
                        key_columns,
                        " / ".join(str(part) for part in key),
                        duplicate_of(seen[key]),
                    )
                ]
                instance = None
            else:
                seen[key] = line
        if instance is None:
            parsed.errors.extend(errors)
            parsed.invalid_lines.add(line)
        else:
            parsed.valid.append((line, instance, account_ref))
    return parsed


def preview(
    data: bytes, options: ImportOptions, *, limit: int = PREVIEW_ROWS
) -> tuple[list[str], list[dict], list[ColumnOrder]]:
    """The first rows AS MAPPED: (canonical columns, [{"line", "values", "errors"}], and how each
    date column is read: its day/month order, why, and sample values converted)."""
    table = read_table(data)
    plan = plan_columns(options, table)
    columns = list(options.record_kind.fields)
    rows = []
    for line, cells in table.records[:limit]:
        values, account_ref, errors = build_row(plan, line, cells)
        shown = {}
        if values is not None:
            for name in columns:
                value = account_ref if name == "account" else values[name]
                shown[name] = "" if value is None else str(value)
        rows.append({"line": line, "values": [shown.get(n, "") for n in columns], "errors": errors})
    return columns, rows, list(plan.date_orders.values())
