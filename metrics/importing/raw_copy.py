"""PostgreSQL's path for a clean file: the file COPYed as it is, then read and checked in SQL.

The Python path (staging.stage) parses every record twice and reads each cell with a function
of its own: ~16 µs a row, many times the COPY of the same file. Here the file's bytes go to
PostgreSQL untouched (COPY ... FORMAT csv into a temporary table of text columns), and one
INSERT ... SELECT reads every cell and checks every rule of the Python path set-based into the
same staging table (staging.StagingTable); duplicates and account references are the same SQL
as the Python path's. Its outcome is the Python path's outcome, or nothing:

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
import json
import re
import sys
from collections.abc import Callable

from django.db import DatabaseError, connection, models, transaction

from .columns import Plan, plan_header
from .dates import DMY, MDY, TWO_DIGIT_YEAR_PIVOT, DateTally, decide_tallied_orders
from .decoding import Source, _check_header, sniff_delimiter
from .errors import ImportFileError
from .options import ImportOptions
from .presets import OPPORTUNITY_TYPES
from .rows import MAX_CELL_CHARS, field_rules
from .schema import QUALIFIED, STATUSES
from .staging import STAGING, Staged, StagingTable
from .values import BOOLEAN_VALUES, MONEY_WHOLE_DIGITS

RAW = "metrics_import_raw"
KINDS = ("opportunities", "subscriptions", "leads")
COPY_BLOCK = 1 << 20  # bytes sent to the server at a time
MAX_HEADER_BYTES = 1 << 20
MAX_PENDING_BYTES = 64 << 20  # a quoted cell longer than this: the Python path
# What str.strip() strips, so that SQL's btrim strips the same.
WHITESPACE = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
# A field as a CSV writer quotes it: a quote at its start and end, doubled inside. Python's csv
# module and PostgreSQL read such fields alike; they differ on a quote anywhere else.
_REGULAR_QUOTED = re.compile(rb'(?<![^,\n])"[^"]*(?:""[^"]*)*"(?![^,\r\n])')
# A row with a cell that starts or ends with one of them (cells joined by \x01, which a cell
# holding one only makes look padded: stripped for nothing).
PADDED = f"(^|\x01)[{WHITESPACE}]|[{WHITESPACE}](\x01|$)"
ISO_DAY = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NUMERIC_DAY = r"^([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})$"
PLAIN_AMOUNT = r"^[0-9]+(\.[0-9]{1,2})?$"

OnRows = Callable[[int, int], None]


class _PythonPath(Exception):
    """This file is the Python path's (what this path does not read, or a row in error)."""


def stage(source: Source, options: ImportOptions, on_rows: OnRows | None = None) -> Staged | None:
    """The file staged by COPY and checked in SQL, every row valid; None when the Python path
    must take it (see the module's docstring). Nothing is left behind then."""
    if connection.vendor != "postgresql" or options.kind not in KINDS:
        return None
    try:
        plan = _plan(source, options)
        with transaction.atomic():  # a savepoint: a COPY refused or a fallback leaves nothing
            staged = _stage(source, plan)
    except (_PythonPath, ImportFileError, DatabaseError):
        return None
    if on_rows:
        on_rows(staged.rows_total, staged.rows_total)
    return staged


def _plan(source: Source, options: ImportOptions) -> Plan:
    header = _header(source)
    plan = plan_header(options, header, ",", _no_table)
    if options.kind == "opportunities" and plan.status_source not in ("status", "stage", "flags"):
        raise _PythonPath
    return plan


def _no_table():
    raise _PythonPath  # a header missing columns: the Python path proposes a mapping


def _header(source: Source) -> list[str]:
    """The first line's cells, as decoding.scan reads them, when this path can take the file."""
    with source() as handle:
        start = handle.read(MAX_HEADER_BYTES)
    end = start.find(b"\n")
    line = start[: end if end >= 0 else len(start)]
    if start[:2] in (b"\xff\xfe", b"\xfe\xff") or end < 0 or line.count(b'"') % 2:
        raise _PythonPath
    try:
        text = line.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        raise _PythonPath from None
    if not text.strip() or sniff_delimiter(text) != ",":
        raise _PythonPath
    try:
        [cells] = list(csv.reader([text], strict=True))
    except csv.Error:  # the Python path says where
        raise _PythonPath from None
    header = [cell.strip().lstrip("\ufeff") for cell in cells]
    _check_header(header)
    return header


