"""Reads of computed metrics: the latest successful run, its stored values for pages and
shortcodes, targets, and one period's report.

Pages read only the latest SUCCEEDED run. A custom date range is never stored: its report is
computed on demand from the records (same definitions, same canonical numbers). Each read
issues a fixed number of queries whatever the number of periods, cuts or metrics.
"""

from __future__ import annotations

import operator
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce

from django.core.cache import cache
from django.db.models import Max, Q
from django.utils import timezone

from revops_portal.kept import changes

from . import calculations, catalog
from .cuts import ALL_CUT, FILTER_KINDS, Cut
from .models import MetricRun, MetricTarget, MetricValue
from .periods import CUSTOM, MONTH, Period, last_complete


def latest_successful_run() -> MetricRun | None:
    return (
        MetricRun.objects.filter(status=MetricRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def latest_run_and_changes(
    reads: changes.Reads, *, reader=None
) -> tuple[MetricRun | None, changes.Version]:
    """The latest successful run and the change counter of `reads` (revops_portal/kept/
    changes.py; `reader`'s, when it counts their own rows) in one query: what a kept page
    showing figures is keyed by. Written as SQL
    (`latest_successful_run`'s order, the counter as subqueries): every kept request asks, and
    the ORM took longer to build it than the database to answer."""
    counter, params = changes.counter_sql(reads, reader.pk if reader is not None else None)
    runs = MetricRun._meta.db_table
    # The counter's one row, joined to the latest run if there is one (its columns NULL if not).
    sql = (
        f"SELECT r.*, c.kept_shared, c.kept_own FROM (SELECT {counter}) c LEFT JOIN ("  # noqa: S608
        f"SELECT * FROM {runs} WHERE status = %s ORDER BY finished_at DESC, id DESC LIMIT 1"
        ") r ON 1 = 1"
    )
    found = next(iter(MetricRun.objects.raw(sql, [*params, MetricRun.Status.SUCCEEDED])))
    version = changes.Version(reads.name, int(found.kept_shared), int(found.kept_own))
    return (found if found.pk is not None else None), version


def default_period(
    run: MetricRun | None, kind: str = MONTH, *, today: date | None = None
) -> Period:
    """The last complete period of a kind; if the run has no values there, its latest one.

    Every scorecard reached from the menu asks (two queries): kept in the cache per run, kind
    and day, as `cut_values` is, since a succeeded run's values never change."""
    period = last_complete(kind, today or timezone.localdate())
    if run is None:
        return period
    key = f"metrics:default-period:{run_cache_key(run)}:{kind}:{period.code()}"
    found = cache.get(key)
    if found is None:
        found = period
        stored = MetricValue.objects.of_run(run).filter(period_kind=kind)
        if not stored.filter(period_start=period.start).exists():
            latest = stored.aggregate(latest=Max("period_start"))["latest"]
            found = Period.containing(latest, kind) if latest else period
        if run.status == MetricRun.Status.SUCCEEDED:  # a run still writing may gain values
            cache.set(key, found, timeout=None)
    return found


def run_cache_key(run: MetricRun) -> str:
    """A run in a cache key: its id and finish time (a reused id, as SQLite gives after a
    rollback, comes with another finish time)."""
    finished = run.finished_at.isoformat() if run.finished_at else "unfinished"
    return f"{run.pk}:{finished}"


def stored_values(
    run: MetricRun | None, keys: Collection[str], periods: list[Period], cut: Cut
) -> dict[tuple[str, date], MetricValue]:
    """Stored values of the run for these keys over consecutive periods of one kind: one query."""
    if run is None or not keys or not periods:
        return {}
    rows = MetricValue.objects.of_run(run).filter(
        key__in=list(keys),
        period_kind=periods[0].kind,
        period_start__gte=periods[0].start,
        period_start__lte=periods[-1].start,
        cut_kind=cut.kind,
        cut_value=cut.value,
    )
    return {(row.key, row.period_start): row for row in rows}


def values_by_cut(
    run: MetricRun | None, keys: Collection[str], period: Period, cut_kinds: Collection[str]
) -> list[MetricValue]:
    """Some metrics' stored values for a period under every cut of these kinds (one query)."""
    if run is None or not cut_kinds or not keys:
        return []
    return list(
        MetricValue.objects.of_run(run)
        .filter(
            key__in=list(keys),
            period_start=period.start,
            period_end=period.end,
            cut_kind__in=list(cut_kinds),
        )
        .order_by("cut_kind", "cut_value")
    )


def _targets_placed(keys, period_kind: str, place, **cut) -> dict:
    """Targets of some metrics (one query), each under `place(target)`; where two share a
    place, the one set for this period kind wins over the one set for any kind."""
    found: dict = {}
    rows = MetricTarget.objects.select_related("set_by").filter(
        key__in=list(keys), period_kind__in=[period_kind, MetricTarget.ANY_PERIOD], **cut
    )
    for target in rows:
        at = place(target)
        if at not in found or target.period_kind == period_kind:
            found[at] = target
    return found


def targets(keys: Collection[str], cut: Cut, period_kind: str) -> dict[str, MetricTarget]:
    """The targets of some metrics for a cut and a period kind, by key."""
    return _targets_placed(
        keys, period_kind, lambda t: t.key, cut_kind=cut.kind, cut_value=cut.value
    )


def targets_by_cut_value(
    keys: Collection[str], cut_kind: str, period_kind: str
) -> dict[tuple[str, str], MetricTarget]:
    """The targets of some metrics for every value of a cut kind (the scorecard's "by team"
    table), by (cut value, key)."""
    return _targets_placed(keys, period_kind, lambda t: (t.cut_value, t.key), cut_kind=cut_kind)


# How many (period, cut) places one query of `stored_figures` asks for.
PLACES_PER_QUERY = 50


@dataclass(frozen=True)
class FigureWanted:
    """A figure a text asks for: a metric, a cut, and a period (or the default one of a kind)."""

    key: str
    cut: Cut = ALL_CUT
    period: Period | None = None  # None: the default period of `kind`, as the scorecard's
    kind: str = MONTH


@dataclass
class StoredFigures:
    run: MetricRun | None
    periods: dict[FigureWanted, Period] = field(default_factory=dict)
    rows: dict[tuple, MetricValue] = field(default_factory=dict)

    def row(self, wanted: FigureWanted) -> MetricValue | None:
        period = self.periods.get(wanted)
        if period is None:
            return None
        cut = wanted.cut
        return self.rows.get((wanted.key, period.start, period.end, cut.kind, cut.value))


def stored_figures(wanted: Collection[FigureWanted], *, today: date | None = None) -> StoredFigures:
    """The latest run's stored values for many figures at once (the playbook's shortcodes):
    one query per PLACES_PER_QUERY distinct (period, cut) places; callers bound how many."""
    found = StoredFigures(run=latest_successful_run())
    if found.run is None or not wanted:
        return found
    today = today or timezone.localdate()
    defaults = {}
    for item in wanted:
        if item.period is None and item.kind not in defaults:
            defaults[item.kind] = default_period(found.run, item.kind, today=today)
        found.periods[item] = item.period or defaults[item.kind]
    keys_by_place: dict[tuple[Period, Cut], set[str]] = {}
    for item, period in found.periods.items():
        keys_by_place.setdefault((period, item.cut), set()).add(item.key)
    conditions = [
        Q(
            period_start=period.start,
            period_end=period.end,
            cut_kind=cut.kind,
            cut_value=cut.value,
            key__in=sorted(keys),
        )
        for (period, cut), keys in keys_by_place.items()
    ]
    # A few (period, cut) places per query: one OR of thousands overflows SQLite's
    # expression depth ("Expression tree is too large").
    for start in range(0, len(conditions), PLACES_PER_QUERY):
        chunk = conditions[start : start + PLACES_PER_QUERY]
        for row in MetricValue.objects.of_run(found.run).filter(reduce(operator.or_, chunk)):
            place = (row.key, row.period_start, row.period_end, row.cut_kind, row.cut_value)
            found.rows[place] = row
    return found


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
        "cut": {kind: cut.value if cut.kind == kind else None for kind in FILTER_KINDS},
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
            for row in MetricValue.objects.of_run(run).filter(
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


def cut_values(run: MetricRun | None) -> dict[str, list[str]]:
    """The segments, channels, industries, owners and teams a run has figures for (none
    without a run), for the cut switcher of every dashboard page.

    A DISTINCT over all of a run's values (~100,000 rows at 100k opportunities) was over a
    third of a scorecard request's database time, and a succeeded run's values never change: kept
    in the cache by run id and finish time (a reused id, as SQLite gives after a rollback,
    comes with another finish time)."""
    if run is None:
        return {kind: [] for kind in FILTER_KINDS}
    key = f"metrics:cut-values:{run_cache_key(run)}"
    found = cache.get(key)
    if found is None:
        found = {kind: [] for kind in FILTER_KINDS}
        pairs = (
            MetricValue.objects.of_run(run)
            .filter(cut_kind__in=FILTER_KINDS)
            .values_list("cut_kind", "cut_value")
            .distinct()
            .order_by("cut_kind", "cut_value")
        )
        for kind, value in pairs:
            found[kind].append(value)
        if run.status == MetricRun.Status.SUCCEEDED:  # a run still writing may gain values
            cache.set(key, found, timeout=None)
    return found
