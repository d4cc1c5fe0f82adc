"""Pipeline metrics (from opportunities): win rate, deal size, cycle, open pipeline, velocity,
renewal rates and the forecast.

The record sets and conditions below (`opportunities_for`, `closed_in`, `open_at_end`,
`forecasts_for`) are the figures' definitions as the drill-downs list them; `totals` computes
the same for many periods and cut values in one query for every cut kind, from the pipeline's
events summed per cut value and day and kept between computations (`KEPT`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext

from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Subquery, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_noop

from .. import catalog
from ..cuts import Cut
from ..models import Forecast, KeptPipeline, Opportunity, Team
from ..periods import Period
from . import batch, kept
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
# The closed deals' numbers, and the open pipeline's.
_CLOSED_TOTALS = tuple(name for name in TOTALS if not name.startswith("open_"))
_OPEN_TOTALS = ("open_count", "open_cents")
# The kinds kept (the team cut is read from the owners' rows); each kind's cut value in the
# events' rows `o` joined to their account `a`.
_KEPT_VALUE = {
    catalog.SEGMENT: "a.segment",
    catalog.INDUSTRY: "a.industry",
    catalog.OWNER: "o.owner",
}
_KINDS = (catalog.ALL, *_KEPT_VALUE, catalog.TEAM)


def _closed_events(among: Callable[[str], str] | None = None) -> str:
    """Each closed (won or lost) opportunity on its close_date, its numbers where it counts
    (NULL, which SUM skips, where it does not, as it skips the NULL amounts of unvalued deals).
    `among` (kept.Touched.among): only some days'."""
    won, lost = f"status = '{batch.WON}'", f"status = '{batch.LOST}'"
    renewal = f"type = '{batch.RENEWAL}'"
    cents = batch.cents("o.amount")

    def when(condition: str, then: str = "1") -> str:
        return f"CASE WHEN {condition} THEN {then} END"

    numbers = {
        "won_count": when(won),
        "lost_count": when(lost),
        "won_cents": when(won, cents),
        "cycle_days": when(won, batch.days_between("o.close_date", "o.created_date")),
        "renewal_won": when(f"{won} AND {renewal}"),
        "renewal_lost": when(f"{lost} AND {renewal}"),
        "renewal_won_cents": when(f"{won} AND {renewal}", cents),
        "renewal_lost_cents": when(f"{lost} AND {renewal}", cents),
    }
    selected = ", ".join(f"{sql} AS {name}" for name, sql in numbers.items())
    return f"""(SELECT o.close_date AS day, o.account_id, o.owner, {selected}
        FROM {batch.OPPORTUNITIES} o
        WHERE o.{_CLOSED} {f"AND {among('o.close_date')}" if among else ""}) o"""


def _open_events(among: Callable[[str], str] | None = None) -> str:
    """Each opportunity as the days it changes the open pipeline on: open from its created_date
    (+1), until the later of its created and close dates if it is closed (-1). "Open at the end
    of P" (created by P's last day and not closed by then) is the sum of the +1 and -1 before
    P's end. `among` (kept.Touched.among): only some days' (the -1's day is one of its two
    dates, which the indexes find)."""
    cents = batch.cents("amount")
    later = batch.later_of("created_date", "close_date")
    opened, closed = "", ""
    if among:
        opened = f"WHERE {among('created_date')}"
        closed = f"AND ({among('created_date')} OR {among('close_date')}) AND {among(later)}"
    return f"""(SELECT created_date AS day, account_id, owner, 1 AS open_count,
            {cents} AS open_cents
        FROM {batch.OPPORTUNITIES} {opened}
        UNION ALL
        SELECT {later}, account_id, owner, -1, -{cents}
        FROM {batch.OPPORTUNITIES} WHERE {_CLOSED} {closed}) o"""


def _per_day_and_cut(events: str, names: Sequence[str]) -> str:
    """SELECT day, kind, value and the sums of `names` over `events` (`o`, joined to its
    account `a`) per day and each kept kind's cut value (value NULL for "all", and where the
    deal has no account). PostgreSQL: one GROUPING SETS pass; SQLite: a GROUP BY per kind."""
    sums = ", ".join(f"SUM({name}) AS {name}" for name in names)
    source = f"FROM {events} LEFT JOIN {batch.ACCOUNTS} a ON a.id = o.account_id"
    if connection.vendor != "postgresql":
        return " UNION ALL ".join(
            [f"SELECT o.day AS day, '{catalog.ALL}' AS kind, NULL AS value, {sums} {source} "
             "GROUP BY o.day"]
            + [f"SELECT o.day, '{kind}', {value}, {sums} {source} GROUP BY o.day, {value}"
               for kind, value in _KEPT_VALUE.items()]
        )  # fmt: skip
    grouped = {kind: f"GROUPING({value}) = 0" for kind, value in _KEPT_VALUE.items()}
    kind = " ".join(f"WHEN {condition} THEN '{k}'" for k, condition in grouped.items())
    value = " ".join(
        f"WHEN {grouped[k]} THEN {expression}" for k, expression in _KEPT_VALUE.items()
    )
    sets = ", ".join(
        ["(o.day)", *(f"(o.day, {expression})" for expression in _KEPT_VALUE.values())]
    )
    return f"""SELECT o.day AS day, CASE {kind} ELSE '{catalog.ALL}' END AS kind,
        CASE {value} END AS value, {sums} {source} GROUP BY GROUPING SETS ({sets})"""