class _CheckedFile:
    """The file's bytes for COPY, untouched, checked on the way for what PostgreSQL's CSV reader
    reads otherwise than Python's: a quote out of place, an end-of-data line (backslash, dot).
    On the first such thing the stream ends early and `irregular` says so."""

    def __init__(self, handle):
        self.handle = handle
        self.pending = b""  # read, not yet checked: from a line start outside quotes
        self.irregular = False
        self.done = False
        self.first = True

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


def _stage(source: Source, plan: Plan) -> Staged:
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
    if checked.irregular:
        raise _PythonPath
    rows = _decide_date_orders(plan)
    if not rows:
        raise _PythonPath
    table = StagingTable(plan)
    table.create()
    reading = _Reading(plan)
    with connection.cursor() as cursor:
        cursor.execute(reading.insert_sql(table), reading.params)
        valid = cursor.rowcount
    if valid != rows or table.has_duplicates():
        raise _PythonPath
    refused, to_create = table.resolve_accounts()
    if refused:
        raise _PythonPath
    return Staged(
        table=table, rows_total=rows, rows_valid=rows, errors=[], accounts_to_create=to_create
    )


def _cell(plan: Plan, fieldname: str) -> str:
    return f"c{plan.columns[fieldname]}"


def _decide_date_orders(plan: Plan) -> int:
    """Each date column's day/month order, decided as the Python path decides it
    (dates.decide_tallied_orders) from what SQL counts in all its cells (dates.DateTally.add:
    a cell D/M/Y with the first number over 12 says day first, ...). A column mixing the
    orders has row errors: the Python path's. → the file's rows (counted in the same scan)."""
    dated = [name for name in plan.record_kind.date_fields if name in plan.columns]
    counts = ["count(*)"]
    for name in dated:
        match = f"regexp_match(btrim({_cell(plan, name)}, %(ws)s), %(numeric)s)"
        # ISO cells, most of a large file, skip the regular expression (its match is NULL).
        counts.append(f"CASE WHEN {_cell(plan, name)} !~ %(iso)s THEN {match} END")
    sums = [
        f"coalesce(bool_or(m{i} IS NOT NULL), false), coalesce(bool_or(m{i}[2] = '.'), false), "
        f"coalesce(bool_or(m{i}[1]::int > 12 AND m{i}[3]::int <= 12), false), "
        f"coalesce(bool_or(m{i}[3]::int > 12 AND m{i}[1]::int <= 12), false)"
        for i in range(1, len(counts))
    ]
    cells = ", ".join(f"{sql} AS m{i}" for i, sql in enumerate(counts) if i)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(['count(*)', *sums])} "
            # OFFSET 0: each cell matched once, not once per aggregate that reads it
            f"FROM (SELECT {cells or 'NULL'} FROM {RAW} OFFSET 0) cells",
            {"ws": WHITESPACE, "numeric": NUMERIC_DAY, "iso": ISO_DAY},
        )
        rows, *found = cursor.fetchone()
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
        raise _PythonPath
    return rows


def _ascii(value: str) -> str:
    """A choice's cell is looked up lower-cased only when ASCII (where lower() is casefold())."""
    return f"CASE WHEN octet_length({value}) = char_length({value}) THEN lower({value}) END"


