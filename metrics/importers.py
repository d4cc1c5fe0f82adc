"""CRM CSV files in, canonical records and per-row errors out; bulk upsert.

The pipeline, used by the `import_crm` command and by portal imports (metrics/imports.py):

1. `read_table(data)`: bytes → header + records with their line numbers. UTF-8 with or without
   BOM (UTF-16 with BOM too); Windows-1252 when the bytes are not UTF-8. The delimiter (comma,
   semicolon or tab) is sniffed from the header line. Quoted newlines are fine; blank lines skipped.
2. `resolve_plan(...)`: which column feeds which canonical field (METRICS.md "Records"): the
   preset's candidate names, then the canonical name, with `--map FIELD=COLUMN` overriding both.
   A required field without a column, or a mapped column that is not in the file, is a file error.
3. `parse(...)`: every record → a model instance, or row errors (line, column, value, reason).
4. `resolve_accounts(...)`: account external ids → ids, ONE query per batch. An unknown account is
   a row error: import accounts first (the Salesforce sample: Account.csv, then Opportunity.csv).
5. `write(...)`: `bulk_create(update_conflicts=True)` in batches. Records are keyed by
   external_id (spend: month+channel+category; forecasts: period_start+period_end+recorded_on), so
   importing the same file again updates rows instead of adding them. Only fields that have a column
   in the file are updated: a re-import without a segment column keeps the segments already stored.

Decisions, documented:
- Dates: ISO `2024-01-22`, timestamps (`2024-01-22T16:14:25.000+0000`, `2024-01-22 16:14`) → their
  calendar day as written (no timezone shift); slashes are US order `M/D/YYYY` (Salesforce reports,
  HubSpot); dots are day first `22.01.2024`; `2024/01/22` too. A spend month is `YYYY-MM`, or any
  date, which stands for its month.
- Money: currency symbols ($ € £) or codes (USD, EUR, GBP) and spaces are dropped. In a
  semicolon-separated file (the European spreadsheet default) the decimal separator is a comma and
  dots group thousands (`€1.234,50` = 1234.50); in comma- or tab-separated files it is the other way
  round (`$1,234.50`). One separator followed by one or two digits can only be a decimal separator
  (`1234.50`, `12,5`) and is read as one in any file; anything else in the other convention is a row
  error, never a guess. Negative amounts, and more than two decimal places, are row errors.
- Booleans: true/false, yes/no, y/n, 1/0; blank is false.
- Opportunity status comes from, in this order: a `status` column (open/won/lost); the `stage`
  column through a stage→status map (`--status-from-stage "Won=won,Lost=lost,*=open"`; `*` is any
  other stage; the HubSpot preset brings the default pipeline's stages); the Salesforce IsClosed/IsWon
  flags (or Closed/Won). An unmapped stage is a row error.
- Opportunity type: blank → new_business; "New Customer"/"New Business" → new_business;
  "Existing Customer - Upgrade"/"Upsell"/"Expansion"/HubSpot "Existing Business" → expansion;
  "Renewal"/"Existing Customer - Replacement"/"Existing Customer - Downgrade" → renewal (the
  customer's contract is renewed, at whatever value); anything else is a row error.
- A duplicate key within one file: the later row is the error ("duplicate of line N").
- A cell longer than MAX_CELL_CHARS, or holding a NUL byte, in a column that is imported: row error.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import batched

from django.core.exceptions import ValidationError
from django.db import models

from metrics.models import Account, Forecast, Opportunity, Spend, Subscription

MAX_CELL_CHARS = 10_000
BATCH_SIZE = 1000
PREVIEW_ROWS = 10
REPORT_VALUE_CHARS = 200

KINDS = ("accounts", "opportunities", "subscriptions", "spend", "forecasts")
PRESETS = ("generic", "salesforce", "hubspot")
STATUSES = ("open", "won", "lost")

# Canonical fields per kind (METRICS.md "Records"), then the required ones. Opportunities also
# take two helper fields, the Salesforce closed/won flags, from which the status is derived.
FIELDS = {
    "accounts": ["external_id", "name", "segment", "industry", "created_date"],
    "opportunities": [
        "external_id",
        "account",
        "name",
        "owner",
        "amount",
        "stage",
        "status",
        "created_date",
        "close_date",
        "source",
        "type",
        "is_closed",
        "is_won",
    ],
    "subscriptions": ["external_id", "account", "plan", "mrr", "start_date", "end_date"],
    "spend": ["month", "channel", "category", "amount"],
    "forecasts": ["period_start", "period_end", "amount", "recorded_on"],
}
REQUIRED = {
    "accounts": ["external_id", "name"],
    "opportunities": ["external_id", "created_date"],  # and a status source, checked apart
    "subscriptions": ["external_id", "account", "mrr", "start_date"],
    "spend": ["month", "channel", "category", "amount"],
    "forecasts": ["period_start", "period_end", "amount", "recorded_on"],
}
MODELS: dict[str, type[models.Model]] = {
    "accounts": Account,
    "opportunities": Opportunity,
    "subscriptions": Subscription,
    "spend": Spend,
    "forecasts": Forecast,
}
# kind → (the upsert key, the fields an import may update)
UPSERT = {
    "accounts": (["external_id"], ["name", "segment", "industry", "created_date"]),
    "opportunities": (
        ["external_id"],
        [
            "account",
            "name",
            "owner",
            "amount",
            "stage",
            "status",
            "created_date",
            "close_date",
            "source",
            "type",
        ],
    ),
    "subscriptions": (["external_id"], ["account", "plan", "mrr", "start_date", "end_date"]),
    "spend": (["month", "channel", "category"], ["amount"]),
    "forecasts": (["period_start", "period_end", "recorded_on"], ["amount"]),
}

# Preset column names per kind and field, tried in order (case-insensitive) before the canonical
# name. Salesforce: Data Loader / API-name exports first, then report exports' display labels.
PRESET_COLUMNS: dict[str, dict[str, dict[str, list[str]]]] = {
    "salesforce": {
        "accounts": {
            "external_id": ["Id", "Account ID"],
            "name": ["Name", "Account Name"],
            "industry": ["Industry"],
            "created_date": ["CreatedDate", "Created Date"],
        },
        "opportunities": {
            "external_id": ["Id", "Opportunity ID"],
            "account": ["AccountId", "Account ID"],
            "name": ["Name", "Opportunity Name"],
            "amount": ["Amount"],
            "stage": ["StageName", "Stage"],
            "is_closed": ["IsClosed", "Closed"],
            "is_won": ["IsWon", "Won"],
            "created_date": ["CreatedDate", "Created Date"],
            "close_date": ["CloseDate", "Close Date"],
            "source": ["LeadSource", "Lead Source"],
            "type": ["Type"],
            "owner": ["OwnerId", "Opportunity Owner"],
        },
    },
    "hubspot": {
        "accounts": {
            "external_id": ["Record ID", "Company ID"],
            "name": ["Company name", "Name"],
            "industry": ["Industry"],
            "created_date": ["Create Date"],
        },
        "opportunities": {
            "external_id": ["Record ID", "Deal ID"],
            "name": ["Deal Name"],
            "amount": ["Amount"],
            "stage": ["Deal Stage"],
            "created_date": ["Create Date"],
            "close_date": ["Close Date"],
            "owner": ["Deal owner"],
            "type": ["Deal Type"],
            "account": [
                "Associated Company IDs (Primary)",
                "Associated Company ID",
                "Associated Company IDs",
                "Associated Company",
            ],
            "source": ["Original Source Type", "Original Source"],
        },
    },
}

# HubSpot's default sales pipeline: internal stage ids and their labels.
HUBSPOT_STAGES = {
    "appointmentscheduled": "open",
    "appointment scheduled": "open",
    "qualifiedtobuy": "open",
    "qualified to buy": "open",
    "presentationscheduled": "open",
    "presentation scheduled": "open",
    "decisionmakerboughtin": "open",
    "decision maker bought-in": "open",
    "contractsent": "open",
    "contract sent": "open",
    "closedwon": "won",
    "closed won": "won",
    "closedlost": "lost",
    "closed lost": "lost",
}
PRESET_STAGE_MAPS = {"hubspot": HUBSPOT_STAGES}

TYPE_VALUES = {
    "": "new_business",
    "new_business": "new_business",
    "new business": "new_business",
    "newbusiness": "new_business",
    "new customer": "new_business",
    "expansion": "expansion",
    "upsell": "expansion",
    "existing customer - upgrade": "expansion",
    "existing business": "expansion",
    "existingbusiness": "expansion",
    "renewal": "renewal",
    "existing customer - replacement": "renewal",
    "existing customer - downgrade": "renewal",
}
BOOLEAN_VALUES = {
    "": False,
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported: unreadable, empty, missing columns, a bad mapping."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    value: str
    reason: str

    @classmethod
    def make(cls, line: int, column: str, value: str, reason: str) -> RowError:
        if len(value) > REPORT_VALUE_CHARS:
            value = value[:REPORT_VALUE_CHARS] + f"… ({len(value)} characters)"
        return cls(line=line, column=column, value=value.replace("\x00", "\\0"), reason=reason)

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        return f'line {self.line}, column {self.column}, value "{self.value}": {self.reason}'


# --- Reading ----------------------------------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    records: list[tuple[int, list[str]]]  # (line number where the record starts, cells)
    delimiter: str
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is neither UTF-8 nor Windows-1252 text. Save it as “CSV UTF-8” and try again."
        ) from None


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of comma, semicolon and tab outside quotes in the header; comma if none."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


def read_table(data: bytes) -> Table:
    if not data.strip():
        raise ImportFileError("The file is empty.")
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise ImportFileError(f"This is {what}, not CSV. Export the sheet as CSV first.")
    text, encoding = decode(data)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError("The file is empty.")
    first_line = re.split(r"\r\n|\r|\n", text.lstrip("\r\n"), maxsplit=1)[0]
    delimiter = sniff_delimiter(first_line)
    # Over-long cells are reported per row (MAX_CELL_CHARS), so let the reader hand them over.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    last_line = 0
    try:
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a row of empty cells
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in cells]
            else:
                records.append((start, cells))
    except csv.Error as exc:
        raise ImportFileError(
            f"Line {last_line + 1}: the file is not valid CSV ({exc}): "
            "an unclosed quote, or a quote inside a quoted cell that is not doubled?"
        ) from None
    if header is None:
        raise ImportFileError("The file is empty.")
    if any(ord(char) < 32 and char != "\t" for name in header for char in name):
        raise ImportFileError(
            "The header holds control characters: this looks like a binary file, not CSV. "
            "Export it as CSV."
        )
    if not records:
        raise ImportFileError("The file has a header but no data rows.")
    return Table(header=header, records=records, delimiter=delimiter, encoding=encoding)


# --- Options given by a person ----------------------------------------------------------------


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """["amount=Deal Value", ...] → {"amount": "Deal Value"}."""
    mapping = {}
    for item in items:
        item = item.strip()
        if not item:
            continue
        fieldname, sep, column = item.partition("=")
        if not sep or not fieldname.strip() or not column.strip():
            raise ImportFileError(
                f"“{item}” is not a mapping: write FIELD=COLUMN, e.g. amount=Value."
            )
        mapping[fieldname.strip()] = column.strip()
    return mapping


def parse_status_map(text: str) -> dict[str, str]:
    """ "Won=won, Lost=lost, *=open" → {"won": "won", "lost": "lost", "*": "open"} (keys casefolded)."""
    result = {}
    for item in re.split(r"[,\n]", text or ""):
        item = item.strip()
        if not item:
            continue
        stage, sep, status = item.rpartition("=")
        status = status.strip().casefold()
        if not sep or not stage.strip() or status not in STATUSES:
            raise ImportFileError(
                f"“{item}” is not a stage mapping: write STAGE=STATUS with STATUS one of "
                "open, won, lost (e.g. Won=won,Lost=lost,*=open)."
            )
        result[stage.strip().casefold()] = status
    return result


# --- Columns → fields -------------------------------------------------------------------------


@dataclass
class Plan:
    kind: str
    columns: dict[str, int]  # field → index of its column in the header
    header: list[str]
    decimal_comma: bool
    status_source: str | None = None  # "status", "stage" or "flags" (opportunities)
    stage_map: dict[str, str] = field(default_factory=dict)

    def column_name(self, fieldname: str) -> str:
        index = self.columns.get(fieldname)
        return self.header[index] if index is not None else fieldname


def resolve_plan(
    *,
    kind: str,
    header: list[str],
    delimiter: str,
    preset: str = "generic",
    mapping: dict[str, str] | None = None,
    status_map: dict[str, str] | None = None,
) -> Plan:
    if kind not in KINDS:
        raise ImportFileError(f"Unknown kind “{kind}”: use one of {', '.join(KINDS)}.")
    if preset not in PRESETS:
        raise ImportFileError(f"Unknown preset “{preset}”: use one of {', '.join(PRESETS)}.")
    mapping = mapping or {}
    fields = FIELDS[kind]
    unknown = [name for name in mapping if name not in fields]
    if unknown:
        raise ImportFileError(
            f"Unknown field(s) in the mapping for {kind}: {', '.join(unknown)}. "
            f"The fields are: {', '.join(fields)}."
        )
    lookup: dict[str, int] = {}
    for index, name in enumerate(header):
        lookup.setdefault(name.casefold(), index)
    columns: dict[str, int] = {}
    absent = []
    for fieldname, column in mapping.items():
        index = lookup.get(column.casefold())
        if index is None:
            absent.append(f"{fieldname}={column}")
        else:
            columns[fieldname] = index
    if absent:
        raise ImportFileError(
            f"Mapped column(s) not in the file: {', '.join(absent)}. "
            f"The file's columns are: {', '.join(header)}."
        )
    preset_columns = PRESET_COLUMNS.get(preset, {}).get(kind, {})
    for fieldname in fields:
        if fieldname in columns:
            continue
        for candidate in [*preset_columns.get(fieldname, []), fieldname]:
            index = lookup.get(candidate.casefold())
            if index is not None:
                columns[fieldname] = index
                break

    plan = Plan(kind=kind, columns=columns, header=header, decimal_comma=delimiter == ";")
    missing = [name for name in REQUIRED[kind] if name not in columns]
    if kind == "opportunities":
        stage_map = {**PRESET_STAGE_MAPS.get(preset, {}), **(status_map or {})}
        if "status" in columns:
            plan.status_source = "status"
        elif status_map and "stage" in columns:
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
    if missing:
        raise ImportFileError(
            f"Missing required column(s) for {kind}: {', '.join(missing)}. "
            f"The file's columns are: {', '.join(header)}. "
            "Map a column with FIELD=COLUMN (e.g. --map external_id=Id)."
        )
    return plan


# --- Values -----------------------------------------------------------------------------------

_TIME = (
    r"(?:[T ]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?)?"
)
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME)
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME)
_DOT_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME)
_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_CURRENCY = re.compile(r"^(?:[$€£]|USD|EUR|GBP)|(?:[$€£]|USD|EUR|GBP)$", re.IGNORECASE)
_POINT_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
_PLAIN_DECIMAL = re.compile(r"\d+[.,]\d{1,2}")
_COMMA_NUMBER = re.compile(r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|,\d+")


class BadValue(ValueError):
    """A cell that cannot be read as the field's type; the message is the reason."""


