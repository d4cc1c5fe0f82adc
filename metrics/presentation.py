"""How stored figures are shown: a figure and why it is missing, the change against the
previous period, target status, sparklines, chart numbers, number formatting, metric links.

No queries here: everything works on values the selectors already read.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from .catalog import MetricDefinition
from .cuts import Cut
from .models import MetricTarget, MetricValue
from .periods import Period

SPARK_WIDTH, SPARK_HEIGHT = 120, 32


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
    def missing_reason(self) -> str:
        """Why there is no number to show ("" when there is one)."""
        if not self.available:
            return "not available for this cut"
        if not self.stored:
            return "no value stored for this period"
        if self.value is None:
            return self.undefined_reason or "undefined"
        return ""


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


def chart_number(value: Decimal | None, sign: int = 1) -> float | None:
    """A chart number (JSON): floats are fine for drawing, never for storing or exporting."""
    return None if value is None else float(value) * sign


def format_value(value: Decimal | None, unit: str) -> str:
    """A stored value as people read it: 42.5%, USD 12,400, 38.0 days, 3.20×."""
    if value is None:
        return "—"
    value = Decimal(value)
    if unit == "ratio":
        return f"{value * 100:,.1f}%"
    if unit in ("money", "money_per_day"):
        digits = 0 if abs(value) >= 1000 else 2
        text = f"{currency()} {value:,.{digits}f}"
        return text + "/day" if unit == "money_per_day" else text
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "months":
        return f"{value:,.1f} months"
    if unit == "multiple":
        return f"{value:,.2f}×"
    return f"{value:,}"
