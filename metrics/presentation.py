"""How stored figures are shown: a figure and why it is missing, the change against the
previous period, target status, sparklines, chart numbers, number formatting, metric links.

No queries here: everything works on values the selectors already read.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_noop, pgettext

from revops_portal.localization import conventions

from .calculations.figures import shown_reason
from .catalog import MetricDefinition
from .cuts import Cut
from .models import MetricTarget, MetricValue
from .periods import Period

SPARK_WIDTH, SPARK_HEIGHT = 120, 32
# Why a figure has no number: in English in machine outputs (the series CSV), in the reader's
# language on pages and in e-mails.
NOT_AVAILABLE_FOR_CUT = gettext_noop("not available for this cut")
NOTHING_STORED = gettext_noop("no value stored for this period")
UNDEFINED = gettext_noop("undefined")


@dataclass
class Figure:
    """One stored value (or its absence) for a metric, period and cut."""

    definition: MetricDefinition
    period: Period
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    undefined_reason: str = ""
    stored: bool = False  # False: the run holds no row for it
    available: bool = True  # False: the metric can't be cut this way

    @classmethod
    def from_row(cls, definition, period, row: MetricValue | None, *, available=True) -> "Figure":
        if row is None:
            return cls(definition, period, available=available)
        return cls(
            definition,
            period,
            value=row.value,
            numerator=row.numerator,
            denominator=row.denominator,
            undefined_reason=row.undefined_reason,
            stored=True,
            available=available,
        )

    @property
    def missing_cause(self) -> str:
        """Why there is no number to show, in English for machine outputs ("" when there is one)."""
        if not self.available:
            return NOT_AVAILABLE_FOR_CUT
        if not self.stored:
            return NOTHING_STORED
        if self.value is None:
            return self.undefined_reason or UNDEFINED
        return ""

    @property
    def missing_reason(self) -> str:
        """Why there is no number to show, in the reader's language ("" when there is one).
        A calculation's stored reason is translated as calculations.figures reads it."""
        return shown_reason(self.missing_cause)


@dataclass
class Change:
    ratio: Decimal | None  # (current − previous) / |previous|; None when it can't be worked out
    direction: str  # up | down | flat | none
    tone: str  # good | bad | neutral

    @property
    def percent(self) -> Decimal | None:
        return None if self.ratio is None else self.ratio * 100


def change_between(definition: MetricDefinition, current, previous) -> Change:
    if current is None or previous is None:
        return Change(None, "none", "neutral")
    if current == previous:
        direction = "flat"
    else:
        direction = "up" if current > previous else "down"
    ratio = None if previous == 0 else (current - previous) / abs(previous)
    if direction == "flat" or definition.higher_is_better is None:
        tone = "neutral"
    else:
        tone = "good" if (direction == "up") == definition.higher_is_better else "bad"
    return Change(ratio, direction, tone)


def target_status(target: MetricTarget | None, value: Decimal | None) -> str | None:
    """green: on the right side of the target; amber: within its band; red: beyond."""
    if target is None or value is None:
        return None
    if target.direction == MetricTarget.Direction.HIGHER:
        if value >= target.value:
            return "green"
        return "amber" if value >= target.value - target.amber_band else "red"
    if value <= target.value:
        return "green"
    return "amber" if value <= target.value + target.amber_band else "red"


def sparkline(values: list[Decimal | None], *, width=SPARK_WIDTH, height=SPARK_HEIGHT) -> list[str]:
    """SVG polyline `points` strings, one per run of defined values (gaps stay gaps)."""
    defined = [v for v in values if v is not None]
    if not defined:
        return []
    low, high = min(defined), max(defined)
    span = high - low
    step = Decimal(width) / (max(len(values) - 1, 1))
    pad = Decimal(2)
    lines, current = [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                lines.append(current)
            current = []
            continue
        x = step * index
        fraction = (value - low) / span if span else Decimal("0.5")
        y = pad + (Decimal(height) - 2 * pad) * (1 - fraction)
        current.append(f"{x:.1f},{y:.1f}")
    if current:
        lines.append(current)
    # A lone point still needs two to draw: repeat it.
    return [" ".join(points if len(points) > 1 else points * 2) for points in lines]


def metric_url(key: str, *, period: Period | None = None, cut: Cut | None = None) -> str:
    params = {}
    if period is not None:
        params["period"] = period.code()
    if cut is not None:
        params.update(cut.params())
    url = reverse("metrics:metric", kwargs={"key": key})
    return f"{url}?{urlencode(params)}" if params else url


def scorecard_url(*, period: Period, cut: Cut) -> str:
    return f"{reverse('metrics:scorecard')}?{urlencode({'period': period.code(), **cut.params()})}"


def currency() -> str:
    return settings.METRICS_CURRENCY


def chart_words() -> dict[str, str]:
    """The words a chart's script writes around the plain numbers, in the reader's language
    (static/js/metrics.js formats the numbers with Intl; it has no catalogue)."""
    return {
        "per_day": conventions().per_day("{0}"),  # pl "{0} na dobę"
        "target": pgettext("chart legend", "Target"),
    }


def chart_number(value: Decimal | None, sign: int = 1) -> float | None:
    """A chart number (JSON): floats are fine for drawing, never for storing or exporting."""
    return None if value is None else float(value) * sign


def format_value(value: Decimal | None, unit: str) -> str:
    """A stored value as the reader's language writes it: en 42.5%, $12,400, 38.0 days, 3.20×;
    pl 42,5%, 12 400 USD, 38,0 dnia; fa ۴۲٫۵٪ (see revops_portal/localization.py)."""
    if value is None:
        return "—"
    value = Decimal(value)
    writes = conventions()
    if unit == "ratio":
        return writes.percent(value)
    if unit in ("money", "money_per_day"):
        # Cents matter on small amounts, not on an ARR.
        text = writes.money(value, currency(), 0 if abs(value) >= 1000 else 2)
        return writes.per_day(text) if unit == "money_per_day" else text
    if unit == "count":
        return writes.number(value, 0)
    if unit == "days":
        return writes.measure(value, "duration-day", 1)
    if unit == "months":
        return writes.measure(value, "duration-month", 1)
    if unit == "multiple":
        return writes.number(value, 2) + "×"
    return writes.number(value)


def format_signed_percent(percent: Decimal | None) -> str:
    """A change's percentage with its sign: "+12.5%", "−3.0%", "±0.0%"; "" when unknown."""
    return "" if percent is None else conventions().signed_percent(percent)


def format_plain_number(value: Decimal | None) -> str:
    """A numerator or denominator as stored, up to four decimals, trailing zeros dropped."""
    return "" if value is None else conventions().plain(value)
