"""Pipeline metrics (from opportunities): win rate, deal size, cycle, open pipeline, velocity,
renewal rates and the forecast.

The record sets and conditions below (`opportunities_for`, `closed_in`, `open_at_end`,
`forecasts_for`) are the figures' definitions as the drill-downs list them; `totals` computes
the same for many periods and cut values in one query for every cut kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext

from django.db.models import Case, F, Q, QuerySet, Subquery, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_noop

from .. import catalog
from ..cuts import Cut
from ..models import Forecast, Opportunity, Team
from ..periods import Period
from . import batch
from .figures import figure, money, ratio, undefined

OPEN = Opportunity.Status.OPEN


def opportunities_for(cut: Cut) -> QuerySet:
    """The opportunities a pipeline cut covers (the pipeline has no channel cut). An
    opportunity without an account, or whose owner is on no team, is in "all" only."""
    opportunities = Opportunity.objects.all()
    if cut.kind == catalog.SEGMENT:
        opportunities = opportunities.filter(account__segment=cut.value)
    elif cut.kind == catalog.INDUSTRY:
        opportunities = opportunities.filter(account__industry=cut.value)
    elif cut.kind == catalog.OWNER:
        opportunities = opportunities.filter(owner=cut.value)
    elif cut.kind == catalog.TEAM:
        members = Team.objects.filter(team=cut.value).values("owner")
        opportunities = opportunities.filter(owner__in=Subquery(members))
    return opportunities


def closed_in(period: Period) -> Q:
    """Closing in P (with a status of won or lost, the deal counts in P's win rate)."""
    return Q(close_date__gte=period.start, close_date__lt=period.end)


def open_at_end(period: Period) -> Q:
    """Open at the end of P: created by its last day and not closed by then. A closed
    opportunity always has a close_date (a database constraint)."""
    return Q(created_date__lt=period.end) & (Q(status=OPEN) | Q(close_date__gte=period.end))


def forecasts_for(period: Period) -> QuerySet:
    """Every forecast recorded for P (its first and last day)."""
    return Forecast.objects.filter(period_start=period.start, period_end=period.last_day)


# --- Many periods and cut values at once --------------------------------------------------

# The cut value of an opportunity `o` (its account `a`, its owner's team row `t`).
_CUT_VALUE = {
    catalog.ALL: "''",
    catalog.SEGMENT: "a.segment",
    catalog.INDUSTRY: "a.industry",
    catalog.OWNER: "o.owner",
    catalog.TEAM: "t.team",
}
_CLOSED_IN = "o.close_date >= p.s AND o.close_date < p.e"
_OPEN_AT_END = f"o.created_date < p.e AND (o.status = '{batch.OPEN}' OR o.close_date >= p.e)"
_WON = f"o.status = '{batch.WON}' AND {_CLOSED_IN}"
_LOST = f"o.status = '{batch.LOST}' AND {_CLOSED_IN}"
_RENEWAL = f"o.type = '{batch.RENEWAL}'"
_CENTS = "ROUND(o.amount * 100)"
TOTALS = (
    "won_count",
    "lost_count",
    "won_cents",
    "cycle_days",
    "open_count",
    "open_cents",
    "renewal_won",
    "renewal_lost",
    "renewal_won_cents",
    "renewal_lost_cents",
)
EMPTY = dict.fromkeys(TOTALS, 0)


def _numbers() -> str:
    when = batch.sum_when
    cycle = batch.days_between("o.close_date", "o.created_date")
    # NULL amounts (unvalued deals) add nothing: CASE gives NULL and SUM skips it.
    return f"""
            {when(_WON)}, {when(_LOST)}, SUM(CASE WHEN {_WON} THEN {_CENTS} END),
            {when(_WON, cycle)}, {when(_OPEN_AT_END)}, SUM(CASE WHEN {_OPEN_AT_END} THEN {_CENTS} END),
            {when(f"{_WON} AND {_RENEWAL}")}, {when(f"{_LOST} AND {_RENEWAL}")},
            SUM(CASE WHEN {_WON} AND {_RENEWAL} THEN {_CENTS} END),
            SUM(CASE WHEN {_LOST} AND {_RENEWAL} THEN {_CENTS} END)"""


def _statement(kinds: set[str]) -> tuple[str, str]:
    joins = ""
    if kinds & {catalog.SEGMENT, catalog.INDUSTRY}:
        joins += f" LEFT JOIN {batch.ACCOUNTS} a ON a.id = o.account_id"
    if catalog.TEAM in kinds:
        # One teams row per owner (unique), so the join never repeats a deal in the other cuts.
        joins += f" LEFT JOIN {batch.TEAMS} t ON t.owner = o.owner"
    return (
        "",
        f"""
        FROM periods p
        JOIN {batch.OPPORTUNITIES} o ON ({_CLOSED_IN}) OR ({_OPEN_AT_END})
        {joins}""",
    )


def totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    """The pipeline totals of every period (by index) and cut: one query for every cut kind."""
    rows = batch.grouped(periods, cuts, _CUT_VALUE, _statement, _numbers())
    return {place: dict(zip(TOTALS, numbers, strict=True)) for place, numbers in rows.items()}


def latest_forecasts(periods: Sequence[Period]) -> dict[Period, Decimal]:
    """F for each period that has a forecast: the latest recorded on or before its first day,
    else the earliest recorded for it (one query for every period)."""
    ends = {(p.start, p.last_day): p for p in periods}
    if not ends:
        return {}
    on_or_before = Q(recorded_on__lte=F("period_start"))
    ranked = (
        Forecast.objects.filter(period_start__in={start for start, _ in ends})
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("period_start"), F("period_end")],
                order_by=[
                    Case(When(on_or_before, then=F("recorded_on")), default=None).desc(
                        nulls_last=True
                    ),
                    F("recorded_on").asc(),
                    F("pk").asc(),
                ],
            )
        )
        .filter(position=1)
        .values_list("period_start", "period_end", "amount")
    )
    return {ends[start, end]: amount for start, end, amount in ranked if (start, end) in ends}