def parse_date(raw: str) -> date:
    for pattern, order in ((_ISO_DATE, "ymd"), (_US_DATE, "mdy"), (_DOT_DATE, "dmy")):
        match = pattern.fullmatch(raw)
        if match:
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                hint = " (dates with slashes are read as month/day/year)" if order == "mdy" else ""
                raise BadValue(f"is not a real calendar date{hint}") from None
    raise BadValue("is not a date: use YYYY-MM-DD (also read: M/D/YYYY, D.M.YYYY, timestamps)")


def parse_month(raw: str) -> date:
    match = _MONTH.fullmatch(raw)
    if match:
        year, month = map(int, match.groups())
        if 1 <= month <= 12:
            return date(year, month, 1)
        raise BadValue("is not a real month")
    try:
        return parse_date(raw).replace(day=1)
    except BadValue:
        raise BadValue("is not a month: use YYYY-MM") from None


def parse_money(raw: str, *, decimal_comma: bool) -> Decimal:
    text = re.sub(r"[\s\u00a0\u202f]", "", raw)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    for _ in range(2):  # "-$5", "$-5", "5 USD"
        if text.startswith("-"):
            negative, text = True, text[1:]
        text = _CURRENCY.sub("", text)
    pattern = _COMMA_NUMBER if decimal_comma else _POINT_NUMBER
    if not pattern.fullmatch(text) and _PLAIN_DECIMAL.fullmatch(text):
        # "1234.50" in a semicolon file, "12,5" in a comma file: one separator followed by one
        # or two digits cannot be a thousands separator, so it is the decimal one.
        decimal_comma = "," in text
    elif not pattern.fullmatch(text):
        if decimal_comma:
            hint = "in a semicolon-separated file amounts use a decimal comma, e.g. 1.234,50"
        else:
            hint = "in a comma- or tab-separated file amounts use a decimal point, e.g. 1,234.50"
        raise BadValue(f"is not an amount ({hint})")
    if decimal_comma:
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue("is not an amount") from None
    if negative and value:
        raise BadValue("must not be negative")
    if value != value.quantize(Decimal("0.01")):
        raise BadValue("has more than two decimal places")
    return value.quantize(Decimal("0.01"))


