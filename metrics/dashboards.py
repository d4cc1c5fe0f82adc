"""Reads for the dashboard pages: the scorecard, a metric's page, its drill-down, the playbook cards.

Everything here reads STORED values of the latest successful run; nothing is computed inline
except the formatting-level arithmetic (change vs the previous period, sparkline points, the
account MRR columns of a drill-down, which the database aggregates). Each function issues a
fixed number of queries whatever the number of periods, accounts or metrics.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from . import catalog, selectors
from .catalog import MetricDefinition
from .cuts import Cut
from .models import (
    Account,
    Forecast,
    MetricRun,
    MetricTarget,
    MetricValue,
    Opportunity,
    Spend,
    Subscription,
)
from .periods import MONTH, QUARTER, YEAR, Period, last_complete

# The scorecard: the health of the whole business at a glance (PRODUCT.md).
HEADLINE_KEYS: tuple[str, ...] = (
    "arr",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "nrr",
    "customer_churn_rate",
    "ltv",
    "cac",
    "ltv_cac",
    "cac_payback_months",
    "win_rate",
    "avg_deal_size",
    "sales_cycle_days",
    "pipeline_velocity",
    "forecast_accuracy",
    "renewal_rate",
)
MOVEMENT_KEYS: tuple[str, ...] = ("new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr")
PERIOD_KINDS: tuple[str, ...] = (MONTH, QUARTER, YEAR)
SPARK_PERIODS = 12
# How far back a metric page's chart reaches, per period kind.
SERIES_LENGTH = {MONTH: 24, QUARTER: 12, YEAR: 10}
SPARK_WIDTH, SPARK_HEIGHT = 120, 32


class BadRequest(ValueError):
    """A query parameter that can't be honoured; the message is shown to the user."""


# --- Cuts and periods ---------------------------------------------------------------------------


def parse_period(code: str | None, *, kind: str | None = None) -> Period | None:
    """A month/quarter/year code from a URL, or None when absent. Raises BadRequest."""
    from .periods import parse

    if kind and kind not in PERIOD_KINDS:
        raise BadRequest(f"Unknown period kind {kind!r}: use month, quarter or year.")
    if not code:
        return None
    try:
        period = parse(code)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if period.kind not in PERIOD_KINDS:
        raise BadRequest(
            "Figures are stored per month, quarter and year: use 2017-06, 2017-Q2 or 2017."
        )
    return period


def latest_run() -> MetricRun | None:
    """The latest run that finished successfully: the one every page reads."""
    return selectors.latest_successful_run()


def default_period(
    run: MetricRun | None, kind: str = MONTH, *, today: date | None = None
) -> Period:
    """The last complete period of a kind; if the run has no values there, its latest one."""
    period = last_complete(kind, today or timezone.localdate())
    if run is None:
        return period
    stored = MetricValue.objects.filter(run=run, period_kind=kind)
    if stored.filter(period_start=period.start).exists():
        return period
    latest = stored.aggregate(latest=Max("period_start"))["latest"]
    return Period.containing(latest, kind) if latest else period


def periods_ending(period: Period, count: int) -> list[Period]:
    periods = [period]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


# --- Figures ------------------------------------------------------------------------------------


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
    from urllib.parse import urlencode

    params = {}
    if period is not None:
        params["period"] = period.code()
    if cut is not None:
        params.update(cut.params())
    url = reverse("metrics:metric", kwargs={"key": key})
    return f"{url}?{urlencode(params)}" if params else url


def _values(run, keys, periods: list[Period], cut: Cut) -> dict[tuple[str, date], MetricValue]:
    """Stored values of the run for these keys over consecutive periods of one kind: one query."""
    if run is None or not keys or not periods:
        return {}
    rows = MetricValue.objects.filter(
        run=run,
        key__in=list(keys),
        period_kind=periods[0].kind,
        period_start__gte=periods[0].start,
        period_start__lte=periods[-1].start,
        cut_kind=cut.kind,
        cut_value=cut.value,
    )
    return {(row.key, row.period_start): row for row in rows}


def _targets(keys, cut: Cut) -> dict[str, MetricTarget]:
    """Targets for the cut: the whole business, or one segment. Channels have none."""
    if cut.kind == catalog.CHANNEL:
        return {}
    segment = cut.value if cut.kind == catalog.SEGMENT else ""
    return {t.key: t for t in MetricTarget.objects.filter(key__in=list(keys), segment=segment)}


