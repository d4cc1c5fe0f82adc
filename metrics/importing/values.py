"""Cell text → typed values; a cell that cannot be read raises BadValue with the reason.

- Dates: see dates.py (the forms read, two-digit years, the day/month order of a column). A spend
  month is `YYYY-MM`, or any date, which stands for its month.
- Money: currency symbols ($ € £) or codes (USD, EUR, GBP) and spaces are dropped. In a
  semicolon-separated file (the European spreadsheet default) the decimal separator is a comma and
  dots group thousands (`€1.234,50` = 1234.50); in comma- or tab-separated files it is the other way
  round (`$1,234.50`). One separator followed by one or two digits can only be a decimal separator
  (`1234.50`, `12,5`) and is read as one in any file; anything else in the other convention is a row
  error, never a guess. Negative amounts, more than two decimal places, and more digits than
  the database stores (16 before the point) are row errors.
- Dates outside the plausible range (metrics.periods.plausible_range: settings
  METRICS_EARLIEST_DATE, default 1970-01-01, to METRICS_YEARS_AHEAD years after today) are row
  errors: a stray 0001-01-01 or 9999-12-31 is a typo, not a record.
- Booleans: true/false, yes/no, y/n, 1/0; blank is false.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings

from metrics.models import MONEY
from metrics.periods import plausible_range

from . import reasons
from .dates import DateError, read_date

# Money is stored with MONEY's digits: 18 in all, 2 after the point, so 16 before it.
MONEY_WHOLE_DIGITS = MONEY["max_digits"] - MONEY["decimal_places"]

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

_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_CURRENCY = re.compile(r"^(?:[$€£]|USD|EUR|GBP)|(?:[$€£]|USD|EUR|GBP)$", re.IGNORECASE)
_POINT_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
_PLAIN_DECIMAL = re.compile(r"\d+[.,]\d{1,2}")
_PLAIN_AMOUNT = re.compile(r"\d+(?:\.\d{1,2})?")
_COMMA_NUMBER = re.compile(r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|,\d+")


NOT_AN_AMOUNT = reasons.gettext("is not an amount")


class BadValue(ValueError):
    """A cell that cannot be read as the field's type; its argument is the reason
    (reasons.Reason)."""


def parse_date(raw: str) -> date:
    """A date with no column context (dates.read_date; a file's columns: dates.ColumnOrder)."""
    try:
        return read_date(raw)
    except DateError as exc:
        raise BadValue(reasons.of(exc)) from None


@dataclass(frozen=True)
class DateRange:
    earliest: date
    latest: date
    years_ahead: int

    @classmethod
    def plausible(cls) -> DateRange:
        earliest, latest = plausible_range()
        return cls(earliest=earliest, latest=latest, years_ahead=settings.METRICS_YEARS_AHEAD)

    def check(self, day: date) -> date:
        if day < self.earliest:
            raise BadValue(
                reasons.gettext(
                    "is before %(earliest)s, the earliest date accepted",
                    earliest=self.earliest.isoformat(),
                )
            )
        if day > self.latest:
            raise BadValue(
                reasons.ngettext(
                    "is more than %(count)s year ahead (after %(latest)s)",
                    "is more than %(count)s years ahead (after %(latest)s)",
                    self.years_ahead,
                    latest=self.latest.isoformat(),
                )
            )
        return day


def parse_month(raw: str, read_day: Callable[[str], date] = parse_date) -> date:
    match = _MONTH.fullmatch(raw)
    if match:
        year, month = map(int, match.groups())
        if 1 <= month <= 12:
            return date(year, month, 1)
        raise BadValue(reasons.gettext("is not a real month"))
    try:
        return read_day(raw).replace(day=1)
    except (BadValue, DateError):
        raise BadValue(reasons.gettext("is not a month: use YYYY-MM")) from None


def parse_money(raw: str, *, decimal_comma: bool) -> Decimal:
    if _PLAIN_AMOUNT.fullmatch(raw):
        # 1234 or 1234.5 or 1234.50 is read so in either convention (see below): most cells.
        return _cents(Decimal(raw))
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
            raise BadValue(
                reasons.gettext(
                    "is not an amount (in a semicolon-separated file amounts use a decimal "
                    "comma, e.g. 1.234,50)"
                )
            )
        raise BadValue(
            reasons.gettext(
                "is not an amount (in a comma- or tab-separated file amounts use a decimal "
                "point, e.g. 1,234.50)"
            )
        )
    if decimal_comma:
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue(NOT_AN_AMOUNT) from None
    if not value.is_finite():  # the patterns above admit digits only; kept as the last guard
        raise BadValue(NOT_AN_AMOUNT)
    if negative and value:
        raise BadValue(reasons.gettext("must not be negative"))
    return _cents(value)


def _cents(value: Decimal) -> Decimal:
    # Checked before rounding: quantize() itself fails on more digits than the context's 28.
    if value and value.adjusted() + 1 > MONEY_WHOLE_DIGITS:
        raise BadValue(
            reasons.gettext(
                "is too large: at most %(digits)s digits before the decimal point",
                digits=MONEY_WHOLE_DIGITS,
            )
        )
    cents = value.quantize(Decimal(1).scaleb(-MONEY["decimal_places"]))
    if value != cents:
        raise BadValue(reasons.gettext("has more than two decimal places"))
    return cents


def parse_boolean(raw: str) -> bool:
    try:
        return BOOLEAN_VALUES[raw.casefold()]
    except KeyError:
        raise BadValue(
            reasons.gettext("is not true/false (read: true/false, yes/no, 1/0, blank)")
        ) from None