def parse_boolean(raw: str) -> bool:
    try:
        return BOOLEAN_VALUES[raw.casefold()]
    except KeyError:
        raise BadValue("is not true/false (read: true/false, yes/no, 1/0, blank)") from None


# --- Rows → instances -------------------------------------------------------------------------


class _Row:
    """One record's cells, read field by field; bad values become errors, not exceptions."""

    def __init__(self, plan: Plan, line: int, cells: list[str]):
        self.plan, self.line, self.cells = plan, line, cells
        self.errors: list[RowError] = []
        self._bad: set[str] = set()

    def error(self, fieldname: str, value: str, reason: str) -> None:
        self.errors.append(
            RowError.make(self.line, self.plan.column_name(fieldname), value, reason)
        )
        self._bad.add(fieldname)

    def raw(self, fieldname: str) -> str:
        index = self.plan.columns.get(fieldname)
        if index is None:
            return ""
        value = self.cells[index]
        if "\x00" in value:
            self.error(fieldname, value, "contains a NUL byte (binary data?)")
            return ""
        if len(value) > MAX_CELL_CHARS:
            self.error(fieldname, value, f"is longer than {MAX_CELL_CHARS} characters")
            return ""
        return value.strip()

    def _typed(self, fieldname: str, parse: Callable[[str], object], required: bool):
        raw = self.raw(fieldname)
        if fieldname in self._bad:
            return None
        if not raw:
            if required:
                self.error(fieldname, raw, "is required")
            return None
        try:
            return parse(raw)
        except BadValue as exc:
            self.error(fieldname, raw, str(exc))
            return None

    def text(self, fieldname: str, *, required: bool = False) -> str:
        return self._typed(fieldname, lambda raw: raw, required) or ""

    def date(self, fieldname: str, *, required: bool = False) -> date | None:
        return self._typed(fieldname, parse_date, required)

    def month(self, fieldname: str) -> date | None:
        return self._typed(fieldname, parse_month, True)

    def money(self, fieldname: str, *, required: bool = False) -> Decimal | None:
        return self._typed(
            fieldname,
            lambda raw: parse_money(raw, decimal_comma=self.plan.decimal_comma),
            required,
        )

    def boolean(self, fieldname: str) -> bool:
        value = self._typed(fieldname, parse_boolean, False)
        return bool(value)

    def choice(self, fieldname: str, values: dict[str, str], reason: str, *, required=False):
        def pick(raw: str) -> str:
            try:
                return values[raw.casefold()]
            except KeyError:
                raise BadValue(reason) from None

        return self._typed(fieldname, pick, required)

    def is_bad(self, fieldname: str) -> bool:
        return fieldname in self._bad


