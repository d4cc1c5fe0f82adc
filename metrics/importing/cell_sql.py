"""How the COPY path (raw_copy.py) reads and checks every cell in SQL, as the Python path's
readers do (rows.py's builders, rows.FieldRules, dates.py, values.py): the INSERT ... SELECT
from the raw table of text columns into the staging table, keeping only rows that break no rule.
tests/metrics/test_import_raw_copy.py proves each form it reads equal to the Python readers'."""

from __future__ import annotations

import json
import sys

from django.db import connection, models

from metrics.models import Account

from .columns import Plan
from .dates import DMY, MDY, TWO_DIGIT_YEAR_PIVOT
from .presets import OPPORTUNITY_TYPES
from .rows import MAX_CELL_CHARS, field_rules
from .schema import QUALIFIED, STATUSES
from .staging import STAGING, StagingTable
from .values import BOOLEAN_VALUES, MONEY_WHOLE_DIGITS

# What str.strip() strips, so that SQL's btrim strips the same.
WHITESPACE = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
# A row with a cell that starts or ends with one of them (cells joined by \x01, which a cell
# holding one only makes look padded: stripped for nothing).
PADDED = f"(^|\x01)[{WHITESPACE}]|[{WHITESPACE}](\x01|$)"
ISO_DAY = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NUMERIC_DAY = r"^([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})$"
PLAIN_AMOUNT = r"^[0-9]+(\.[0-9]{1,2})?$"


def cell(plan: Plan, fieldname: str) -> str:
    return f"c{plan.columns[fieldname]}"


def _lower_ascii(value: str) -> str:
    """SQL: an ASCII text lower-cased as str.lower() does, under the C collation: its ASCII
    letters only, without the database locale's wide-character conversion (a third of the cost;
    a locale such as tr_TR would also lower "I" otherwise)."""
    return f'lower({value} COLLATE "C")'


def _ascii(value: str) -> str:
    """A choice's cell is looked up lower-cased only when ASCII (where lower() is casefold())."""
    return f"CASE WHEN octet_length({value}) = char_length({value}) THEN {_lower_ascii(value)} END"


