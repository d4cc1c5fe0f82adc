"""Periods: half-open ranges of days [start, end), and the standard ISO week, month, quarter and
year ones."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import gettext

from revops_portal.localization import conventions, current_language

WEEK, MONTH, QUARTER, YEAR, CUSTOM = "week", "month", "quarter", "year", "custom"
STANDARD_KINDS = (WEEK, MONTH, QUARTER, YEAR)  # the periods a run computes and stores
_MONTHS_IN = {MONTH: 1, QUARTER: 3, YEAR: 12}
_WEEK = timedelta(days=7)
# How many ISO weeks, ending with the records' last day, a run computes (half a year: every
# week of the history would double a full recomputation's time).
WEEKS_COMPUTED = 26


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # exclusive
    kind: str = CUSTOM

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError(f"A period must end after it starts ({self.start}..{self.end}).")

    @classmethod
    def week(cls, iso_year: int, week: int) -> "Period":
        """ISO week `week` of the ISO week-numbering year: Monday to Sunday, so 2026-W01 starts
        on 29 December 2025. Raises ValueError for a week 53 of a year that has none."""
        start = date.fromisocalendar(iso_year, week, 1)
        if start > date.max - _WEEK:
            raise ValueError("the week ends after the last representable day")
        return cls(start, start + _WEEK, WEEK)

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        start = date(year, month, 1)
        return cls(start, _add_months(start, 1), MONTH)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        start = date(year, 3 * (quarter - 1) + 1, 1)
        return cls(start, _add_months(start, 3), QUARTER)

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year + 1, 1, 1), YEAR)

    @classmethod
    def containing(cls, day: date, kind: str) -> "Period":
        if kind == WEEK:
            start = day - timedelta(days=day.weekday())
            return cls(start, start + _WEEK, WEEK)
        if kind == MONTH:
            return cls.month(day.year, day.month)
        if kind == QUARTER:
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == YEAR:
            return cls.year(day.year)
        raise ValueError(f"Unknown period kind {kind!r}.")

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def day_before(self) -> date:
        return self.start - timedelta(days=1)

    @property
    def months(self) -> Decimal:
        """Calendar months in the period: 1, 3 or 12; a week or a custom range counts its
        days / 30.4375."""
        if self.kind in _MONTHS_IN:
            return Decimal(_MONTHS_IN[self.kind])
        return Decimal((self.end - self.start).days) / Decimal("30.4375")

    def previous(self) -> "Period":
        if self.kind in _MONTHS_IN:
            return Period(_add_months(self.start, -_MONTHS_IN[self.kind]), self.start, self.kind)
        if self.kind == WEEK:
            return Period(self.start - _WEEK, self.start, WEEK)
        length = self.end - self.start
        return Period(self.start - length, self.start, CUSTOM)

    def next(self) -> "Period":
        if self.kind in _MONTHS_IN:
            return Period(self.end, _add_months(self.end, _MONTHS_IN[self.kind]), self.kind)
        if self.kind == WEEK:
            return Period(self.end, self.end + _WEEK, WEEK)
        return Period(self.end, self.end + (self.end - self.start), CUSTOM)

    def label(self) -> str:
        """The period as people read it, in their language: October 2026, Q4 2026,
        Week 42, 2026 (pl październik 2026, IV kw. 2026). URLs and files use code()."""
        return _label(current_language(), self)

    def code(self) -> str:
        """The text form that parse() reads back."""
        if self.kind == WEEK:
            iso_year, week, _ = self.start.isocalendar()
            return f"{iso_year}-W{week:02d}"
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@lru_cache(maxsize=2048)  # a chart asks for the same two dozen labels on every page
def _label(language: str, period: Period) -> str:
    writes = conventions(language)
    if period.kind == WEEK:
        iso_year, week, _ = period.start.isocalendar()
        return gettext("Week %(week)s, %(year)s") % {
            "week": writes.integer(week),
            "year": writes.integer(iso_year),
        }
    if period.kind == MONTH:
        return writes.date(period.start, "yMMMM")
    if period.kind == QUARTER:
        return writes.date(period.start, "yQQQ")
    if period.kind == YEAR:
        return writes.date(period.start, "y")
    return writes.date_range(period.start, period.last_day)


_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def parse(text: str) -> Period:
    """Read `2017`, `2017-Q2`, `2017-06`, `2026-W48` or `2017-01-01..2017-07-01` (half-open)."""
    text = (text or "").strip()
    try:
        if m := _YEAR.match(text):
            return Period.year(int(m[1]))
        if m := _QUARTER.match(text):
            return Period.quarter(int(m[1]), int(m[2]))
        if m := _ISO_WEEK.match(text):
            return Period.week(int(m[1]), int(m[2]))
        if m := _MONTH.match(text):
            return Period.month(int(m[1]), int(m[2]))
        if m := _RANGE.match(text):
            return Period(date.fromisoformat(m[1]), date.fromisoformat(m[2]), CUSTOM)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid period: {exc}") from None
    raise ValueError(
        f"{text!r} is not a period. Use 2017, 2017-Q2, 2017-06, 2017-W23 or 2017-01-01..2017-07-01."
    )


def plausible_range(today: date | None = None) -> tuple[date, date]:
    """The first and last day a record may carry (settings METRICS_EARLIEST_DATE, _YEARS_AHEAD).

    Imports reject dates outside it, runs compute no period outside it, pages refuse periods
    outside it: one bound, so a stray 0001-01-01 can never make a run compute 34,000 periods.
    """
    from django.conf import settings  # periods stays importable without Django configured

    today = today or date.today()
    earliest = date.fromisoformat(settings.METRICS_EARLIEST_DATE)
    try:
        latest = today.replace(year=today.year + settings.METRICS_YEARS_AHEAD)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + settings.METRICS_YEARS_AHEAD, day=28)
    return earliest, latest


def last_complete(kind: str, today: date) -> Period:
    """The last whole week, month, quarter or year before the one containing today."""
    return Period.containing(today, kind).previous()


def covering(kind: str, first_day: date, last_day: date) -> list[Period]:
    """Every standard period of a kind that overlaps [first_day, last_day]."""
    periods = []
    period = Period.containing(first_day, kind)
    while period.start <= last_day:
        periods.append(period)
        period = period.next()
    return periods
