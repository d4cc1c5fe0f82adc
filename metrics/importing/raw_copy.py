"""PostgreSQL's path for a clean file: the file COPYed as it is, then read and checked in SQL.

The Python path (staging.stage) parses every record twice and reads each cell with a function
of its own: ~16 µs a row, many times the COPY of the same file. Here the file's bytes go to
PostgreSQL untouched (COPY ... FORMAT csv into a temporary table of text columns), and one
INSERT ... SELECT (cell_sql.py) reads every cell and checks every rule of the Python path
set-based into the same staging table (staging.StagingTable); duplicates and account
references are the same SQL as the Python path's. Its outcome is the Python path's outcome, or nothing:

- Only what this path reads exactly as the Python path does is taken: UTF-8 (with or without
  BOM), comma-separated, quotes only where a CSV writer puts them (a field that starts and ends
  with one, doubled inside), no blank line; opportunities, subscriptions and leads (the kinds
  that come by the hundred thousand; accounts, spend, forecasts and teams are small).
  A date is YYYY-MM-DD or day and month as numbers (D/M/YY, DD.MM.YYYY ...) without a time; an
  amount digits with up to two decimals; a choice in ASCII. Any other file, cell or form is
  not refused here: it goes to the Python path, which reads it (or reports it) as always.
- Any row SQL finds invalid (a rule broken, a duplicate, an unknown account) sends the whole
  file to the Python path too, which reports every row's errors with their lines: the error
  report is that path's, exactly. Invalid files are the rare case; they pay both paths.

One definition of each rule: the field rules (lengths, choices, required) are read from
rows.FieldRules, the day/month order of a date column is decided by dates.decide_tallied_orders
from what SQL counts in its cells, the type and stage maps are the Python path's dicts, and the
way a cell is read (dates, amounts, choices) is proven equal to the Python readers by
tests/metrics/test_import_raw_copy.py on every form this path takes.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable
from typing import NamedTuple

from django.db import DatabaseError, connection, transaction

from .cell_sql import ISO_DAY, NUMERIC_DAY, WHITESPACE, Reading, cell
from .columns import Plan, plan_header
from .dates import DMY, MDY, DateTally, decide_tallied_orders
from .decoding import Source, _check_header, sniff_delimiter
from .errors import ImportFileError
from .options import ImportOptions
from .staging import Staged, StagingTable

RAW = "metrics_import_raw"
KINDS = ("opportunities", "subscriptions", "leads")
COPY_BLOCK = 1 << 20  # bytes sent to the server at a time
MAX_HEADER_BYTES = 1 << 20
MAX_PENDING_BYTES = 64 << 20  # a quoted cell longer than this: the Python path
# A field as a CSV writer quotes it: a quote at its start and end, doubled inside. Python's csv
# module and PostgreSQL read such fields alike; they differ on a quote anywhere else.
_REGULAR_QUOTED = re.compile(rb'(?<![^,\n])"[^"]*(?:""[^"]*)*"(?![^,\r\n])')
OnRows = Callable[[int, int], None]


# What str.strip() strips in ASCII but line ends, as spaces, and cells' bounds (delimiters,
# quotes, line ends) as commas: `,"` is `,,`.
_SPACES = bytes(code for code in range(128) if chr(code) in WHITESPACE and code not in b"\r\n")
_BOUNDS = bytes.maketrans(b',"\r\n' + _SPACES, b",,,," + b" " * len(_SPACES))
_LINE_ENDS = bytes.maketrans(b"\r", b"\n")


def _padded(lines: bytes) -> bool:
    """Whether a cell of these whole lines may start or end with a character str.strip()
    strips: never False when one does (True also for some that do not, such as "Acme, Inc",
    and for any text not in ASCII). A file with none is read without stripping
    (cell_sql.Reading)."""
    if not lines.isascii() or lines.count(b"\r") != lines.count(b"\r\n"):
        return True  # (a carriage return alone: a line end, or a cell's)
    if b'"' in lines:  # a quoted cell starting or ending with a line end
        ends = lines.translate(_LINE_ENDS)
        if b',"\n' in ends or b'\n"\n' in ends or b'\n",' in ends or ends.startswith(b'"\n'):
            return True
        if ends.endswith(b'\n"'):
            return True
    bounded = lines.translate(_BOUNDS)
    return b", " in bounded or b" ," in bounded or bounded[:1] == b" " or bounded[-1:] == b" "


class PythonPath(Exception):
    """This file is the Python path's (what this path does not read, or a row in error)."""