def _account(row: _Row) -> tuple[Account, str]:
    return Account(
        external_id=row.text("external_id", required=True),
        name=row.text("name", required=True),
        segment=row.text("segment"),
        industry=row.text("industry"),
        created_date=row.date("created_date"),
    ), ""


def _opportunity_status(row: _Row) -> str | None:
    plan = row.plan
    if plan.status_source == "status":
        return row.choice(
            "status",
            {s: s for s in STATUSES},
            "is not a status: use open, won or lost",
            required=True,
        )
    if plan.status_source == "stage":
        stage = row.raw("stage")
        if row.is_bad("stage"):
            return None
        status = plan.stage_map.get(stage.casefold(), plan.stage_map.get("*"))
        if status is None:
            row.error(
                "stage",
                stage,
                "is a stage with no status: map it, e.g. --status-from-stage "
                f'"{stage or "STAGE"}=open" (or *=open for every other stage)',
            )
        return status
    is_closed, is_won = row.boolean("is_closed"), row.boolean("is_won")
    if row.is_bad("is_closed") or row.is_bad("is_won"):
        return None
    if is_won and not is_closed:
        row.error("is_won", row.raw("is_won"), "says won, but the deal is not closed")
        return None
    return ("won" if is_won else "lost") if is_closed else "open"


