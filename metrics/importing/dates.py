"""Dates as CRM exporters write them, and the day/month order of each date column.

Read forms (any of them may carry a time, which is dropped: the calendar day is the one written,
never shifted by a time zone):
- ISO `2024-01-22`, `2024/01/22`, with a time `2024-01-22T16:14:25.000+0000`, `2024-01-22 16:14`;
- day and month as numbers, year last: `02/03/24`, `2/3/2024`, `22.01.24`, `22-01-2024`; the
  time as `08:55 PM`, `16:14:25`, `4:14 PM PST`, `16:14 +01:00`;
- month names: `22-Jan-2024`, `22 Jan 24`, `Jan 22, 2024`, `January 22 2024`.

Two-digit years: 00–68 are 2000–2068, 69–99 are 1969–1999 (the POSIX `%y` pivot).

Day/month order is decided once per column of a file, never per value:
1. a column in which some first number exceeds 12 (`13/01/24`) is day first (DMY); one in which
   some second number does (`01/13/24`) is month first (MDY); a column with both mixes the
   orders: each of its day/month dates is a row error, not a guess;
2. an ambiguous column (every number ≤ 12) follows the other date columns of the same file when
   they fixed one order (one exporter writes every date the same way);
3. else the order the person chose (`--date-order DMY|MDY`, the portal's preview);
4. else the convention: dotted dates are day first (no locale writes month.day.year); otherwise
   the preset's (Salesforce and HubSpot exports in US locale, and generic files, are month first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import reasons

MDY, DMY = "MDY", "DMY"
DATE_ORDERS = (MDY, DMY)
ORDER_NAMES = {MDY: gettext_lazy("month first (M/D/Y)"), DMY: gettext_lazy("day first (D/M/Y)")}
PRESET_DATE_ORDERS = {"generic": MDY, "salesforce": MDY, "hubspot": MDY}
TWO_DIGIT_YEAR_PIVOT = 69  # yy < 69 → 20yy, else 19yy
SAMPLES = 3


class DateError(ValueError):
    """A cell that is not a date; its argument is the reason (reasons.Reason)."""


_TIME = (
    r"(?:(?:T|\s+|\s*,\s*)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?"
    r"\s*(?P<zone>Z|(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d{2})?|[A-Za-z]{2,5})?)?"
)
_ISO = re.compile(
    r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})" + _TIME
)
_NUMERIC = re.compile(
    r"(?P<first>\d{1,2})(?P<sep>[/.-])(?P<middle>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})" + _TIME
)
_DAY_NAMED = re.compile(
    r"(?P<day>\d{1,2})[-\s]+(?P<name>[A-Za-z]{3,9})\.?[-\s,]+(?P<year>\d{4}|\d{2})" + _TIME
)
_NAMED_DAY = re.compile(
    r"(?P<name>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4}|\d{2})"
    + _TIME
)
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

NOT_A_DATE = reasons.gettext(
    "is not a date: use YYYY-MM-DD (also read: MM/DD/YY, DD/MM/YY, DD.MM.YY, 22-Jan-2024, "
    "with or without a time)"
)
NOT_A_REAL_DATE = reasons.gettext("is not a real calendar date")
# A day/month date that is no day in the order its column is read (both orders, whole sentences).
NOT_A_REAL_DATE_IN_ORDER = {
    MDY: reasons.gettext("is not a real calendar date (this column is read month first (M/D/Y))"),
    DMY: reasons.gettext("is not a real calendar date (this column is read day first (D/M/Y))"),
}


def full_year(year: str) -> int:
    """A year as written → the year: two digits follow TWO_DIGIT_YEAR_PIVOT."""
    number = int(year)
    if len(year) == 2:
        return number + (2000 if number < TWO_DIGIT_YEAR_PIVOT else 1900)
    return number


def _check_time(match: re.Match) -> None:
    if match.group("hour") is None:
        return
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    second = int(match.group("second") or 0)
    if match.group("ampm"):
        valid_hour = 1 <= hour <= 12
    else:
        valid_hour = hour <= 23
    if not valid_hour or minute > 59 or second > 59:
        raise DateError(reasons.gettext("has a time that is not a real time of day"))


def _day(year: int, month: int, day: int, order: str = "") -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(NOT_A_REAL_DATE_IN_ORDER.get(order, NOT_A_REAL_DATE)) from None


def _numeric(raw: str) -> re.Match | None:
    return _NUMERIC.fullmatch(raw)


def read_date(raw: str, order: str = MDY) -> date:
    """One cell → its calendar day; `order` decides a day/month date's order (see ColumnOrder)."""
    raw = raw.strip()
    if len(raw) == 10 and raw[4] == raw[7] == "-" and raw[:4].isdecimal():
        # YYYY-MM-DD, the canonical form and most cells of a large file: read without regexes.
        month, day = raw[5:7], raw[8:]
        if month.isdecimal() and day.isdecimal():
            return _day(int(raw[:4]), int(month), int(day))
    match = _ISO.fullmatch(raw)
    if match:
        _check_time(match)
        return _day(int(match["year"]), int(match["month"]), int(match["day"]))
    match = _numeric(raw)
    if match:
        _check_time(match)
        first, second = int(match["first"]), int(match["middle"])
        month, day = (first, second) if order == MDY else (second, first)
        return _day(full_year(match["year"]), month, day, order)
    for pattern in (_DAY_NAMED, _NAMED_DAY):
        match = pattern.fullmatch(raw)
        if match:
            month = _MONTH_NAMES.get(match["name"].casefold())
            if month is None:
                raise DateError(
                    reasons.gettext("has “%(name)s”, which is not a month name", name=match["name"])
                )
            _check_time(match)
            return _day(full_year(match["year"]), month, int(match["day"]))
    raise DateError(NOT_A_DATE)