def stage(source: Source, options: ImportOptions, on_rows: OnRows | None = None) -> Staged | None:
    """The file staged by COPY and checked in SQL, every row valid; None when the Python path
    must take it (see the module's docstring). Nothing is left behind then."""
    if connection.vendor != "postgresql" or options.kind not in KINDS:
        return None
    try:
        plan = plan_file(source, options)
        with transaction.atomic():  # a savepoint: a COPY refused or a fallback leaves nothing
            staged = _stage(source, plan)
    except (PythonPath, ImportFileError, DatabaseError):
        return None
    if on_rows:
        on_rows(staged.rows_total, staged.rows_total)
    return staged


def plan_file(source: Source, options: ImportOptions) -> Plan:
    """The file's plan, when this path can take it; raises PythonPath (or ImportFileError)."""
    header = _header(source)
    plan = plan_header(options, header, ",", _no_table)
    if options.kind == "opportunities" and plan.status_source not in ("status", "stage", "flags"):
        raise PythonPath
    return plan


def _no_table():
    raise PythonPath  # a header missing columns: the Python path proposes a mapping


def _header(source: Source) -> list[str]:
    """The first line's cells, as decoding.scan reads them, when this path can take the file."""
    with source() as handle:
        start = handle.read(MAX_HEADER_BYTES)
    end = start.find(b"\n")
    line = start[: end if end >= 0 else len(start)]
    if start[:2] in (b"\xff\xfe", b"\xfe\xff") or end < 0 or line.count(b'"') % 2:
        raise PythonPath
    try:
        text = line.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        raise PythonPath from None
    if not text.strip() or sniff_delimiter(text) != ",":
        raise PythonPath
    try:
        [cells] = list(csv.reader([text], strict=True))
    except csv.Error:  # the Python path says where
        raise PythonPath from None
    header = [cell.strip().lstrip("\ufeff") for cell in cells]
    _check_header(header)
    return header


class _CheckedFile:
    """The file's bytes for COPY, untouched, checked on the way for what PostgreSQL's CSV reader
    reads otherwise than Python's: a quote out of place, an end-of-data line (backslash, dot).
    On the first such thing the stream ends early and `irregular` says so. `padded`: whether a
    cell may start or end with a space (_padded)."""

    def __init__(self, handle):
        self.handle = handle
        self.pending = b""  # read, not yet checked: from a line start outside quotes
        self.irregular = False
        self.done = False
        self.first = True
        self.padded = False

    def read(self, size: int = COPY_BLOCK) -> bytes:
        if self.done:
            return b""
        block = self.handle.read(COPY_BLOCK)
        # A BOM is no cell's (decoding._without_bom): a quoted first name follows it.
        self.pending += block.removeprefix(codecs.BOM_UTF8) if self.first else block
        self.first = False
        if not block:
            self.done = True
            self._check(len(self.pending))
        else:
            self._check(self._cut())
        if self.irregular:
            self.done = True
            return b""
        return block

    def _cut(self) -> int:
        """The end of the last complete line that ends outside quotes (0: none yet)."""
        end = self.pending.rfind(b"\n")
        while end >= 0 and self.pending.count(b'"', 0, end) % 2:
            end = self.pending.rfind(b"\n", 0, end)
        if end < 0 and len(self.pending) > MAX_PENDING_BYTES:
            self.irregular = True
        return end + 1

    def _check(self, cut: int) -> None:
        checked, self.pending = self.pending[:cut], self.pending[cut:]
        if checked.startswith(b"\\.") or b"\n\\." in checked:
            self.irregular = True
        elif b'"' in checked and b'"' in _REGULAR_QUOTED.sub(b"", checked):
            self.irregular = True
        self.padded = self.padded or _padded(checked)