class Reading:
    """The INSERT ... SELECT that reads every row's cells into the staging table, and keeps
    only rows that break no rule: the rules of rows.py's builders and rows.FieldRules."""

    def __init__(self, plan: Plan, *, padded: bool = True, canonical: bool = False):
        """`padded`: whether a cell may start or end with a space (raw_copy._padded): if not,
        no cell is stripped. `canonical`: dates read only in ISO form (YYYY-MM-DD) and amounts
        only as PostgreSQL writes them (1234.5, not 01234.5), any other form a row in error (or
        the statement's); the day/month orders need not be decided then (first_load.py)."""
        self.plan = plan
        self.padded = padded
        self.canonical = canonical
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
        self.raw = [cell(plan, name) for name in present]
        self.fits = " AND ".join(  # (every kind reads its external_id: never empty)
            _at_most(cell(plan, name), MAX_CELL_CHARS) for name in read
        )
        # (the cell, stripped as _Row.raw strips it), per field; "" when no column. btrim with
        # Unicode's spaces costs ten times a plain one: only rows with a padded cell pay it.
        self.cells = {
            name: (
                f"CASE WHEN padded THEN btrim({cell(plan, name)}, %(ws)s) "
                f"ELSE {cell(plan, name)} END"
                if padded
                else cell(plan, name)
            )
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
            else:
                self.typed[name] = f"v_{name}"
        {
            "opportunities": self._opportunity,
            "subscriptions": self._subscription,
            "leads": self._lead,
        }[plan.kind]()
        rules = field_rules(plan.kind)
        for name, limit, choices, blank in rules.texts:
            self.checks.append(_at_most(f"t_{name}", limit))
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
        """A date cell → its day, or NULL (blank, or a form not read here); the plausible range
        is one of the checks. An ISO date that is no day (2024-02-30) fails the statement, and the
        file goes to the Python path, which reports the row."""
        value = f"v_{name}"
        self.params.update({"earliest": self.plan.dates.earliest, "latest": self.plan.dates.latest})
        self.checks.append(f"(v_{name} = '' OR t_{name} BETWEEN %(earliest)s AND %(latest)s)")
        if self.canonical:
            # LIKE, not the regular expression: a third of its cost. A cell PostgreSQL reads as a
            # day though not written as ISO ("June-01-05") fails the check: its day's ISO text
            # is another (under any DateStyle: none writes a day as ____-__-__ but ISO).
            self.checks.append(f"(v_{name} = '' OR t_{name}::text = v_{name})")
            return f"CASE WHEN {value} LIKE '____-__-__' THEN {value}::date END"
        iso = f"CASE WHEN {value} ~ %(iso)s THEN {value}::date"
        column = self.plan.date_orders.get(name)
        order = column.order if column and column.order else MDY
        parts = [f"split_part(translate({value}, './', '--'), '-', {i})" for i in (1, 2, 3)]
        month, day = (parts[1], parts[0]) if order == DMY else (parts[0], parts[1])
        year = (
            f"CASE WHEN length({parts[2]}) = 2 THEN {parts[2]}::int + CASE WHEN "
            f"{parts[2]}::int < {TWO_DIGIT_YEAR_PIVOT} THEN 2000 ELSE 1900 END "
            f"ELSE {parts[2]}::int END"
        )
        return f"{iso} WHEN {value} ~ %(numeric)s THEN {_day(year, month, day)} END"

    def _money(self, name: str) -> str:
        """An amount cell → its value, or NULL (blank, or a form not read here)."""
        value = f"v_{name}"
        if self.canonical:
            # Cast, then checked by its text: a third of the regular expression's cost. Any cell
            # the cast reads that the expression does not (-5, 1e3, .5, 5., NaN, 1.234, 007)
            # differs from its value's text or breaks the range; one the cast refuses fails the
            # statement (the file goes to the staged path, which reports the row).
            self.checks.append(
                f"({value} = '' OR t_{name}::text = {value} AND t_{name} >= 0 "
                f"AND t_{name} < 1e{MONEY_WHOLE_DIGITS} AND scale(t_{name}) <= 2)"
            )
            return f"CASE WHEN {value} <> '' THEN {value}::numeric END"
        self.checks.append(f"({value} = '' OR t_{name} IS NOT NULL)")
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
            stages = self._map("stages", _lower_ascii("v_stage"), plan.stage_map)
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
        qualified = self._map("qualified", _lower_ascii("t_status"), statuses)
        self.params["is_qualified"] = QUALIFIED
        self.written["qualified_date"] = (
            f"CASE WHEN v_qualified_date = '' AND {qualified} = %(is_qualified)s "
            "THEN coalesce(t_converted_date, t_created_date) ELSE t_qualified_date END"
        )

    def _typed(self, raw_table: str, accounts: str = "") -> str:
        """FROM-clause SQL: every row's cells (v_<field>) and values (t_<field>), and whether
        each cell fits (`fits`); `self.valid` says whether the row breaks no rule. `accounts`:
        the accounts' table, whose id for the row's account reference is `account_id` (NULL
        when none has it as its external_id)."""
        named = ", ".join(f"{cell} AS v_{name}" for name, cell in self.cells.items())
        raw = ", ".join(self.raw)
        if self.padded:  # the cells are stripped in rows that have a padded one
            padded = f"concat_ws(E'\\x01', {raw}) ~ %(padded)s"
            rows = (
                f"SELECT {raw}, {self.fits} AS fits, {padded} AS padded FROM {raw_table} OFFSET 0"
            )
            cells = f"SELECT fits, {named} FROM ({rows}) raw OFFSET 0"
        else:  # the cells as they are: one level less to pass each row through
            cells = f"SELECT {self.fits} AS fits, {named} FROM {raw_table} OFFSET 0"
        values = ", ".join(f"{sql} AS t_{name}" for name, sql in self.typed.items())
        joined = ""
        if accounts:
            values += ", a.id AS account_id"
            joined = f" LEFT JOIN {accounts} a ON a.external_id = {self.typed['account_ref']}"
        # OFFSET 0: each value computed once, not once per check that reads it
        return f"(SELECT cells.*, {values} FROM ({cells}) cells{joined} OFFSET 0) typed"

    @property
    def valid(self) -> str:
        return f"fits AND {' AND '.join(self.checks)}"

    def _outputs(self, columns: list[str], fields: list[models.Field]) -> list[str]:
        """Each column's value (SQL over t_<field>), as it is written."""
        names = {f.column: f.name for f in fields}
        return [
            self.written.get(names.get(name, ""), f"t_{names.get(name, name)}") for name in columns
        ]

    def insert_sql(self, raw_table: str, table: StagingTable) -> str:
        """The rows that break no rule into the staging table."""
        quote = connection.ops.quote_name
        targets = [name for name in table.columns if name != "line"]
        return (
            f"INSERT INTO {STAGING} (line, {', '.join(quote(name) for name in targets)}) "
            f"SELECT row_number() OVER (), {', '.join(self._outputs(targets, table.fields))} "
            f"FROM {self._typed(raw_table)} WHERE {self.valid}"
        )

    def insert_into_model_sql(self, raw_table: str, table: StagingTable) -> str:
        """The rows that break no rule and name no unknown account straight into the kind's
        table (first_load.py), its account by external_id as StagingTable.upsert joins it;
        the time of the write as %(now)s."""
        quote = connection.ops.quote_name
        model = table.model
        columns = [f.column for f in table.fields]
        outputs = self._outputs(columns, table.fields)
        accounts, named = "", ""
        if table.has_account:
            columns.append(model._meta.get_field("account").column)
            outputs.append("account_id")
            accounts = quote(Account._meta.db_table)
            named = " AND (t_account_ref = '' OR account_id IS NOT NULL)"
        columns.append("updated_at")
        outputs.append("%(now)s")
        # The accounts joined inside, the rules tested above: a filter under the join would
        # leave the planner guessing one row, and joining the accounts by a nested loop.
        return (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
            f"SELECT {', '.join(outputs)} FROM {self._typed(raw_table, accounts)} "
            f"WHERE {self.valid}{named}"
        )


def _at_most(value: str, limit: int) -> str:
    """SQL: whether a text has at most `limit` characters. Its length in bytes, which
    PostgreSQL keeps, answers for most cells (a character is one byte or more); char_length
    counts the characters of the others only."""
    return f"(octet_length({value}) <= {limit} OR char_length({value}) <= {limit})"


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
