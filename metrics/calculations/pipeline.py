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

# The cut value of the opportunities summed in a row `o` of `_statement`.
_CUT_VALUE = {
    catalog.ALL: "''",
    catalog.SEGMENT: "o.segment",
    catalog.INDUSTRY: "o.industry",
    catalog.OWNER: "o.owner",
    catalog.TEAM: "o.team",
}
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
_CLOSED = f"status IN ('{batch.WON}', '{batch.LOST}')"


def _events() -> str:
    """Each opportunity as the days it changes a total on: closed (won or lost) on its
    close_date; open from its created_date (+1) until the later of its created and close dates
    if it is closed (-1). So "open at the end of P" (created by P's last day and not closed by
    then) is the sum of the +1 and -1 before P's end, and "closed in P" the sum of the closed
    rows on P's days. A number an event does not change is NULL, which SUM skips (as it skips
    the NULL amounts of unvalued deals).

    Only the deals that can count are read: closed on the periods' days; for the open
    pipeline, created before the last period's end and not closed before the first one's
    (such a deal is open at no period's end: its +1 and -1 both come before every end), and
    its -1 only when it comes before the last period's end (from then on it is in no period's
    sums: for one period, no -1 at all, where every deal still open at the end was read a
    second time, 43,000 at 1,000,000 opportunities); the open pipeline's days before the first
    period are span 0, before every end either way."""
    won, lost = f"status = '{batch.WON}'", f"status = '{batch.LOST}'"
    renewal = f"type = '{batch.RENEWAL}'"
    cycle = batch.days_between("close_date", "created_date")
    cents = batch.cents("amount")
    can_be_open = f"created_date < {batch.END} AND (status = '{batch.OPEN}' OR close_date >= {batch.FIRST_END})"
    # A closed deal's -1 is on the later of its created and close dates, before the last
    # period's end when its close date is (its created date is, to be read at all).
    closes_open = f"created_date < {batch.END} AND close_date >= {batch.FIRST_END} AND close_date < {batch.END}"

    def when(condition: str, then: str = "1") -> str:
        return f"CASE WHEN {condition} THEN {then} END"

    return f"""(
            SELECT close_date AS day, account_id, owner, {when(won)} AS won_count,
                {when(lost)} AS lost_count, {when(won, cents)} AS won_cents,
                {when(won, cycle)} AS cycle_days, NULL AS open_count, NULL AS open_cents,
                {when(f"{won} AND {renewal}")} AS renewal_won,
                {when(f"{lost} AND {renewal}")} AS renewal_lost,
                {when(f"{won} AND {renewal}", cents)} AS renewal_won_cents,
                {when(f"{lost} AND {renewal}", cents)} AS renewal_lost_cents
            FROM {batch.OPPORTUNITIES}
            WHERE {_CLOSED} AND close_date >= {batch.FIRST_DAY} AND close_date < {batch.END}
            UNION ALL
            SELECT created_date, account_id, owner,
                NULL, NULL, NULL, NULL, 1, {cents}, NULL, NULL, NULL, NULL
            FROM {batch.OPPORTUNITIES} WHERE {can_be_open}
            UNION ALL
            SELECT {batch.later_of("created_date", "close_date")}, account_id, owner,
                NULL, NULL, NULL, NULL, -1, -{cents}, NULL, NULL, NULL, NULL
            FROM {batch.OPPORTUNITIES} WHERE {_CLOSED} AND {closes_open}
        ) o"""


# The columns of each cut kind's value, and the SQL that gives them.
_CUT_COLUMN = {
    catalog.SEGMENT: ("segment", "a.segment"),
    catalog.INDUSTRY: ("industry", "a.industry"),
    catalog.OWNER: ("owner", "o.owner"),
    catalog.TEAM: ("team", "t.team"),
}


def _statement(kinds: set[str]) -> tuple[str, str]:
    """The events summed per span and every cut value asked at once (a row per span and
    combination of segment, industry, owner and team: at 100,000 opportunities 16,889 rows for
    260,000 events), which the grouping sets then read instead of the events, once per kind."""
    joins = ""
    if kinds & {catalog.SEGMENT, catalog.INDUSTRY}:
        joins += f" LEFT JOIN {batch.ACCOUNTS} a ON a.id = o.account_id"
    if catalog.TEAM in kinds:
        # One teams row per owner (unique), so the join never repeats a deal in the other cuts.
        joins += f" LEFT JOIN {batch.TEAMS} t ON t.owner = o.owner"
    columns = [_CUT_COLUMN[kind] for kind in sorted(kinds & _CUT_COLUMN.keys())]
    keys = ", ".join(str(position) for position in range(1, len(columns) + 2))
    selected = ", ".join(
        [f"{batch.span_of('o.day')} AS span", *(f"{sql} AS {name}" for name, sql in columns)]
    )
    sums = ", ".join(f"SUM(o.{name}) AS {name}" for name in TOTALS)
    return "", f"FROM (SELECT {selected}, {sums} FROM {_events()} {joins} GROUP BY {keys}) o"


def _per_period() -> str:
    """The totals of each period from the spans': the closed rows of its spans; the open count
    and amount as running sums over the spans, read on the last span with rows before its end
    (joining each period to every earlier day instead made 1.6 million rows at 100,000
    opportunities, docs/benchmarks.md). NULL (no event) sums are 0."""
    return f"""
        , running AS (
            SELECT span, position, value, SUM(open_count) OVER spans AS open_count,
                SUM(open_cents) OVER spans AS open_cents, LEAD(span) OVER spans AS next_span
            FROM spans WINDOW spans AS (PARTITION BY position, value ORDER BY span)
        )
        SELECT idx, position, value,
            {", ".join(f"COALESCE(SUM({name}), 0)" for name in TOTALS)} FROM (
            SELECT p.idx, d.position, d.value, SUM(d.won_count) AS won_count,
                SUM(d.lost_count) AS lost_count, SUM(d.won_cents) AS won_cents,
                SUM(d.cycle_days) AS cycle_days, NULL AS open_count, NULL AS open_cents,
                SUM(d.renewal_won) AS renewal_won, SUM(d.renewal_lost) AS renewal_lost,
                SUM(d.renewal_won_cents) AS renewal_won_cents,
                SUM(d.renewal_lost_cents) AS renewal_lost_cents
            FROM periods p JOIN spans d ON d.span >= p.s_span AND d.span < p.e_span
            GROUP BY p.idx, d.position, d.value
            UNION ALL
            SELECT p.idx, r.position, r.value, NULL, NULL, NULL, NULL, r.open_count,
                r.open_cents, NULL, NULL, NULL, NULL
            FROM periods p
            JOIN running r ON r.span < p.e_span AND (r.next_span IS NULL OR r.next_span >= p.e_span)
        ) totals
        GROUP BY idx, position, value"""


def totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    """The pipeline totals of every period (by index) and cut: one query for every cut kind,
    the opportunities summed per span and cut value first, then those spans per period."""
    rows = batch.grouped(
        periods,
        cuts,
        _CUT_VALUE,
        _statement,
        ", ".join(f"SUM(o.{name})" for name in TOTALS),
        "o.span",
        per_span=(list(TOTALS), _per_period()),
    )
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
