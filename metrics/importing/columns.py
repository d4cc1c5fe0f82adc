"""Which column of a file feeds which canonical field, and where an opportunity's status comes from.

The preset's candidate names are tried first, then the canonical name; a mapping (FIELD=COLUMN)
overrides both. A required field without a column, or a mapped column that is not in the file,
is a file error. Each date column's day/month order is decided here, from all its cells
(dates.py). Opportunity status comes from, in this order: a `status` column; the `stage`
column through the given stage→status map; the Salesforce IsClosed/IsWon flags; the stage
through the preset's stage map (HubSpot's default pipeline).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from .dates import ColumnOrder, decide_orders, read_date
from .decoding import Table
from .errors import ImportFileError
from .options import ImportOptions
from .presets import PRESET_COLUMNS, PRESET_QUALIFIED_STATUSES, PRESET_STAGE_MAPS
from .schema import RecordKind
from .values import DateRange


class MissingColumns(ImportFileError):
    """The header lacks a required field's column: the file needs a mapping (proposal.py)."""

    def __init__(self, message: str, table: Table):
        super().__init__(message)
        self.table = table


@dataclass
class Plan:
    options: ImportOptions
    columns: dict[str, int]  # field → index of its column in the header
    header: list[str]
    decimal_comma: bool
    dates: DateRange  # dates outside it are row errors
    status_source: str | None = None  # "status", "stage" or "flags" (opportunities)
    stage_map: dict[str, str] = field(default_factory=dict)
    qualified_statuses: dict[str, str] = field(default_factory=dict)  # leads: status → qualified
    date_orders: dict[str, ColumnOrder] = field(default_factory=dict)  # date field → its column's

    @property
    def kind(self) -> str:
        return self.options.kind

    @property
    def record_kind(self) -> RecordKind:
        return self.options.record_kind

    def column_name(self, fieldname: str) -> str:
        index = self.columns.get(fieldname)
        return self.header[index] if index is not None else fieldname

    def date_reader(self, fieldname: str) -> Callable[[str], date]:
        column = self.date_orders.get(fieldname)
        return column.read if column else read_date


LISTED_COLUMNS = 20
LISTED_NAME_CHARS = 60


def _listing(header: list[str]) -> str:
    """The file's first column names, for a message (a file may have a thousand)."""
    names = [
        name if len(name) <= LISTED_NAME_CHARS else name[:LISTED_NAME_CHARS] + "…"
        for name in header[:LISTED_COLUMNS]
    ]
    more = len(header) - len(names)
    return ", ".join(names) + (f" … and {more} more" if more else "")


def _find_columns(options: ImportOptions, header: list[str]) -> dict[str, int]:
    lookup: dict[str, int] = {}
    for index, name in enumerate(header):
        lookup.setdefault(name.casefold(), index)
    columns: dict[str, int] = {}
    absent = []
    for fieldname, column in options.mapping.items():
        index = lookup.get(column.casefold())
        if index is None:
            absent.append(f"{fieldname}={column}")
        else:
            columns[fieldname] = index
    if absent:
        raise ImportFileError(
            f"Mapped column(s) not in the file: {', '.join(absent)}. "
            f"The file's columns are: {_listing(header)}."
        )
    preset_columns = PRESET_COLUMNS.get(options.preset, {}).get(options.kind, {})
    for fieldname in options.record_kind.columns:
        if fieldname in columns:
            continue
        for candidate in [*preset_columns.get(fieldname, []), fieldname]:
            index = lookup.get(candidate.casefold())
            if index is not None:
                columns[fieldname] = index
                break
    return columns


def plan_columns(options: ImportOptions, table: Table) -> Plan:
    """Raises ImportFileError when a required field (or any opportunity status source) is missing."""
    columns = _find_columns(options, table.header)
    plan = Plan(
        options=options,
        columns=columns,
        header=table.header,
        decimal_comma=table.delimiter == ";",
        dates=DateRange.plausible(),
    )
    missing = [name for name in options.record_kind.required if name not in columns]
    if options.kind == "opportunities":
        stage_map = {**PRESET_STAGE_MAPS.get(options.preset, {}), **options.status_map}
        if "status" in columns:
            plan.status_source = "status"
        elif options.status_map and "stage" in columns:
            plan.status_source, plan.stage_map = "stage", stage_map
        elif "is_closed" in columns and "is_won" in columns:
            plan.status_source = "flags"
        elif stage_map and "stage" in columns:
            plan.status_source, plan.stage_map = "stage", stage_map
        else:
            missing.append(
                "status (or a stage column with --status-from-stage, "
                "or the Salesforce IsClosed and IsWon columns)"
            )
    if options.kind == "leads":
        # The person's list replaces the preset's: they say exactly which statuses qualify.
        plan.qualified_statuses = options.status_map or PRESET_QUALIFIED_STATUSES.get(
            options.preset, {}
        )
    if missing:
        raise MissingColumns(
            f"Missing required column(s) for {options.kind}: {', '.join(missing)}. "
            f"The file's columns are: {_listing(table.header)}. "
            "Map a column with FIELD=COLUMN (e.g. --map external_id=Id).",
            table,
        )
    plan.date_orders = _date_orders(plan, table)
    return plan


def _date_orders(plan: Plan, table: Table) -> dict[str, ColumnOrder]:
    """Each date column's day/month order, decided from all of its cells (dates.py)."""
    columns = {}
    for fieldname in plan.record_kind.date_fields:
        index = plan.columns.get(fieldname)
        if index is not None:
            cells = [(line, cells[index]) for line, cells in table.records if index < len(cells)]
            columns[fieldname] = (plan.header[index], cells)
    return decide_orders(columns, chosen=plan.options.date_order, preset=plan.options.preset)