def _opportunity(row: _Row) -> tuple[Opportunity, str]:
    status = _opportunity_status(row)
    close_date = row.date("close_date")
    if status in ("won", "lost") and close_date is None and not row.is_bad("close_date"):
        row.error("close_date", "", f"is required for a {status} opportunity")
    opportunity = Opportunity(
        external_id=row.text("external_id", required=True),
        name=row.text("name"),
        owner=row.text("owner"),
        amount=row.money("amount"),
        stage=row.text("stage"),
        status=status or "",
        created_date=row.date("created_date", required=True),
        close_date=close_date,
        source=row.text("source"),
        type=row.choice(
            "type",
            TYPE_VALUES,
            "is not an opportunity type: use new_business, expansion or renewal",
        )
        or "new_business",
    )
    return opportunity, row.text("account")


def _subscription(row: _Row) -> tuple[Subscription, str]:
    start, end = row.date("start_date", required=True), row.date("end_date")
    if start and end and end < start:
        row.error("end_date", row.raw("end_date"), f"is before start_date ({start.isoformat()})")
    subscription = Subscription(
        external_id=row.text("external_id", required=True),
        plan=row.text("plan"),
        mrr=row.money("mrr", required=True),
        start_date=start,
        end_date=end,
    )
    return subscription, row.text("account", required=True)


