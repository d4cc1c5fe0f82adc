"""Reads of computed metrics: the latest successful run and one period's report.

Pages read only the latest SUCCEEDED run. A custom date range is never stored: its report is
computed on demand from the records (same definitions, same canonical numbers).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from . import calculations, catalog
from .cuts import ALL_CUT, Cut
from .models import MetricRun, MetricValue
from .periods import CUSTOM, Period


def latest_successful_run() -> MetricRun | None:
    return (
        MetricRun.objects.filter(status=MetricRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def number_text(number: Decimal | None) -> str | None:
    """A figure as JSON text: full precision, no trailing zeros, no exponent ("0.6315005215")."""
    if number is None:
        return None
    number = calculations.canonical(number)
    return format(number, "f")


def _entry(value, numerator, denominator, reason: str | None) -> dict:
    return {
        "value": number_text(value),
        "numerator": number_text(numerator),
        "denominator": number_text(denominator),
        "undefined_reason": (reason or None) if value is None else None,
    }


def period_report(period: Period, *, cut: Cut = ALL_CUT, run: MetricRun | None = None) -> dict:
    """Every catalogue metric for one period and cut, as JSON-able data.

    Shape: {"period": {"start", "end"}, "cut": {"segment", "channel"}, "computed_at",
    "metrics": {key: {"value", "numerator", "denominator", "undefined_reason"}}}; numbers as
    strings, undefined values as null with their reason. `end` is exclusive.
    """
    report = {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "cut": {
            "segment": cut.value if cut.kind == catalog.SEGMENT else None,
            "channel": cut.value if cut.kind == catalog.CHANNEL else None,
        },
        "computed_at": None,
        "metrics": {},
    }
    metrics = report["metrics"]
    if period.kind == CUSTOM:
        report["computed_at"] = timezone.now().isoformat()
        figures = calculations.compute_all(period, cut)
        for key in catalog.KEYS:
            figure = figures.get(key)
            if figure is None:
                metrics[key] = _entry(None, None, None, calculations.not_available_reason(cut))
            else:
                metrics[key] = _entry(
                    figure.value, figure.numerator, figure.denominator, figure.undefined_reason
                )
        return report

    run = run or latest_successful_run()
    rows = {}
    if run is not None:
        report["computed_at"] = run.finished_at.isoformat() if run.finished_at else None
        rows = {
            row.key: row
            for row in MetricValue.objects.filter(
                run=run,
                period_start=period.start,
                period_end=period.end,
                cut_kind=cut.kind,
                cut_value=cut.value,
            )
        }
    for definition in catalog.METRICS:
        row = rows.get(definition.key)
        if cut.kind not in definition.cuts:
            metrics[definition.key] = _entry(
                None, None, None, calculations.not_available_reason(cut)
            )
        elif row is not None:
            metrics[definition.key] = _entry(
                row.value, row.numerator, row.denominator, row.undefined_reason
            )
        elif run is None:
            metrics[definition.key] = _entry(None, None, None, "no computation has run yet")
        else:
            metrics[definition.key] = _entry(
                None, None, None, "not computed for this period and cut (no records)"
            )
    return report


def cut_values(run: MetricRun | None = None) -> dict[str, list[str]]:
    """The segments and channels a run has figures for."""
    run = run or latest_successful_run()
    found: dict[str, list[str]] = {catalog.SEGMENT: [], catalog.CHANNEL: []}
    if run is None:
        return found
    pairs = (
        MetricValue.objects.filter(run=run, cut_kind__in=[catalog.SEGMENT, catalog.CHANNEL])
        .values_list("cut_kind", "cut_value")
        .distinct()
        .order_by("cut_kind", "cut_value")
    )
    for kind, value in pairs:
        found[kind].append(value)
    return found
