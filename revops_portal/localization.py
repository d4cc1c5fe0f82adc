"""Numbers and dates the way the reader's language writes them (CLDR data, through Babel).

What people read goes through here: `presentation.format_value` and its filters, the period
labels, the human-facing CSV columns. Machine outputs (JSON, the canonical CSVs, data
attributes that scripts read) never do: they keep plain `1234.56` and ISO dates.

A language's Babel Locale and parsed number patterns are built once and kept (`conventions`):
a scorecard formats a few hundred figures, and parsing CLDR patterns for each one would cost
more than the page's queries.
"""

import copy
import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval, format_skeleton
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern, get_currency_symbol, parse_pattern
from django.conf import settings
from django.utils import timezone, translation

# Babel formats a numbering system's symbols (fa: ٫ ٬ ٪) but leaves the digits Latin.
_NATIVE_DIGITS = {"arabext": "۰۱۲۳۴۵۶۷۸۹", "arab": "٠١٢٣٤٥٦٧٨٩"}
# CLDR's minimumGroupingDigits, which Babel does not carry: Polish writes 1234 but 12 345.
_MIN_GROUPING_DIGITS = {"pl": 2}
# The typographic minus the pages have always shown (as wide as the plus), where CLDR's is "-".
_MINUS = "−"
# How many decimals a number "as stored" may show (metric values carry up to 4 or 6).
_STORED_DECIMALS = 6


def current_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _with_decimals(pattern: NumberPattern, decimals: int, most: int | None = None) -> NumberPattern:
    changed = copy.copy(pattern)
    changed.frac_prec = (decimals, decimals if most is None else most)
    return changed