def _spend(row: _Row) -> tuple[Spend, str]:
    return Spend(
        month=row.month("month"),
        channel=row.text("channel", required=True),
        category=row.choice(
            "category",
            {"marketing": "marketing", "sales": "sales"},
            "is not a spend category: use marketing or sales",
            required=True,
        ),
        amount=row.money("amount", required=True),
    ), ""


def _forecast(row: _Row) -> tuple[Forecast, str]:
    start, end = row.date("period_start", required=True), row.date("period_end", required=True)
    if start and end and end < start:
        row.error("period_end", row.raw("period_end"), f"is before period_start ({start})")
    return Forecast(
        period_start=start,
        period_end=end,
        amount=row.money("amount", required=True),
        recorded_on=row.date("recorded_on", required=True),
    ), ""


BUILDERS = {
    "accounts": _account,
    "opportunities": _opportunity,
    "subscriptions": _subscription,
    "spend": _spend,
    "forecasts": _forecast,
}


def _key(kind: str, instance: models.Model) -> tuple:
    return tuple(getattr(instance, name) for name in UPSERT[kind][0])


@dataclass
class Parsed:
    plan: Plan
    table: Table
    # (line, unsaved instance, account external id or "")
    valid: list[tuple[int, models.Model, str]]
    errors: list[RowError]
    rows_total: int
    invalid_lines: set[int] = field(default_factory=set)

    @property
    def kind(self) -> str:
        return self.plan.kind

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.line)


def _check_shape(plan: Plan, line: int, cells: list[str]) -> RowError | None:
    width = len(plan.header)
    if len(cells) == width or (len(cells) > width and not any(c.strip() for c in cells[width:])):
        return None
    return RowError.make(
        line,
        "(whole row)",
        f"{len(cells)} cells",
        f"the header has {width} columns but this row has {len(cells)} "
        "(a missing or extra delimiter, or an unclosed quote?)",
    )


def _clean(plan: Plan, line: int, instance: models.Model) -> list[RowError]:
    """The model's own field rules (lengths, choices, digits): no database queries."""
    try:
        instance.clean_fields(exclude=["account"])
    except ValidationError as exc:
        return [
            RowError.make(
                line,
                plan.column_name(name),
                str(getattr(instance, name, "") or ""),
                " ".join(str(m) for m in messages),
            )
            for name, messages in exc.message_dict.items()
        ]
    return []


def build_row(plan: Plan, line: int, cells: list[str]) -> tuple[models.Model | None, str, list]:
    """One record → (instance, account reference, errors); the instance is None when invalid."""
    shape_error = _check_shape(plan, line, cells)
    if shape_error:
        return None, "", [shape_error]
    row = _Row(plan, line, cells)
    instance, account_ref = BUILDERS[plan.kind](row)
    if row.errors:
        return None, account_ref, row.errors
    errors = _clean(plan, line, instance)
    return (None if errors else instance), account_ref, errors