# --- The scorecard ------------------------------------------------------------------------------


@dataclass
class ScorecardRow:
    definition: MetricDefinition
    figure: Figure
    previous: Figure
    change: Change
    spark: list[str]
    target: MetricTarget | None
    status: str | None
    url: str


@dataclass
class Scorecard:
    run: MetricRun | None
    period: Period
    cut: Cut
    rows: list[ScorecardRow] = field(default_factory=list)
    movements_chart: dict = field(default_factory=dict)
    movements_table: list[tuple[str, list[Decimal | None]]] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return any(row.figure.stored for row in self.rows)


def _rows(run, keys, period: Period, cut: Cut) -> list[ScorecardRow]:
    periods = periods_ending(period, SPARK_PERIODS)
    definitions = [catalog.BY_KEY[key] for key in keys]
    allowed = [d.key for d in definitions if cut.allows(d)]
    values = _values(run, allowed, periods, cut)
    targets = _targets(allowed, cut)
    rows = []
    for definition in definitions:
        available = cut.allows(definition)
        series = [values.get((definition.key, p.start)) for p in periods]
        figure = Figure.from_row(definition, period, series[-1], available=available)
        previous = Figure.from_row(definition, periods[-2], series[-2], available=available)
        target = targets.get(definition.key)
        rows.append(
            ScorecardRow(
                definition=definition,
                figure=figure,
                previous=previous,
                change=change_between(definition, figure.value, previous.value),
                spark=sparkline([row.value if row else None for row in series]),
                target=target,
                status=target_status(target, figure.value),
                url=metric_url(definition.key, period=period, cut=cut),
            )
        )
    return rows


def scorecard(*, run: MetricRun | None, period: Period, cut: Cut) -> Scorecard:
    """The headline metrics for a period and cut, each with change, sparkline and target status."""
    card = Scorecard(run=run, period=period, cut=cut, rows=_rows(run, HEADLINE_KEYS, period, cut))
    periods = periods_ending(period, SPARK_PERIODS)
    movement_rows = _values(
        run, [k for k in MOVEMENT_KEYS if cut.allows(catalog.BY_KEY[k])], periods, cut
    )
    card.movements_table = [
        (
            p.label(),
            [
                movement_rows[(k, p.start)].value if (k, p.start) in movement_rows else None
                for k in MOVEMENT_KEYS
            ],
        )
        for p in periods
    ]
    sign = {"contraction_mrr": -1, "churned_mrr": -1}
    card.movements_chart = {
        "labels": [p.label() for p in periods],
        "unit": "money",
        "currency": _currency(),
        "datasets": [
            {
                "key": key,
                "label": catalog.BY_KEY[key].name,
                "data": [
                    _number(movement_rows[(key, p.start)].value, sign.get(key, 1))
                    if (key, p.start) in movement_rows
                    else None
                    for p in periods
                ],
            }
            for key in MOVEMENT_KEYS
        ],
    }
    return card


def success_cards(*, today: date | None = None) -> list[ScorecardRow]:
    """The live metric cards of the playbook's Success metrics section (a fixed few queries)."""
    run = latest_run()
    if run is None:
        return []
    period = default_period(run, MONTH, today=today)
    rows = _rows(run, HEADLINE_KEYS, period, Cut())
    return rows if any(row.figure.stored for row in rows) else []


# --- A metric's page ----------------------------------------------------------------------------


@dataclass
class MetricPage:
    definition: MetricDefinition
    run: MetricRun | None
    period: Period
    cut: Cut
    figure: Figure
    series: list[Figure]
    chart: dict
    target: MetricTarget | None
    status: str | None
    breakdown: dict[str, list[tuple[str, Figure]]]

    @property
    def has_values(self) -> bool:
        return any(f.stored for f in self.series)