class Conventions:
    """One language's ways of writing numbers and dates, built once (see `conventions`)."""

    def __init__(self, language: str):
        try:
            self.locale = Locale.parse(language, sep="-")
        except (UnknownLocaleError, ValueError):
            self.locale = Locale.parse("en")
        self.language = language
        # Prose uses the locale's own digits (fa: Persian); spreadsheets get Latin ones.
        self.numbering = self.locale.default_numbering_system
        native = _NATIVE_DIGITS.get(self.numbering)
        self._digits = str.maketrans("0123456789", native) if native else None
        self._min_grouping = _MIN_GROUPING_DIGITS.get(self.locale.language, 1)
        symbols = self.locale.number_symbols[self.numbering]
        self.plus = symbols["plusSign"]
        self.minus = symbols["minusSign"].replace("-", _MINUS)
        self._native_minus = symbols["minusSign"]
        decimal = parse_pattern(self.locale.decimal_formats[None].pattern)
        self._decimal = {places: _with_decimals(decimal, places) for places in range(3)}
        self._stored = _with_decimals(decimal, 0, _STORED_DECIMALS)
        self._plain = _with_decimals(decimal, 0, 4)
        self._integer = parse_pattern("0")
        percent = copy.copy(parse_pattern(self.locale.percent_formats[None].pattern))
        # Babel keeps the pattern's "%"; the numbering system has its own sign (fa: ٪).
        sign = symbols["percentSign"]
        percent.prefix = tuple(p.replace("%", sign) for p in percent.prefix)
        percent.suffix = tuple(s.replace("%", sign) for s in percent.suffix)
        self._percent = _with_decimals(percent, 1)
        self._money_pattern = parse_pattern(self.locale.currency_formats["standard"].pattern)
        self._money: dict[tuple[str, int], NumberPattern] = {}
        self._units = {
            unit: self._unit_patterns(unit) for unit in ("duration-day", "duration-month")
        }
        self._per_day = self._unit_patterns("duration-day")["per"]
        self.spreadsheet_delimiter = (
            ";" if self.locale.number_symbols["latn"]["decimal"] == "," else ","
        )
        short = self.locale.date_formats["short"].pattern
        # Spreadsheets read a four-digit year; en's short "M/d/yy" would lose the century.
        short = re.sub(r"(?<!y)yy(?!y)", "y", short)
        self._short_date = parse_date_pattern(short)
        self._short_time = parse_date_pattern(self.locale.time_formats["short"].pattern)

    def _unit_patterns(self, unit: str) -> dict[str, str]:
        # Babel's format_unit reads these per call (and misses fa's, given only in the short
        # form), so the CLDR patterns are read once here.
        data = self.locale._data["unit_patterns"][unit]
        return {**data.get("short", {}), **data.get("long", {})}

    def _apply(self, pattern: NumberPattern, value) -> str:
        value = Decimal(value)
        shown = abs(value).scaleb(pattern.compute_scale())  # a percentage shows ratio × 100
        grouped = self._min_grouping <= 1 or shown >= 10 ** (3 + self._min_grouping - 1)
        text = pattern.apply(
            value,
            self.locale,
            currency_digits=False,
            group_separator=grouped,
            numbering_system=self.numbering,
        )
        if not self._digits:
            return text
        # Babel writes "-" whatever the numbering system; fa's minus carries its LRM mark.
        if text.startswith("-"):
            text = self._native_minus + text[1:]
        return text.translate(self._digits)

    def number(self, value, decimals: int | None = None) -> str:
        """Grouped, with exactly `decimals` places (None: as stored, trailing zeros dropped)."""
        return self._apply(self._stored if decimals is None else self._decimal[decimals], value)

    def plain(self, value) -> str:
        """Up to four decimals, trailing zeros dropped (numerators, denominators)."""
        return self._apply(self._plain, value)

    def integer(self, value) -> str:
        """Digits only, no grouping: years, week numbers."""
        return self._apply(self._integer, value)

    def percent(self, ratio) -> str:
        """A ratio (0.425) as a percentage with one decimal (42.5%)."""
        return self._apply(self._percent, ratio)

    def signed_percent(self, percent) -> str:
        """A change in percent (12.5, −3) with its sign: +12.5%, −3.0%, ±0.0%."""
        percent = Decimal(percent)
        sign = self.plus if percent > 0 else (self.minus if percent < 0 else "±")
        return sign + self._apply(self._percent, abs(percent) / 100)

    def money(self, value, currency: str, decimals: int) -> str:
        key = (currency, decimals)
        if key not in self._money:
            # The symbol written into the pattern once: Babel would look it up, and the
            # currency's plural names, on every call.
            symbol = get_currency_symbol(currency, self.locale)
            pattern = _with_decimals(self._money_pattern, decimals)
            pattern.prefix = tuple(p.replace("¤", symbol) for p in pattern.prefix)
            pattern.suffix = tuple(p.replace("¤", symbol) for p in pattern.suffix)
            self._money[key] = pattern
        return self._apply(self._money[key], value)

    def per_day(self, text: str) -> str:
        return self._per_day.replace("{0}", text)

    def measure(self, value, unit: str, decimals: int) -> str:
        """A count of days or months in words, its plural chosen for the number as shown."""
        shown = Decimal(value).quantize(Decimal(1).scaleb(-decimals))
        patterns = self._units[unit]
        pattern = patterns.get(self.locale.plural_form(shown), patterns["other"])
        return pattern.replace("{0}", self._apply(self._decimal[decimals], shown))

    def date(self, day: date, skeleton: str) -> str:
        """A date from a CLDR skeleton: yMMMM → October 2026, yQQQ → Q4 2026."""
        return self.native_digits(format_skeleton(skeleton, day, locale=self.locale))

    def date_range(self, first: date, last: date) -> str:
        return self.native_digits(format_interval(first, last, "yMMMd", locale=self.locale))

    def native_digits(self, text: str) -> str:
        """`text` with the digits of the language's numbering system (fa: ۰۱۲…, others Latin)."""
        return text.translate(self._digits) if self._digits else text

    def spreadsheet_cell(self, value):
        """A CSV cell a spreadsheet set to this language reads back as a number or a date:
        Latin digits, the language's decimal sign, no grouping, a four-digit year."""
        if isinstance(value, datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            time = self._short_time.apply(local, self.locale).replace("\u202f", " ")
            return f"{self._short_date.apply(local, self.locale)} {time}"
        if isinstance(value, date):
            return self._short_date.apply(value, self.locale)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return self._stored.apply(
                Decimal(str(value)) if isinstance(value, float) else Decimal(value),
                self.locale,
                decimal_quantization=False,
                group_separator=False,
            )
        return value


def conventions(language: str | None = None) -> Conventions:
    """The active (or the given) language's conventions."""
    return _built(language or current_language())


@lru_cache(maxsize=16)  # a handful of languages; each built once
def _built(language: str) -> Conventions:
    return Conventions(language)