def _evidence(raw: str) -> tuple[str | None, str]:
    """What one cell says about its column: (MDY, DMY or None when it cannot tell, separator)."""
    match = _numeric(raw.strip())
    if not match:
        return None, ""
    first, second = int(match["first"]), int(match["middle"])
    if first > 12 >= second:
        return DMY, match["sep"]
    if second > 12 >= first:
        return MDY, match["sep"]
    return None, match["sep"]


@dataclass
class ColumnOrder:
    """How one date column's day/month dates are read, and why."""

    column: str
    order: str | None = None  # MDY or DMY; None when the column has no day/month dates
    because: reasons.Reason | None = None  # why this order (shown as `why`)
    mixing: reasons.Reason | None = None  # the column mixes the orders: the row error's reason
    samples: list[tuple[str, str]] = field(default_factory=list)  # (as written, as read)

    @property
    def why(self) -> str:
        return str(self.because or "")

    @property
    def mixed(self) -> str:
        """The row error's reason when the column mixes the orders, in the active language."""
        return str(self.mixing or "")

    def read(self, raw: str) -> date:
        if self.mixing and _numeric(raw.strip()):
            raise DateError(self.mixing)
        return read_date(raw, self.order or MDY)

    @property
    def order_name(self) -> str:
        return ORDER_NAMES.get(self.order or "", "")

    def describe(self) -> str:
        """In the active language (the preview page)."""
        if self.mixing:
            return self.mixed
        if self.order is None:
            return _("no day/month dates (ISO or month names)")
        return _("%(order)s: %(why)s") % {"order": self.order_name, "why": self.why}


@dataclass
class DateTally:
    """What a date column's cells say about its day/month order, read one cell at a time (a file
    is streamed: its cells are never held), and its first cells for the preview's samples."""

    column: str
    lines: dict[str, tuple[int, str]] = field(default_factory=dict)  # order → first (line, cell)
    dotted: bool = False
    day_month: bool = False
    first_cells: list[str] = field(default_factory=list)  # the first SAMPLES non-blank cells

    def add(self, line: int, raw: str) -> None:
        if len(self.first_cells) < SAMPLES and raw.strip():
            self.first_cells.append(raw)
        order, sep = _evidence(raw)
        if sep:
            self.day_month = True
            self.dotted = self.dotted or sep == "."
        if order:
            self.lines.setdefault(order, (line, raw.strip()))


def decide_orders(
    columns: dict[str, tuple[str, list[tuple[int, str]]]], *, chosen: str = "", preset: str = ""
) -> dict[str, ColumnOrder]:
    """Each date field's column: {field: (column name, [(line, cell), ...])} → its ColumnOrder."""
    tallies = {}
    for name, (column, cells) in columns.items():
        tallies[name] = DateTally(column)
        for line, raw in cells:
            tallies[name].add(line, raw)
    return decide_tallied_orders(tallies, chosen=chosen, preset=preset)


def decide_tallied_orders(
    tallies: dict[str, DateTally], *, chosen: str = "", preset: str = ""
) -> dict[str, ColumnOrder]:
    """Each date field's tally (all of its column's cells, seen one at a time) → its order."""
    fixed_by_file = {
        order for tally in tallies.values() if len(tally.lines) == 1 for order in tally.lines
    }
    file_order = fixed_by_file.pop() if len(fixed_by_file) == 1 else None
    convention = PRESET_DATE_ORDERS.get(preset, MDY)
    decided = {}
    for name, tally in tallies.items():
        result = ColumnOrder(column=tally.column)
        if len(tally.lines) == 2:
            (dmy_line, dmy), (mdy_line, mdy) = tally.lines[DMY], tally.lines[MDY]
            result.mixing = reasons.gettext(
                "the column mixes day-first dates (line %(dmy_line)s: %(dmy)s) and month-first "
                "dates (line %(mdy_line)s: %(mdy)s): write them one way, or as YYYY-MM-DD",
                dmy_line=dmy_line,
                dmy=dmy,
                mdy_line=mdy_line,
                mdy=mdy,
            )
        elif tally.lines:
            order, (line, raw) = next(iter(tally.lines.items()))
            result.order = order
            result.because = reasons.gettext(
                "fixed by the file (line %(line)s: %(value)s)", line=line, value=raw
            )
        elif tally.day_month:
            if file_order:
                result.order = file_order
                result.because = reasons.gettext("as the file's other date columns")
            elif chosen:
                result.order = chosen
                result.because = reasons.gettext("every date is ambiguous; the order chosen")
            elif tally.dotted:
                result.order = DMY
                result.because = reasons.gettext(
                    "every date is ambiguous; dotted dates are day first"
                )
            else:
                result.order = convention
                result.because = reasons.gettext(
                    "every date is ambiguous; the %(preset)s convention",
                    preset=preset or "generic",
                )
        result.samples = _samples(result, tally.first_cells)
        decided[name] = result
    return decided


def _samples(column: ColumnOrder, cells: list[str]) -> list[tuple[str, str]]:
    samples = []
    for raw in cells:
        try:
            samples.append((raw.strip(), column.read(raw).isoformat()))
        except DateError as exc:
            samples.append((raw.strip(), _("not read: %(reason)s") % {"reason": exc}))
    return samples
