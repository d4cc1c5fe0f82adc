"""What the dashboard pages show: the scorecard, a metric's page (chart, breakdown, CSV
series, JSON report) and the playbook's live metric cards.

Built from stored values of the latest successful run read by `selectors` (a fixed number
of queries whatever the number of periods or metrics) and shown through `presentation`.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from . import catalog, cuts, selectors
from .catalog import MetricDefinition
from .cuts import ALL_CUT, Cut
from .models import MetricRun, MetricTarget, MetricValue
from .periods import MONTH, QUARTER, WEEK, YEAR, Period
from .presentation import (
    Change,
    Figure,
    change_between,
    chart_number,
    chart_words,
    currency,
    metric_url,
    scorecard_url,
    sparkline,
    target_status,
)

# The scorecard: the health of the whole business at a glance.
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
# The scorecard's funnel row: the top of the funnel (metrics/calculations/funnel.py).
FUNNEL_ROW_KEYS: tuple[str, ...] = (
    "leads_created",
    "lead_qualification_rate",
    "lead_conversion_rate",
    "cost_per_lead",
)
# Every card of the scorecard (each with its owner, stale flag and findings).
SCORECARD_KEYS = HEADLINE_KEYS + FUNNEL_ROW_KEYS
MOVEMENT_KEYS: tuple[str, ...] = ("new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr")
SPARK_PERIODS = 12
# How far back a metric page's chart reaches, per period kind.
SERIES_LENGTH = {WEEK: 26, MONTH: 24, QUARTER: 12, YEAR: 10}


def periods_ending(period: Period, count: int) -> list[Period]:
    periods = [period]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


# --- The scorecard and the playbook's cards -----------------------------------------------------


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
    funnel_rows: list[ScorecardRow] = field(default_factory=list)
    movements_chart: dict = field(default_factory=dict)
    movements_table: list[tuple[str, list[Decimal | None]]] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return any(row.figure.stored for row in self.rows + self.funnel_rows)

    @property
    def funnel_available(self) -> bool:
        return any(self.cut.allows(row.definition) for row in self.funnel_rows)


def _rows(run, keys, period: Period, cut: Cut) -> list[ScorecardRow]:
    periods = periods_ending(period, SPARK_PERIODS)
    definitions = [catalog.BY_KEY[key] for key in keys]
    allowed = [d.key for d in definitions if cut.allows(d)]
    values = selectors.stored_values(run, allowed, periods, cut)
    targets = selectors.targets(allowed, cut, period.kind)
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
    # One read for the headline and the funnel rows: the funnel row costs no extra query.
    rows = _rows(run, SCORECARD_KEYS, period, cut)
    card = Scorecard(
        run=run,
        period=period,
        cut=cut,
        rows=rows[: len(HEADLINE_KEYS)],
        funnel_rows=rows[len(HEADLINE_KEYS) :],
    )
    periods = periods_ending(period, SPARK_PERIODS)
    allowed = [k for k in MOVEMENT_KEYS if cut.allows(catalog.BY_KEY[k])]
    movements = selectors.stored_values(run, allowed, periods, cut)

    def movement(key, p):
        row = movements.get((key, p.start))
        return row.value if row else None

    card.movements_table = [(p.label(), [movement(k, p) for k in MOVEMENT_KEYS]) for p in periods]
    sign = {"contraction_mrr": -1, "churned_mrr": -1}
    card.movements_chart = {
        "labels": [p.label() for p in periods],
        "unit": "money",
        "currency": currency(),
        "datasets": [
            {
                "key": key,
                "label": catalog.BY_KEY[key].name,
                "data": [
                    chart_number(row.value, sign.get(key, 1))
                    if (row := movements.get((key, p.start)))
                    else None
                    for p in periods
                ],
            }
            for key in MOVEMENT_KEYS
        ],
    }
    return card


# The "by team" view: the pipeline figures a sales team is judged by, one row per team.
TEAM_VIEW_KEYS: tuple[str, ...] = (
    "won_count",
    "won_amount",
    "win_rate",
    "avg_deal_size",
    "sales_cycle_days",
    "open_pipeline_amount",
    "pipeline_velocity",
)

# The metrics whose targets the scorecard shows: its cards' and its team view's.
SCORECARD_TARGET_KEYS = SCORECARD_KEYS + TEAM_VIEW_KEYS


@dataclass
class TeamRow:
    team: str
    url: str  # the scorecard cut to this team
    figures: list[Figure]
    statuses: list[str | None]  # each figure against the team's target: green, amber, red

    @property
    def cells(self) -> list[tuple[Figure, str | None]]:
        return list(zip(self.figures, self.statuses, strict=True))


@dataclass
class TeamView:
    definitions: list[MetricDefinition]
    rows: list[TeamRow]


def team_view(*, run: MetricRun | None, period: Period) -> TeamView:
    """Each team's pipeline figures for the period (the `team` cut) against its targets: one
    query for the figures, one for the targets, whatever the number of teams."""
    definitions = [catalog.BY_KEY[key] for key in TEAM_VIEW_KEYS]
    by_team: dict[str, dict[str, MetricValue]] = {}
    for row in selectors.values_by_cut(run, TEAM_VIEW_KEYS, period, [catalog.TEAM]):
        by_team.setdefault(row.cut_value, {})[row.key] = row
    targets = (
        selectors.targets_by_cut_value(TEAM_VIEW_KEYS, catalog.TEAM, period.kind) if by_team else {}
    )
    rows = []
    for team, values in sorted(by_team.items()):
        figures = [Figure.from_row(d, period, values.get(d.key)) for d in definitions]
        rows.append(
            TeamRow(
                team=team,
                url=scorecard_url(period=period, cut=Cut(catalog.TEAM, team)),
                figures=figures,
                statuses=[
                    target_status(targets.get((team, d.key)), figure.value)
                    for d, figure in zip(definitions, figures, strict=True)
                ],
            )
        )
    return TeamView(definitions=definitions, rows=rows)


def success_cards(*, today: date | None = None) -> list[ScorecardRow]:
    """The live metric cards of the playbook's Success metrics section (a fixed few queries)."""
    run = selectors.latest_successful_run()
    if run is None:
        return []
    period = selectors.default_period(run, MONTH, today=today)
    rows = _rows(run, HEADLINE_KEYS, period, ALL_CUT)
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
    values = selectors.stored_values(run, [definition.key] if available else [], periods, cut)
    series = [
        Figure.from_row(definition, p, values.get((definition.key, p.start)), available=available)
        for p in periods
    ]
    target = (
        selectors.targets([definition.key], cut, period.kind).get(definition.key)
        if available
        else None
    )
    chart = {
        "key": definition.key,
        "label": definition.name,
        "unit": definition.unit,
        "currency": currency(),
        "labels": [p.label() for p in periods],
        "data": [chart_number(f.value) for f in series],
        "target": chart_number(target.value) if target else None,
        "words": chart_words(),
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
    kinds = [k for k in cuts.FILTER_KINDS if k in definition.cuts]
    result: dict[str, list[tuple[str, Figure]]] = {k: [] for k in kinds}
    for row in selectors.values_by_cut(run, [definition.key], period, kinds):
        result[row.cut_kind].append((row.cut_value, Figure.from_row(definition, period, row)))
    return result


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
            f.missing_cause,  # the canonical CSV stays in English
        ]
        for f in page.series
    ]


def metric_report(
    *, run: MetricRun | None, definition: MetricDefinition, period: Period, cut: Cut
) -> dict:
    """One metric's stored figure for a period and cut: `metrics_report --format json`'s shape
    (the engine's `selectors.period_report`), with only that metric under "metrics"."""
    report = selectors.period_report(period, cut=cut, run=run)
    report["metrics"] = {definition.key: report["metrics"][definition.key]}
    return report
