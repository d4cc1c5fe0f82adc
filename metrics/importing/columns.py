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
from decimal import Decimal
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .dates import ColumnOrder, DateTally, decide_tallied_orders, read_date
from .decoding import Table
from .errors import ImportFileError
from .options import ImportOptions
from .presets import PRESET_COLUMNS, PRESET_QUALIFIED_STATUSES, PRESET_STAGE_MAPS
from .schema import RecordKind, kind_label
from .values import DateRange, parse_money


class MissingColumns(ImportFileError):
    """The header lacks a required field's column: the file needs a mapping (proposal.py)."""

    def __init__(
        self, message: str, load_table: Callable[[], Table], *, kind: str, missing: list[str]
    ):
        super().__init__(message)
        self._load_table = load_table
        self.kind, self.missing = kind, missing  # the kind, and the fields without a column

    @cached_property
    def table(self) -> Table:
        """The whole file, read for the proposal of a mapping (a streamed import holds none)."""
        return self._load_table()


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
    _date_parsers: dict[str, Callable[[str], date]] = field(default_factory=dict, repr=False)

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

    def date_parser(self, fieldname: str) -> Callable[[str], date]:
        """A date cell → its day, in the plausible range (made once per field: run per row)."""
        parser = self._date_parsers.get(fieldname)
        if parser is None:
            read_day, check = self.date_reader(fieldname), self.dates.check
            parser = self._date_parsers[fieldname] = lambda raw: check(read_day(raw))
        return parser

    def money_parser(self, raw: str) -> Decimal:
        return parse_money(raw, decimal_comma=self.decimal_comma)


LISTED_COLUMNS = 20
LISTED_NAME_CHARS = 60


def _listing(header: list[str]) -> str:
    """The file's first column names, for a message (a file may have a thousand)."""
    names = [
        name if len(name) <= LISTED_NAME_CHARS else name[:LISTED_NAME_CHARS] + "…"
        for name in header[:LISTED_COLUMNS]
    ]
    more = len(header) - len(names)
    if not more:
        return ", ".join(names)
    return ngettext("%(names)s … and %(count)s more", "%(names)s … and %(count)s more", more) % {
        "names": ", ".join(names),
        "count": more,
    }


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
            _("Mapped column(s) not in the file: %(absent)s. The file's columns are: %(columns)s.")
            % {"absent": ", ".join(absent), "columns": _listing(header)}
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
    """The plan of a table in memory (a preview, a page of CRM records); see plan_header."""
    plan = plan_header(options, table.header, table.delimiter, lambda: table)
    tallies = DateTallies(plan)
    for line, cells in table.records:
        tallies.add(line, cells)
    tallies.decide()
    return plan


def plan_header(
    options: ImportOptions, header: list[str], delimiter: str, load_table: Callable[[], Table]
) -> Plan:
    """Which column feeds which field; the date orders are decided after every record has been
    seen (DateTallies). Raises ImportFileError when a required field (or any opportunity status
    source) is missing: MissingColumns, whose table (for a proposal) `load_table` reads."""
    columns = _find_columns(options, header)
    plan = Plan(
        options=options,
        columns=columns,
        header=header,
        decimal_comma=delimiter == ";",
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
                _(
                    "status (or a stage column with --status-from-stage, "
                    "or the Salesforce IsClosed and IsWon columns)"
                )
            )
    if options.kind == "leads":
        # The person's list replaces the preset's: they say exactly which statuses qualify.
        plan.qualified_statuses = options.status_map or PRESET_QUALIFIED_STATUSES.get(
            options.preset, {}
        )
    if missing:
        raise MissingColumns(
            _(
                "Missing required column(s) for %(kind)s: %(missing)s. The file's columns are: "
                "%(columns)s. Map a column with FIELD=COLUMN (e.g. --map external_id=Id)."
            )
            % {
                "kind": kind_label(options.kind),
                "missing": ", ".join(missing),
                "columns": _listing(header),
            },
            load_table,
            kind=options.kind,
            missing=missing,
        )
    return plan


class DateTallies:
    """Each date column's cells, seen one record at a time, then its day/month order decided
    (dates.py) and set on the plan."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.columns = {
            fieldname: (index, DateTally(plan.header[index]))
            for fieldname in plan.record_kind.date_fields
            if (index := plan.columns.get(fieldname)) is not None
        }

    def add(self, line: int, cells: list[str]) -> None:
        for index, tally in self.columns.values():
            if index < len(cells):
                tally.add(line, cells[index])

    def decide(self) -> None:
        options = self.plan.options
        self.plan._date_parsers.clear()
        self.plan.date_orders = decide_tallied_orders(
            {fieldname: tally for fieldname, (_, tally) in self.columns.items()},
            chosen=options.date_order,
            preset=options.preset,
        )