class _Reading:
    """The INSERT ... SELECT that reads every row's cells into the staging table, and keeps
    only rows that break no rule: the rules of rows.py's builders and rows.FieldRules."""

    def __init__(self, plan: Plan):
        self.plan = plan
        kind = plan.record_kind
        self.params: dict[str, object] = {
            "ws": WHITESPACE,
            "iso": ISO_DAY,
            "numeric": NUMERIC_DAY,
            "amount": PLAIN_AMOUNT,
        }
        read = [name for name in kind.fields if name in plan.columns]
        if plan.status_source == "flags":
            read += [name for name in kind.helper_fields if name in plan.columns]
        self.read = read
        # The cells a row is read from, and whether each one read fits (_Row.raw).
        present = [name for name in (*kind.fields, *kind.helper_fields) if name in plan.columns]
        self.raw = [_cell(plan, name) for name in present]
        self.fits = " AND ".join(  # (every kind reads its external_id: never empty)
            f"char_length({_cell(plan, name)}) <= {MAX_CELL_CHARS}" for name in read
        )
        # (the cell, stripped as _Row.raw strips it), per field; "" when no column. btrim with
        # Unicode's spaces costs ten times a plain one: only rows with a padded cell pay it.
        self.cells = {
            name: f"CASE WHEN padded THEN btrim({_cell(plan, name)}, %(ws)s) "
            f"ELSE {_cell(plan, name)} END"
            if name in plan.columns
            else "''"
            for name in (*kind.fields, *kind.helper_fields)
        }
        self.params["padded"] = PADDED
        self.typed: dict[str, str] = {}  # field → its value's SQL over the cells ("v_<field>")
        self.checks: list[str] = []  # SQL over the values ("t_<field>") that every row passes
        # A value written other than as read (a lead's qualified date): SQL over the values.
        self.written: dict[str, str] = {}
        for name in kind.fields:
            field = kind.model._meta.get_field(name)
            if field.is_relation:
                self.typed["account_ref"] = f"v_{name}"
            elif isinstance(field, models.DateField):
                self.typed[name] = self._date(name)
            elif isinstance(field, models.DecimalField):
                self.typed[name] = self._money(name)
                self.checks.append(f"(v_{name} = '' OR t_{name} IS NOT NULL)")
            else:
                self.typed[name] = f"v_{name}"
        {
            "opportunities": self._opportunity,
            "subscriptions": self._subscription,
            "leads": self._lead,
        }[plan.kind]()
        rules = field_rules(plan.kind)
        for name, limit, choices, blank in rules.texts:
            self.checks.append(f"char_length(t_{name}) <= {limit}")
            if not blank:
                self.checks.append(f"t_{name} <> ''")
            if choices is not None:
                listed = ", ".join(f"%(choice_{name}_{i})s" for i in range(len(choices)))
                self.params.update(
                    {f"choice_{name}_{i}": value for i, value in enumerate(sorted(choices))}
                )
                self.checks.append(f"t_{name} IN ({listed})")
        self.checks += [f"t_{name} IS NOT NULL" for name in rules.required]

    def _date(self, name: str) -> str:
        """A date cell → its day, or NULL (blank, no such day, or a form not read here); the
        plausible range is one of the checks."""
        value = f"v_{name}"
        column = self.plan.date_orders.get(name)
        order = column.order if column and column.order else MDY
        parts = [f"split_part(translate({value}, './', '--'), '-', {i})" for i in (1, 2, 3)]
        month, day = (parts[1], parts[0]) if order == DMY else (parts[0], parts[1])
        year = (
            f"CASE WHEN length({parts[2]}) = 2 THEN {parts[2]}::int + CASE WHEN "
            f"{parts[2]}::int < {TWO_DIGIT_YEAR_PIVOT} THEN 2000 ELSE 1900 END "
            f"ELSE {parts[2]}::int END"
        )
        iso = _day(f"substr({value}, 1, 4)", f"substr({value}, 6, 2)", f"substr({value}, 9, 2)")
        self.params.update({"earliest": self.plan.dates.earliest, "latest": self.plan.dates.latest})
        self.checks.append(f"(v_{name} = '' OR t_{name} BETWEEN %(earliest)s AND %(latest)s)")
        return (
            f"CASE WHEN {value} ~ %(iso)s THEN {iso} "
            f"WHEN {value} ~ %(numeric)s THEN {_day(year, month, day)} END"
        )

    def _money(self, name: str) -> str:
        value = f"v_{name}"
        return (
            f"CASE WHEN {value} ~ %(amount)s AND length(ltrim(split_part({value}, '.', 1), "
            f"'0')) <= {MONEY_WHOLE_DIGITS} THEN {value}::numeric END"
        )

    def _map(self, name: str, key: str, mapping: dict[str, str]) -> str:
        self.params[name] = json.dumps(mapping)
        return f"%({name})s::jsonb ->> ({key})"

    def _opportunity(self) -> None:
        """rows._opportunity, its status from the plan's source (rows._opportunity_status)."""
        plan, typed = self.plan, self.typed
        types = self._map("types", _ascii("v_type"), OPPORTUNITY_TYPES)
        typed["type"] = f"CASE WHEN v_type = '' THEN 'new_business' ELSE {types} END"
        self.checks.append("t_type IS NOT NULL")
        if plan.status_source == "status":
            typed["status"] = f"coalesce({_ascii('v_status')}, '')"
        elif plan.status_source == "stage":
            # A stage not in ASCII: the Python path (its casefold() is no SQL lower()).
            stages = self._map("stages", "lower(v_stage)", plan.stage_map)
            self.params["any_stage"] = plan.stage_map.get("*")
            typed["status"] = (
                "CASE WHEN octet_length(v_stage) = char_length(v_stage) THEN "
                f"coalesce({stages}, %(any_stage)s) END"
            )
        else:  # the Salesforce flags: known words, and not "won but open"
            closed = self._map("closed", _ascii("v_is_closed"), _booleans())
            won = self._map("won", _ascii("v_is_won"), _booleans())
            typed["is_closed"], typed["is_won"] = closed, won
            typed["status"] = (
                f"CASE WHEN ({closed})::boolean THEN CASE WHEN ({won})::boolean THEN 'won' "
                "ELSE 'lost' END ELSE 'open' END"
            )
            self.checks += [
                "t_is_closed IS NOT NULL",
                "t_is_won IS NOT NULL",
                "(t_is_closed::boolean OR NOT t_is_won::boolean)",
            ]
        statuses = ", ".join(f"'{status}'" for status in STATUSES if status != "open")
        self.checks.append(f"NOT (t_status IN ({statuses}) AND t_close_date IS NULL)")

    def _subscription(self) -> None:
        """rows._subscription: an account required, the end not before the start."""
        self.checks += [
            "t_account_ref <> ''",
            "(t_end_date IS NULL OR t_start_date IS NULL OR t_end_date >= t_start_date)",
        ]

    def _lead(self) -> None:
        """rows._lead: its dates not before its creation; a lead whose status the plan's map
        says is qualified, with no qualified date, qualified on its conversion or creation."""
        self.checks += [
            f"(t_{name} IS NULL OR t_created_date IS NULL OR t_{name} >= t_created_date)"
            for name in ("qualified_date", "converted_date")
        ]
        statuses = self.plan.qualified_statuses
        if not statuses:
            return
        # A status not in ASCII: the Python path (its casefold() is no SQL lower()).
        self.checks.append("octet_length(t_status) = char_length(t_status)")
        qualified = self._map("qualified", "lower(t_status)", statuses)
        self.params["is_qualified"] = QUALIFIED
        self.written["qualified_date"] = (
            f"CASE WHEN v_qualified_date = '' AND {qualified} = %(is_qualified)s "
            "THEN coalesce(t_converted_date, t_created_date) ELSE t_qualified_date END"
        )

    def insert_sql(self, table: StagingTable) -> str:
        quote = connection.ops.quote_name
        cells = ", ".join(f"{cell} AS v_{name}" for name, cell in self.cells.items())
        raw = ", ".join(self.raw)
        rows = (
            f"SELECT {raw}, {self.fits} AS fits, concat_ws(E'\\x01', {raw}) ~ %(padded)s "
            f"AS padded FROM {RAW} OFFSET 0"
        )
        values = ", ".join(f"{sql} AS t_{name}" for name, sql in self.typed.items())
        targets = [name for name in table.columns if name != "line"]
        fields = {f.column: f.name for f in table.fields}
        outputs = [
            self.written.get(fields.get(name, ""), f"t_{fields.get(name, name)}")
            for name in targets
        ]
        return (
            f"INSERT INTO {STAGING} (line, {', '.join(quote(name) for name in targets)}) "
            f"SELECT row_number() OVER (), {', '.join(outputs)} FROM ("
            # OFFSET 0: each value computed once, not once per check that reads it
            f"SELECT *, {values} FROM (SELECT fits, {cells} FROM ({rows}) raw OFFSET 0) cells "
            "OFFSET 0) typed "
            f"WHERE fits AND {' AND '.join(self.checks)}"
        )


def _day(year: str, month: str, day: str) -> str:
    """SQL: the day of a year, month and day given as integers' text, or NULL when no such day
    (as datetime.date refuses it)."""
    y, m, d = f"({year})::int", f"({month})::int", f"({day})::int"
    # Nested CASEs: SQL promises no order of evaluation within an AND.
    return (
        f"CASE WHEN {y} >= 1 AND {m} BETWEEN 1 AND 12 AND {d} >= 1 THEN CASE WHEN {d} <= 28 "
        f"OR {d} <= extract(day FROM make_date({y}, {m}, 1) + interval '1 month - 1 day') "
        f"THEN make_date({y}, {m}, {d}) END END"
    )


def _booleans() -> dict[str, str]:
    """values.BOOLEAN_VALUES as SQL's boolean text ('true'/'false')."""
    return {word: "true" if value else "false" for word, value in BOOLEAN_VALUES.items()}