def _kept_select(among: Callable[[str], str] | None = None) -> str:
    """The kept rows (`KEPT`): every opportunity's events summed per cut kind, value and day,
    whatever the periods. The closed deals' eight sums and the open pipeline's two are grouped
    apart (a grouping pass costs per row and per sum: fewer sums for the 1.8 million open
    events at 1,000,000 opportunities), then merged. A NULL cut value (no account) is in "all"
    only, as the definitions say; a day without a number is 0. `among`: only some days'."""
    closed = _per_day_and_cut(_closed_events(among), _CLOSED_TOTALS)
    opened = _per_day_and_cut(_open_events(among), _OPEN_TOTALS)
    closed_columns = ", ".join(
        name if name in _CLOSED_TOTALS else f"NULL AS {name}" for name in TOTALS
    )
    open_columns = ", ".join(name if name in _OPEN_TOTALS else f"NULL AS {name}" for name in TOTALS)
    sums = ", ".join(f"COALESCE(SUM({name}), 0)" for name in TOTALS)
    return f"""SELECT kind, COALESCE(value, ''), day, {sums} FROM (
            SELECT kind, value, day, {closed_columns} FROM ({closed}) c
            UNION ALL
            SELECT kind, value, day, {open_columns} FROM ({opened}) d
        ) k WHERE kind = '{catalog.ALL}' OR value IS NOT NULL
        GROUP BY kind, value, day"""


# The pipeline's events per cut kind, value and day, kept between computations (kept.py):
# from the opportunities and their accounts' segment and industry, not the teams (joined to the
# owners' rows when read).
KEPT = kept.Kept(
    KeptPipeline._meta.db_table,
    (batch.OPPORTUNITIES, batch.ACCOUNTS),
    ("kind", "value", "day", *TOTALS),
    _kept_select,
    key=kept.DAY,
    select_among=_kept_select,
)


def _spans(kinds: set[str]) -> str:
    """The kept rows of the kinds asked summed per span, kind and value (the team cut: each
    team's owners' rows, one teams row per owner), up to the last period's end."""
    sums = ", ".join(f"SUM(k.{name})" for name in TOTALS)
    before_end = f"k.day < {batch.END}"
    span = batch.span_of("k.day")
    arms = []
    if kept_kinds := sorted(kinds - {catalog.TEAM}):
        listed = ", ".join(f"'{kind}'" for kind in kept_kinds)
        arms.append(
            f"SELECT {span}, k.kind, k.value, {sums} FROM {KEPT.table} k "
            f"WHERE k.kind IN ({listed}) AND {before_end} GROUP BY 1, 2, 3"
        )
    if catalog.TEAM in kinds:
        arms.append(
            f"SELECT {span}, '{catalog.TEAM}', t.team, {sums} FROM {KEPT.table} k "
            f"JOIN {batch.TEAMS} t ON t.owner = k.value "
            f"WHERE k.kind = '{catalog.OWNER}' AND {before_end} GROUP BY 1, 2, 3"
        )
    return " UNION ALL ".join(arms)


def _per_period() -> str:
    """The totals of each period from the spans': the closed rows of its spans; the open count
    and amount as running sums over the spans, read on the last span with rows before its end
    (joining each period to every earlier day instead made 1.6 million rows at 100,000
    opportunities, docs/benchmarks.md). NULL (no event) sums are 0."""
    return f"""
        , running AS (
            SELECT span, kind, value, SUM(open_count) OVER spans AS open_count,
                SUM(open_cents) OVER spans AS open_cents, LEAD(span) OVER spans AS next_span
            FROM spans WINDOW spans AS (PARTITION BY kind, value ORDER BY span)
        )
        SELECT idx, kind, value,
            {", ".join(f"COALESCE(SUM({name}), 0)" for name in TOTALS)} FROM (
            SELECT p.idx, d.kind, d.value, SUM(d.won_count) AS won_count,
                SUM(d.lost_count) AS lost_count, SUM(d.won_cents) AS won_cents,
                SUM(d.cycle_days) AS cycle_days, NULL AS open_count, NULL AS open_cents,
                SUM(d.renewal_won) AS renewal_won, SUM(d.renewal_lost) AS renewal_lost,
                SUM(d.renewal_won_cents) AS renewal_won_cents,
                SUM(d.renewal_lost_cents) AS renewal_lost_cents
            FROM periods p JOIN spans d ON d.span >= p.s_span AND d.span < p.e_span
            GROUP BY p.idx, d.kind, d.value
            UNION ALL
            SELECT p.idx, r.kind, r.value, NULL, NULL, NULL, NULL, r.open_count,
                r.open_cents, NULL, NULL, NULL, NULL
            FROM periods p
            JOIN running r ON r.span < p.e_span AND (r.next_span IS NULL OR r.next_span >= p.e_span)
        ) totals
        GROUP BY idx, kind, value"""


def totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    """The pipeline totals of every period (by index) and cut, from the kept rows (current:
    `kept.ensure(KEPT)` first), in one query: summed per span and cut value, then those spans
    per period."""
    wanted = batch.by_kind(cuts, _KINDS)
    if not wanted:
        return {}
    cte, params = batch.periods_cte(periods)
    names = ", ".join(TOTALS)
    sql = (
        f"WITH {cte}, spans (span, kind, value, {names}) AS ({_spans(set(wanted))}) {_per_period()}"
    )
    asked = {(kind, value) for kind, values in wanted.items() for value in values}
    return {
        (idx, Cut(kind, value)): dict(zip(TOTALS, numbers, strict=True))
        for idx, kind, value, *numbers in batch.fetch(sql, params)
        if (kind, value) in asked
    }


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
    """One period and cut's pipeline figures (two queries, with the kept rows current)."""
    cut = cut or Cut()
    kept.ensure(KEPT)
    t = totals([period], [cut]).get((0, cut), EMPTY)
    forecast = latest_forecasts([period]).get(period) if with_forecast else None
    return figures(t, forecast, with_forecast=with_forecast)
