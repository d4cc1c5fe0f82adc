"""Many periods and cut values in one query: the SQL pieces the families share.

A run computes every period and cut value. Instead of a query per period and cut, each family
joins its records to a table of the periods (`WITH periods (idx, s, e, day_before, last_day)`)
and groups by period and cut value, so a run's query count does not grow with either. The
conditions are the definitions of docs/metrics.md written once in SQL; the ORM record sets of
each family (what the drill-downs list) say the same in Django's terms, and the tests hold the
two to the same figures.

Money is summed as whole cents (ROUND(amount * 100)), as everywhere: exact on PostgreSQL and
on SQLite (which keeps decimals as floats).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connection

from .. import catalog
from ..cuts import Cut
from ..models import Account, Opportunity, Spend, Subscription, Team
from ..periods import Period

OPPORTUNITIES = Opportunity._meta.db_table
ACCOUNTS = Account._meta.db_table
SUBSCRIPTIONS = Subscription._meta.db_table
SPEND = Spend._meta.db_table
TEAMS = Team._meta.db_table
WON = Opportunity.Status.WON.value
LOST = Opportunity.Status.LOST.value
OPEN = Opportunity.Status.OPEN.value
RENEWAL = Opportunity.Type.RENEWAL.value


def _date_placeholder() -> str:
    # Dates go in as ISO text: SQLite compares its ISO-text dates with them as they are;
    # PostgreSQL needs the cast to compare them with date columns.
    return "%s::date" if connection.vendor == "postgresql" else "%s"


def days_between(later: str, earlier: str) -> str:
    """SQL for the whole days from one date column to another."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def periods_cte(periods: Sequence[Period]) -> tuple[str, list]:
    """`periods (idx, s, e, day_before, last_day)`: one row per period, idx its list index."""
    date = _date_placeholder()
    row = f"(%s, {date}, {date}, {date}, {date})"
    params: list = []
    for idx, period in enumerate(periods):
        params += [idx] + [
            day.isoformat()
            for day in (period.start, period.end, period.day_before, period.last_day)
        ]
    values = ", ".join([row] * len(periods))
    return f"periods (idx, s, e, day_before, last_day) AS (VALUES {values})", params


# Each account's first won opportunity (earliest close date, then created date, then external
# id, which is unique), computed once for every account: its close date makes the account a
# new customer in that period, its source is the account's acquisition channel.
_FIRST_WON_ORDER = "account_id, close_date, created_date, external_id"
_FIRST_WON_WHERE = f"status = '{WON}' AND account_id IS NOT NULL"


def first_won_cte() -> str:
    """`first_won (account_id, close_date, channel)`: one row per account that won a deal.

    PostgreSQL: DISTINCT ON, whose row count the planner estimates from the accounts' count.
    It estimated the window function's `position = 1` at 0.5 % of the won deals (204 rows for
    9,842 at 100k opportunities), so it joined the recurring query's per-account rows to them
    by a nested loop: 18.8 s instead of 0.34 s for one month's channel cut (docs/benchmarks.md).
    SQLite has no DISTINCT ON: the same first row by ROW_NUMBER."""
    if connection.vendor == "postgresql":
        return f"""first_won (account_id, close_date, channel) AS (
    SELECT DISTINCT ON (account_id) account_id, close_date, source
    FROM {OPPORTUNITIES} WHERE {_FIRST_WON_WHERE} ORDER BY {_FIRST_WON_ORDER}
)"""
    return f"""first_won (account_id, close_date, channel) AS (
    SELECT account_id, close_date, source FROM (
        SELECT account_id, close_date, source, ROW_NUMBER() OVER (
            PARTITION BY account_id ORDER BY close_date, created_date, external_id
        ) AS position
        FROM {OPPORTUNITIES} WHERE {_FIRST_WON_WHERE}
    ) ranked WHERE position = 1
)"""


# The cut value of an account (its row `a`, its first won deal `w`) in the recurring and
# new-customers queries.
ACCOUNT_CUT_VALUE = {
    catalog.ALL: "''",
    catalog.SEGMENT: "a.segment",
    catalog.INDUSTRY: "a.industry",
    catalog.CHANNEL: "w.channel",
}


def sum_when(condition: str, then: str = "1") -> str:
    """SQL summing `then` over the rows where `condition` holds (0 over none)."""
    return f"SUM(CASE WHEN {condition} THEN {then} ELSE 0 END)"


def cut_filter(expression: str, kind: str, values: Iterable[str]) -> tuple[str, list]:
    """The WHERE condition keeping the rows of the cut values asked for ("all": every row)."""
    if kind == catalog.ALL:
        return "1 = 1", []
    values = list(values)
    if not values:
        return "1 = 0", []
    return f"{expression} IN ({', '.join(['%s'] * len(values))})", values


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def grouped(
    periods: Sequence[Period],
    cuts: Iterable[Cut],
    cut_value: dict[str, str],
    query: Callable[[str], str],
) -> dict[tuple[int, Cut], list]:
    """Run a family's query once per cut kind asked for (the kinds `cut_value` knows).

    `query(kind)` is the SQL after the periods CTE (more CTEs, then a SELECT of period index,
    cut value and the numbers, with `{cut_filter}` in its WHERE). Returns each row's numbers
    keyed by (period index, cut).
    """
    found: dict[tuple[int, Cut], list] = {}
    cte, cte_params = periods_cte(periods)
    for kind, values in by_kind(cuts, cut_value).items():
        condition, params = cut_filter(cut_value[kind], kind, values)
        sql = f"WITH {cte}" + query(kind).replace("{cut_filter}", condition)
        for idx, value, *numbers in fetch(sql, cte_params + params):
            found[idx, Cut(kind, value if kind != catalog.ALL else "")] = numbers
    return found


def by_kind(cuts: Iterable[Cut], kinds: Iterable[str]) -> dict[str, list[str]]:
    """The cut values asked for, per kind (only the kinds a family has)."""
    wanted: dict[str, list[str]] = {}
    for cut in cuts:
        if cut.kind in kinds:
            wanted.setdefault(cut.kind, []).append(cut.value)
    return wanted


def first_won_channels() -> list[str]:
    """Every acquisition channel some account has (the source of its first won deal)."""
    rows = fetch(f"WITH {first_won_cte()} SELECT DISTINCT channel FROM first_won", [])
    return [channel for (channel,) in rows if channel]


def group_by(period_index: str, cut_value: str) -> str:
    """GROUP BY period and cut value (PostgreSQL refuses a constant, the "all" cut's '')."""
    return period_index if cut_value == "''" else f"{period_index}, {cut_value}"