# --- Figures ----------------------------------------------------------------------------


def figures(t: dict, forecast: Decimal | None = None, *, with_forecast: bool = True) -> dict:
    """The pipeline figures from one period and cut's totals (and F, the forecast)."""
    won, lost = Decimal(t["won_count"]), Decimal(t["lost_count"])
    won_amount = money(t["won_cents"])
    cycle_days = Decimal(int(t["cycle_days"] or 0))
    open_count = Decimal(t["open_count"])
    result = {
        "won_count": figure(won),
        "lost_count": figure(lost),
        "won_amount": figure(won_amount),
        "win_rate": ratio(won, won + lost, gettext_noop("no closed opportunities")),
        "avg_deal_size": ratio(won_amount, won, gettext_noop("no won opportunities")),
        "sales_cycle_days": ratio(cycle_days, won, gettext_noop("no won opportunities")),
        "open_pipeline_count": figure(open_count),
        "open_pipeline_amount": figure(money(t["open_cents"])),
    }
    # Velocity = open count × win rate × average deal size / cycle length, which reduces to
    # open count × won amount × won / ((won + lost) × total cycle days).
    if not won + lost:
        result["pipeline_velocity"] = undefined(gettext_noop("no closed opportunities"))
    elif not won:
        result["pipeline_velocity"] = undefined(gettext_noop("no won opportunities"))
    elif not cycle_days:
        result["pipeline_velocity"] = undefined(gettext_noop("the sales cycle is 0 days"))
    else:
        with localcontext(prec=40):
            numerator = open_count * (won / (won + lost)) * (won_amount / won)
            result["pipeline_velocity"] = ratio(numerator, cycle_days / won, "")
    r_won, r_lost = Decimal(t["renewal_won"]), Decimal(t["renewal_lost"])
    r_won_amount, r_lost_amount = money(t["renewal_won_cents"]), money(t["renewal_lost_cents"])
    result["renewal_rate"] = ratio(
        r_won, r_won + r_lost, gettext_noop("no closed renewal opportunities")
    )
    result["renewal_rate_amount"] = ratio(
        r_won_amount,
        r_won_amount + r_lost_amount,
        gettext_noop("no closed renewal opportunities")
        if not r_won + r_lost
        else gettext_noop("closed renewal opportunities have no amount"),
    )
    if with_forecast:
        if forecast is None:
            result["forecast_amount"] = undefined(gettext_noop("no forecast for this period"))
            result["forecast_accuracy"] = undefined(gettext_noop("no forecast for this period"))
        else:
            result["forecast_amount"] = figure(forecast)
            # 1 − |F − A| / A, shown as (A − |F − A|) / A so value = numerator / denominator.
            result["forecast_accuracy"] = ratio(
                won_amount - abs(forecast - won_amount),
                won_amount,
                gettext_noop("no won amount in this period"),
            )
    return result


def pipeline_figures(period: Period, cut: Cut | None = None, *, with_forecast: bool = True) -> dict:
    """One period and cut's pipeline figures (two queries)."""
    cut = cut or Cut()
    t = totals([period], [cut]).get((0, cut), EMPTY)
    forecast = latest_forecasts([period]).get(period) if with_forecast else None
    return figures(t, forecast, with_forecast=with_forecast)