class Copied(NamedTuple):
    rows: int
    padded: bool  # a cell may start or end with a space: rows are stripped (cell_sql.Reading)


def copy_file(source: Source, plan: Plan) -> Copied:
    """The file COPYed as it is into the raw table (dropped at the commit). Raises PythonPath
    for a file this path does not read as Python does."""
    columns = [f"c{index}" for index in range(len(plan.header))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TABLE IF EXISTS {RAW}; "
            f"CREATE TEMPORARY TABLE {RAW} ({', '.join(f'{name} text' for name in columns)}) "
            "ON COMMIT DROP"  # with the savepoint's transaction (stage)
        )
        with source() as handle, connection.wrap_database_errors:
            checked = _CheckedFile(handle)
            cursor.copy_expert(
                f"COPY {RAW} FROM STDIN WITH (FORMAT csv, HEADER true, FREEZE true, "
                f"FORCE_NOT_NULL ({', '.join(columns)}))",
                checked,
                COPY_BLOCK,
            )
        rows = cursor.rowcount
    if checked.irregular or rows <= 0:
        raise PythonPath
    return Copied(rows, checked.padded)


def _stage(source: Source, plan: Plan) -> Staged:
    rows, padded = copy_file(source, plan)
    decide_date_orders(plan)
    table = StagingTable(plan)
    table.create()
    reading = Reading(plan, padded=padded)
    with connection.cursor() as cursor:
        cursor.execute(reading.insert_sql(RAW, table), reading.params)
        valid = cursor.rowcount
    if valid != rows or table.has_duplicates():
        raise PythonPath
    refused, to_create = table.resolve_accounts()
    if refused:
        raise PythonPath
    return Staged(
        table=table, rows_total=rows, rows_valid=rows, errors=[], accounts_to_create=to_create
    )


def decide_date_orders(plan: Plan) -> None:
    """Each date column's day/month order, decided as the Python path decides it
    (dates.decide_tallied_orders) from what SQL counts in all its cells of the raw table
    (dates.DateTally.add: a cell D/M/Y with the first number over 12 says day first, ...). A
    column mixing the orders has row errors: raises PythonPath."""
    dated = [name for name in plan.record_kind.date_fields if name in plan.columns]
    found = []
    if dated:
        matches = []
        for name in dated:
            match = f"regexp_match(btrim({cell(plan, name)}, %(ws)s), %(numeric)s)"
            # ISO cells, most of a large file, skip the regular expression (its match is NULL).
            matches.append(f"CASE WHEN {cell(plan, name)} !~ %(iso)s THEN {match} END")
        sums = [
            f"coalesce(bool_or(m{i} IS NOT NULL), false), coalesce(bool_or(m{i}[2] = '.'), "
            f"false), coalesce(bool_or(m{i}[1]::int > 12 AND m{i}[3]::int <= 12), false), "
            f"coalesce(bool_or(m{i}[3]::int > 12 AND m{i}[1]::int <= 12), false)"
            for i in range(len(matches))
        ]
        cells = ", ".join(f"{sql} AS m{i}" for i, sql in enumerate(matches))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(sums)} "
                # OFFSET 0: each cell matched once, not once per aggregate that reads it
                f"FROM (SELECT {cells} FROM {RAW} OFFSET 0) cells",
                {"ws": WHITESPACE, "numeric": NUMERIC_DAY, "iso": ISO_DAY},
            )
            found = cursor.fetchone()
    tallies = {}
    for i, name in enumerate(dated):
        day_month, dotted, day_first, month_first = found[4 * i : 4 * i + 4]
        tally = DateTally(plan.column_name(name), dotted=dotted, day_month=day_month)
        # Which line first showed the order only words the preview's "why": not read here.
        if day_first:
            tally.lines[DMY] = (0, "")
        if month_first:
            tally.lines[MDY] = (0, "")
        tallies[name] = tally
    plan._date_parsers.clear()
    plan.date_orders = decide_tallied_orders(
        tallies, chosen=plan.options.date_order, preset=plan.options.preset
    )
    if any(column.mixing for column in plan.date_orders.values()):
        raise PythonPath