def metric_page(
    *, run: MetricRun | None, definition: MetricDefinition, period: Period, cut: Cut
) -> MetricPage:
    periods = periods_ending(period, SERIES_LENGTH[period.kind])
    available = cut.allows(definition)
    values = _values(run, [definition.key] if available else [], periods, cut)
    series = [
        Figure.from_row(definition, p, values.get((definition.key, p.start)), available=available)
        for p in periods
    ]
    target = _targets([definition.key], cut).get(definition.key) if available else None
    chart = {
        "key": definition.key,
        "label": definition.name,
        "unit": definition.unit,
        "currency": _currency(),
        "labels": [p.label() for p in periods],
        "data": [_number(f.value) for f in series],
        "target": _number(target.value) if target else None,
    }
    return MetricPage(
        definition=definition,
        run=run,
        period=period,
        cut=cut,
        figure=series[-1],
        series=series,
        chart=chart,
        target=target,
        status=target_status(target, series[-1].value),
        breakdown=breakdown(run=run, definition=definition, period=period),
    )


def breakdown(
    *, run, definition: MetricDefinition, period: Period
) -> dict[str, list[tuple[str, Figure]]]:
    """The figure for each segment (and channel, where the metric allows it) in a period."""
    kinds = [k for k in (catalog.SEGMENT, catalog.CHANNEL) if k in definition.cuts]
    result: dict[str, list[tuple[str, Figure]]] = {k: [] for k in kinds}
    if run is None or not kinds:
        return result
    rows = MetricValue.objects.filter(
        run=run,
        key=definition.key,
        period_start=period.start,
        period_end=period.end,
        cut_kind__in=kinds,
    ).order_by("cut_kind", "cut_value")
    for row in rows:
        result[row.cut_kind].append((row.cut_value, Figure.from_row(definition, period, row)))
    return result


def series_rows(page: MetricPage) -> list[list]:
    """The metric's series as CSV rows (numbers stay numbers)."""
    return [
        [
            f.period.code(),
            f.period.start.isoformat(),
            f.period.last_day.isoformat(),
            page.cut.kind,
            page.cut.value,
            f.value,
            f.numerator,
            f.denominator,
            f.missing_reason,
        ]
        for f in page.series
    ]


SERIES_CSV_HEADER = [
    "period",
    "first_day",
    "last_day",
    "cut_kind",
    "cut_value",
    "value",
    "numerator",
    "denominator",
    "undefined_reason",
]


# --- Drill-down: the records behind a figure ----------------------------------------------------

CLOSED_KEYS = {
    "win_rate",
    "won_count",
    "lost_count",
    "won_amount",
    "avg_deal_size",
    "sales_cycle_days",
}
OPEN_KEYS = {"open_pipeline_count", "open_pipeline_amount", "pipeline_velocity"}
RENEWAL_KEYS = {"renewal_rate", "renewal_rate_amount"}
FORECAST_KEYS = {"forecast_amount", "forecast_accuracy"}
ACQUISITION_KEYS = {"new_customers", "spend", "cac", "ltv_cac", "cac_payback_months"}
# Everything of the recurring group: the accounts with their opening/closing MRR and movement,
# the movement the metric is about listed first.
MOVEMENT_OF_KEY = {
    "new_mrr": "new",
    "reactivation_mrr": "reactivation",
    "expansion_mrr": "expansion",
    "expansion_rate": "expansion",
    "contraction_mrr": "contraction",
    "churned_mrr": "churn",
    "churned_customers": "churn",
    "customer_churn_rate": "churn",
    "monthly_churn_rate": "churn",
}


@dataclass
class RecordTable:
    name: str  # also the CSV's `table=` value
    title: str
    columns: list[tuple[str, str]]  # (attribute, heading)
    queryset: QuerySet
    money_columns: frozenset = frozenset()

    def rows(self, objects) -> list[list]:
        return [[_cell(obj, attr) for attr, _ in self.columns] for obj in objects]


def _cell(obj, attr):
    value = obj
    for part in attr.split("."):
        value = getattr(value, part, None) if value is not None else None
    if callable(value):
        value = value()
    return value


_OPP_COLUMNS = [
    ("external_id", "ID"),
    ("name", "Name"),
    ("account.name", "Account"),
    ("account.segment", "Segment"),
    ("get_status_display", "Status"),
    ("get_type_display", "Type"),
    ("amount", "Amount"),
    ("created_date", "Created"),
    ("close_date", "Closed"),
    ("source", "Source"),
    ("owner", "Owner"),
]