def parse(
    *,
    kind: str,
    data: bytes,
    preset: str = "generic",
    mapping: dict[str, str] | None = None,
    status_map: dict[str, str] | None = None,
) -> Parsed:
    """Read and validate every row (no database access). Raises ImportFileError."""
    table = read_table(data)
    plan = resolve_plan(
        kind=kind,
        header=table.header,
        delimiter=table.delimiter,
        preset=preset,
        mapping=mapping,
        status_map=status_map,
    )
    parsed = Parsed(plan=plan, table=table, valid=[], errors=[], rows_total=len(table.records))
    seen: dict[tuple, int] = {}
    key_columns = "+".join(plan.column_name(name) for name in UPSERT[kind][0])
    for line, cells in table.records:
        instance, account_ref, errors = build_row(plan, line, cells)
        if instance is not None:
            key = _key(kind, instance)
            if key in seen:
                errors = [
                    RowError.make(
                        line,
                        key_columns,
                        " / ".join(str(part) for part in key),
                        f"duplicate of line {seen[key]} (the same record twice in one file)",
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


def resolve_accounts(
    parsed: Parsed,
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, int], None] | None = None,
) -> None:
    """Point each valid record at its account: one query per batch; unknown accounts → errors."""
    if "account" not in parsed.plan.columns:
        return
    kept: list[tuple[int, models.Model, str]] = []
    column = parsed.plan.column_name("account")
    done = 0
    for batch in batched(parsed.valid, batch_size):
        refs = {ref for _, _, ref in batch if ref}
        found = (
            dict(Account.objects.filter(external_id__in=refs).values_list("external_id", "id"))
            if refs
            else {}
        )
        for line, instance, ref in batch:
            if ref and ref not in found:
                parsed.errors.append(
                    RowError.make(
                        line,
                        column,
                        ref,
                        "no account has this external_id: import the accounts first",
                    )
                )
                parsed.invalid_lines.add(line)
                continue
            instance.account_id = found.get(ref) if ref else None
            kept.append((line, instance, ref))
        done += len(batch)
        if on_batch:
            on_batch(done, len(parsed.valid))
    parsed.valid = kept


def update_fields(parsed: Parsed) -> list[str]:
    """The fields an upsert overwrites: those the file has a column for (status: always)."""
    columns = parsed.plan.columns
    names = [
        name
        for name in UPSERT[parsed.kind][1]
        if name in columns or (name == "status" and parsed.plan.status_source)
    ]
    return [*names, "updated_at"]


def write(
    parsed: Parsed,
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Upsert the valid records in batches; run inside the caller's transaction."""
    model = MODELS[parsed.kind]
    unique_fields = UPSERT[parsed.kind][0]
    fields_to_update = update_fields(parsed)
    written = 0
    for batch in batched(parsed.valid, batch_size):
        model.objects.bulk_create(
            [instance for _, instance, _ in batch],
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=fields_to_update,
        )
        written += len(batch)
        if on_batch:
            on_batch(written, len(parsed.valid))
    return written


# --- Preview ----------------------------------------------------------------------------------


def preview(
    *,
    kind: str,
    data: bytes,
    preset: str = "generic",
    mapping: dict[str, str] | None = None,
    status_map: dict[str, str] | None = None,
    limit: int = PREVIEW_ROWS,
) -> tuple[list[str], list[dict]]:
    """The first rows AS MAPPED: (canonical columns, [{"line", "values", "errors"}])."""
    table = read_table(data)
    plan = resolve_plan(
        kind=kind,
        header=table.header,
        delimiter=table.delimiter,
        preset=preset,
        mapping=mapping,
        status_map=status_map,
    )
    columns = [name for name in FIELDS[kind] if name not in ("is_closed", "is_won")]
    if kind == "opportunities" and "status" not in columns:
        columns.append("status")
    rows = []
    for line, cells in table.records[:limit]:
        instance, account_ref, errors = build_row(plan, line, cells)
        values = {}
        if instance is not None:
            for name in columns:
                value = account_ref if name == "account" else getattr(instance, name)
                values[name] = "" if value is None else str(value)
        rows.append(
            {"line": line, "values": [values.get(n, "") for n in columns], "errors": errors}
        )
    return columns, rows