def _opportunities(segment: str | None) -> QuerySet:
    queryset = Opportunity.objects.select_related("account")
    if segment:
        queryset = queryset.filter(account__segment=segment)
    return queryset


def closed_opportunities(period: Period, *, segment: str | None = None, renewal=False) -> QuerySet:
    queryset = _opportunities(segment).filter(
        status__in=[Opportunity.Status.WON, Opportunity.Status.LOST],
        close_date__gte=period.start,
        close_date__lt=period.end,
    )
    if renewal:
        queryset = queryset.filter(type=Opportunity.Type.RENEWAL)
    return queryset.order_by("close_date", "external_id")


def open_opportunities(period: Period, *, segment: str | None = None) -> QuerySet:
    last = period.last_day
    return (
        _opportunities(segment)
        .filter(created_date__lte=last)
        .exclude(
            Q(status__in=[Opportunity.Status.WON, Opportunity.Status.LOST])
            & Q(close_date__lte=last)
        )
        .order_by("created_date", "external_id")
    )


def _mrr_on(day: date):
    """An account's MRR on a day: the sum of its subscriptions covering it, by subquery."""
    covering = (
        Subscription.objects.filter(account=OuterRef("pk"), start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
        .values("account")
        .annotate(total=Sum("mrr"))
        .values("total")
    )
    money = DecimalField(max_digits=18, decimal_places=2)
    return Coalesce(Subquery(covering, output_field=money), Value(Decimal("0"), output_field=money))


def account_movements(
    period: Period, *, segment: str | None = None, first: str | None = None
) -> QuerySet:
    """Accounts with MRR on either side of P, their opening/closing MRR and their movement:
    the `first` movement, then the other movements, then the unchanged accounts."""
    earlier = Subscription.objects.filter(account=OuterRef("pk"), start_date__lt=period.start)
    money = DecimalField(max_digits=18, decimal_places=2)
    queryset = Account.objects.annotate(
        opening_mrr=_mrr_on(period.day_before),
        closing_mrr=_mrr_on(period.last_day),
        had_earlier=Exists(earlier),
    ).filter(Q(opening_mrr__gt=0) | Q(closing_mrr__gt=0))
    if segment:
        queryset = queryset.filter(segment=segment)
    return queryset.annotate(
        movement=Case(
            When(opening_mrr=0, had_earlier=False, then=Value("new")),
            When(opening_mrr=0, then=Value("reactivation")),
            When(closing_mrr=0, then=Value("churn")),
            When(closing_mrr__gt=F("opening_mrr"), then=Value("expansion")),
            When(closing_mrr__lt=F("opening_mrr"), then=Value("contraction")),
            default=Value("unchanged"),
        ),
        change=ExpressionWrapper(F("closing_mrr") - F("opening_mrr"), output_field=money),
        listing_order=Case(
            When(movement=first or "", then=Value(0)),
            When(movement="unchanged", then=Value(2)),
            default=Value(1),
        ),
    ).order_by("listing_order", "name", "pk")


def new_customers(
    period: Period, *, segment: str | None = None, channel: str | None = None
) -> QuerySet:
    """Accounts whose earliest won opportunity closes in P, with that deal's source as channel."""
    first_won = Opportunity.objects.filter(
        account=OuterRef("pk"), status=Opportunity.Status.WON
    ).order_by("close_date", "created_date", "external_id")
    queryset = Account.objects.annotate(
        first_won_close=Subquery(first_won.values("close_date")[:1]),
        channel=Subquery(first_won.values("source")[:1]),
        first_won_id=Subquery(first_won.values("external_id")[:1]),
        first_won_amount=Subquery(first_won.values("amount")[:1]),
    ).filter(first_won_close__gte=period.start, first_won_close__lt=period.end)
    if segment:
        queryset = queryset.filter(segment=segment)
    if channel:
        queryset = queryset.filter(channel=channel)
    return queryset.order_by("first_won_close", "name", "pk")


def spend_rows(period: Period, *, channel: str | None = None) -> QuerySet:
    queryset = Spend.objects.filter(month__gte=period.start, month__lt=period.end)
    if channel:
        queryset = queryset.filter(channel=channel)
    return queryset.order_by("month", "channel", "category")


def forecasts_for(period: Period) -> QuerySet:
    return Forecast.objects.filter(period_start=period.start, period_end=period.last_day).order_by(
        "recorded_on"
    )


def drilldown(definition: MetricDefinition, period: Period, cut: Cut) -> list[RecordTable]:
    """The records behind a metric's figure for P, as one or more tables of querysets."""
    if not cut.allows(definition):
        raise BadRequest(f"{definition.name} can't be cut by {cut.kind}.")
    segment = cut.value if cut.kind == catalog.SEGMENT else None
    channel = cut.value if cut.kind == catalog.CHANNEL else None
    key = definition.key
    if key in CLOSED_KEYS:
        return [
            RecordTable(
                "opportunities",
                f"Won and lost opportunities closed in {period.label()}",
                _OPP_COLUMNS,
                closed_opportunities(period, segment=segment),
            )
        ]
    if key in OPEN_KEYS:
        return [
            RecordTable(
                "opportunities",
                f"Opportunities open at the end of {period.label()}",
                _OPP_COLUMNS,
                open_opportunities(period, segment=segment),
            )
        ]
    if key in RENEWAL_KEYS:
        return [
            RecordTable(
                "opportunities",
                f"Renewal opportunities closed in {period.label()}",
                _OPP_COLUMNS,
                closed_opportunities(period, segment=segment, renewal=True),
            )
        ]
    if key in FORECAST_KEYS:
        return [
            RecordTable(
                "forecasts",
                f"Forecasts recorded for {period.label()}",
                [
                    ("period_start", "Period start"),
                    ("period_end", "Period end"),
                    ("amount", "Amount"),
                    ("recorded_on", "Recorded on"),
                ],
                forecasts_for(period),
            ),
            RecordTable(
                "won",
                f"Won opportunities closed in {period.label()} (the actual)",
                _OPP_COLUMNS,
                closed_opportunities(period).filter(status=Opportunity.Status.WON),
            ),
        ]
    if key in ACQUISITION_KEYS:
        tables = []
        if key != "new_customers":
            tables.append(
                RecordTable(
                    "spend",
                    f"Spend in {period.label()}",
                    [
                        ("month", "Month"),
                        ("channel", "Channel"),
                        ("get_category_display", "Category"),
                        ("amount", "Amount"),
                    ],
                    spend_rows(period, channel=channel),
                )
            )
        tables.append(
            RecordTable(
                "customers",
                f"New customers in {period.label()}",
                [
                    ("external_id", "ID"),
                    ("name", "Account"),
                    ("segment", "Segment"),
                    ("channel", "Channel"),
                    ("first_won_id", "First won deal"),
                    ("first_won_close", "Closed"),
                    ("first_won_amount", "Amount"),
                ],
                new_customers(period, segment=segment, channel=channel),
            )
        )
        return tables
    # The recurring revenue metrics.
    return [
        RecordTable(
            "accounts",
            f"Accounts with MRR in {period.label()}: opening (on {period.day_before}) and closing (on {period.last_day})",
            [
                ("external_id", "ID"),
                ("name", "Account"),
                ("segment", "Segment"),
                ("opening_mrr", "Opening MRR"),
                ("closing_mrr", "Closing MRR"),
                ("movement", "Movement"),
                ("change", "Change"),
            ],
            account_movements(period, segment=segment, first=MOVEMENT_OF_KEY.get(key)),
        )
    ]


# --- Helpers ------------------------------------------------------------------------------------


def _currency() -> str:
    from django.conf import settings

    return settings.METRICS_CURRENCY


def _number(value: Decimal | None, sign: int = 1) -> float | None:
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
        text = f"{_currency()} {value:,.{digits}f}"
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


def cut_choices(run: MetricRun | None) -> dict[str, list[str]]:
    """The segments and channels the run stored figures for (one query)."""
    if run is None:
        return {catalog.SEGMENT: [], catalog.CHANNEL: []}
    return selectors.cut_values(run)


def metric_report(
    *, run: MetricRun | None, definition: MetricDefinition, period: Period, cut: Cut
) -> dict:
    """One metric's stored figure for a period and cut: `metrics_report --format json`'s shape
    (the engine's `selectors.period_report`), with only that metric under "metrics"."""
    report = selectors.period_report(period, cut=cut, run=run)
    report["metrics"] = {definition.key: report["metrics"][definition.key]}
    return report
