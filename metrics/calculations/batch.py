"""Many periods and cut values in one query: the SQL pieces the families share.

A run computes every period and cut value. Instead of a query per period and cut, each family
joins its records to a table of the periods (`WITH periods (idx, s, e, day_before, last_day)`)
and groups by period and cut value, so a run's query count does not grow with either. The
conditions are the definitions of docs/metrics.md written once in SQL; the ORM record sets of
each family (what the drill-downs list) say the same in Django's terms, and the tests hold the
two to the same figures.

Money is summed as whole cents (`cents`), as everywhere: exact on PostgreSQL and on SQLite
(which keeps decimals as floats).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, transaction

from .. import catalog
from ..cuts import Cut
from ..models import Account, KeptFirstWon, Opportunity, Spend, Subscription, Team
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


def cents(column: str) -> str:
    """SQL for a money column in whole cents, as an integer. PostgreSQL: the numeric column
    times 100 cast to bigint (exact: two decimal places; the cast rounds as ROUND does), which
    the aggregates sum as integers: one month's MRR timeline at 1,000,000 opportunities about
    a quarter faster than summing ROUND(mrr * 100) as numeric. SQLite: its float rounded,
    then made an integer (CAST alone would truncate)."""
    if connection.vendor == "postgresql":
        return f"CAST({column} * 100 AS BIGINT)"
    return f"CAST(ROUND({column} * 100) AS INTEGER)"


def periods_cte(periods: Sequence[Period]) -> tuple[str, list]:
    """`periods (idx, s, e, day_before, last_day, s_span, e_span)`: one row per period, idx its
    list index, s_span and e_span the spans (`span_of`) of its first day and of its end (and on
    PostgreSQL `bounds (day)`, every period's first day and end)."""
    date = _date_placeholder()
    postgresql = connection.vendor == "postgresql"
    bounds = sorted({period.start for period in periods} | {period.end for period in periods})
    span = {day: number for number, day in enumerate(bounds, start=1)}
    row = f"(%s, {date}, {date}, {date}, {date}, %s, %s)"
    params: list = []
    for idx, period in enumerate(periods):
        days = [period.start, period.end, period.day_before, period.last_day]
        params += [idx, *(day.isoformat() for day in days)]
        if postgresql:
            params += [span[period.start], span[period.end]]
        else:
            params += [period.start.isoformat(), period.end.isoformat()]
    values = ", ".join([row] * len(periods))
    cte = f"periods (idx, s, e, day_before, last_day, s_span, e_span) AS (VALUES {values})"
    if postgresql:
        cte += ", bounds (day) AS (SELECT s FROM periods UNION SELECT e FROM periods)"
    return cte, params


def span_of(day: str) -> str:
    """SQL for the span a day is in: on PostgreSQL, how many of the periods' first days and ends
    (`bounds`) are on or before it. The bounds cut the days into spans, and every period is
    whole spans (from its s_span to before its e_span), so the families that count records on a
    day (closed on, created on...) sum them per span, however many days, then each period sums
    its spans: at 100,000 opportunities 62 spans instead of 1,100 days (docs/benchmarks.md).
    Span 0 is the days before every period; the last span, the days from the last period's end
    on. SQLite, which has no width_bucket, keeps each day a span of its own (the day itself, and
    a period's s_span and e_span its first day and end): the same sums over more rows."""
    if connection.vendor == "postgresql":
        # A binary search of the sorted bounds (the subquery is computed once a statement).
        return f"width_bucket({day}, (SELECT array_agg(day ORDER BY day) FROM bounds))"
    return day


# The days the periods span, for the families that sum per span (`grouped(per_span=...)`):
# only the records of those days are read, however many days the records cover.
FIRST_DAY = "(SELECT MIN(s) FROM periods)"
FIRST_END = "(SELECT MIN(e) FROM periods)"
END = "(SELECT MAX(e) FROM periods)"


# Each account's first won opportunity (earliest close date, then created date, then external
# id, which is unique), kept for every account (kept.FIRST_WON, read as `FIRST_WON`): its close
# date makes the account a new customer in that period, its source is the account's acquisition
# channel.
_FIRST_WON_ORDER = "account_id, close_date, created_date, external_id"
_FIRST_WON_WHERE = f"status = '{WON}' AND account_id IS NOT NULL"
FIRST_WON = KeptFirstWon._meta.db_table


def first_won_select(among: str = "") -> str:
    """`SELECT account_id, close_date, channel`: one row per account that won a deal (`among`:
    an SQL condition on `account_id`, to read only some accounts').

    PostgreSQL: DISTINCT ON, whose row count the planner estimates from the accounts' count.
    It estimated the window function's `position = 1` at 0.5 % of the won deals (204 rows for
    9,842 at 100k opportunities), so it joined the recurring query's per-account rows to them
    by a nested loop: 18.8 s instead of 0.34 s for one month's channel cut (docs/benchmarks.md).
    SQLite has no DISTINCT ON: the same first row by ROW_NUMBER."""
    where = f"{_FIRST_WON_WHERE} AND {among}" if among else _FIRST_WON_WHERE
    if connection.vendor == "postgresql":
        return f"""SELECT DISTINCT ON (account_id) account_id, close_date, source AS channel
    FROM {OPPORTUNITIES} WHERE {where} ORDER BY {_FIRST_WON_ORDER}"""
    return f"""SELECT account_id, close_date, source AS channel FROM (
        SELECT account_id, close_date, source, ROW_NUMBER() OVER (
            PARTITION BY account_id ORDER BY close_date, created_date, external_id
        ) AS position
        FROM {OPPORTUNITIES} WHERE {where}
    ) ranked WHERE position = 1"""


# The cut value of an account (its row `a`, its first won deal `w`) in the recurring and
# new-customers queries.
ACCOUNT_CUT_VALUE = {
    catalog.ALL: "''",
    catalog.SEGMENT: "a.segment",
    catalog.INDUSTRY: "a.industry",
    catalog.CHANNEL: "w.channel",
}


def later_of(*dates: str) -> str:
    """SQL for the latest of some dates (none NULL)."""
    function = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    return f"{function}({', '.join(dates)})"


def sum_when(condition: str, then: str = "1") -> str:
    """SQL summing `then` over the rows where `condition` holds (0 over none)."""
    return f"SUM(CASE WHEN {condition} THEN {then} ELSE 0 END)"


# PostgreSQL settings for the engine's statements, whoever calls it (docs/benchmarks.md, "Metric
# runs: one statement per family" and "Metric runs: one period at 1m"):
# JIT off: compiling the families' wide aggregates costs more than it saves. Above
# jit_optimize_above_cost (500,000, the pipeline statement for one month at 1,000,000
# opportunities) the server also inlines and optimises: 1.3-1.4 s of a 4 s computation at 1m,
# none at 100k, where that statement's cost is under jit_above_cost.
# A hash table may take ENGINE_WORK_MEM: the per-account aggregate of a full run spilled to disk
# at the default 4 MB (65 batches), one month's pipeline rows at 1m sorted on disk.
ENGINE_WORK_MEM = "64MB"
# Hash tables (not sorts) may take this many times ENGINE_WORK_MEM: the planner guesses a
# family's groups per span and cut value as the product of each column's distinct values (at
# 100,000 opportunities 218,155 groups for 16,889), expected a hash table that big to spill, and
# sorted the 260,000 pipeline rows by five text columns instead: 1.0 s instead of 0.57 s.
ENGINE_HASH_MEM_MULTIPLIER = "4"


# Every one of them, by name (for set_config).
ENGINE_SETTINGS = {
    "jit": "off",
    "work_mem": ENGINE_WORK_MEM,
    "hash_mem_multiplier": ENGINE_HASH_MEM_MULTIPLIER,
}


@contextmanager
def engine_settings() -> Iterator[None]:
    """The engine's statements (compute_many: runs, the API's custom periods, the benchmarks)
    with `ENGINE_SETTINGS` on PostgreSQL, in a savepoint rolled back at the end.
    set_config(..., true) is SET LOCAL: releasing a savepoint would keep the settings for the
    rest of the caller's transaction, rolling it back undoes them; the engine writes nothing
    that should outlive it here (the kept totals are filled before, kept.ensure)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        set_configs(ENGINE_SETTINGS)
        yield
        transaction.set_rollback(True)


def set_configs(settings: dict[str, str]) -> None:
    """SET LOCAL each of `settings` (PostgreSQL), in one query."""
    pairs = ", ".join(["set_config(%s, %s, true)"] * len(settings))
    fetch(f"SELECT {pairs}", [value for pair in settings.items() for value in pair])


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def distinct_values(
    table: str, column: str, *, where: str = "", params: Sequence = ()
) -> list[str]:
    """Every non-empty `column` value of the rows of `table` (`where`: more conditions, an
    equality on the index's leading columns), sorted: read from an index that leads with
    them one value at a time, each the smallest after the previous (a loose index scan),
    instead of a DISTINCT over every row. At 1m: an account segment in 1 ms instead of 20,
    an owner among the pipeline's kept events 1 ms instead of 16."""
    among = f"{where} AND " if where else ""
    rows = fetch(
        # Table and column names from the models, values as parameters.
        f"""WITH RECURSIVE found (value) AS (
            SELECT MIN({column}) FROM {table} WHERE {among}{column} > ''
            UNION ALL
            SELECT (SELECT MIN({column}) FROM {table} WHERE {among}{column} > found.value)
            FROM found WHERE found.value IS NOT NULL
        )
        SELECT value FROM found WHERE value IS NOT NULL""",  # noqa: S608
        [*params, *params],
    )
    return sorted(value for (value,) in rows)


def grouped(
    periods: Sequence[Period],
    cuts: Iterable[Cut],
    cut_value: dict[str, str],
    statement: Callable[[set[str]], tuple[str, str]],
    numbers: str,
    period_index: str = "p.idx",
    *,
    per_span: tuple[list[str], str] | None = None,
) -> dict[tuple[int, Cut], list]:
    """A family's numbers for every period and cut asked for, in one query for all cut kinds.

    `statement(kinds)` gives, for the cut kinds asked (the kinds `cut_value` knows), the SQL
    after the periods CTE: more CTEs (each starting with a comma, or ""), and the FROM clause
    joining what those kinds' cut values (`cut_value`) read. `numbers` is the SELECT list of
    the sums. Rows are grouped by period and by each kind's cut value (see `grouping_sets`);
    the cut values not asked for are dropped here. Returns each row's numbers keyed by
    (period index, cut).

    `per_span` (names, select), for the families whose records count on a day (closed on,
    created on...): the rows are grouped by that day's span instead (`period_index` is then
    the span, `span_of`) into `spans (span, position, value, *names)`, a row per span and cut
    value whatever the number of records, and `select` sums them per period: `SELECT p.idx,
    d.position, d.value, sums FROM periods p JOIN spans d ON d.span >= p.s_span AND d.span <
    p.e_span GROUP BY p.idx, d.position, d.value` (after more CTEs of its own, each starting
    with a comma, if it needs them).
    """
    wanted = by_kind(cuts, cut_value)
    if not wanted:
        return {}
    kinds = [kind for kind in wanted if kind != catalog.ALL]
    ctes, source = statement(set(wanted))
    cte, params = periods_cte(periods)
    select = grouping_sets(
        period_index, [cut_value[kind] for kind in kinds], catalog.ALL in wanted, numbers, source
    )
    if per_span is not None:
        names, per_period = per_span
        ctes += f", spans (span, position, value, {', '.join(names)}) AS ({select})"
        select = per_period
    asked = {(kind, value) for kind, values in wanted.items() for value in values}
    found: dict[tuple[int, Cut], list] = {}
    for idx, position, value, *sums in fetch(f"WITH {cte}{ctes} {select}", params):
        kind = kinds[position - 1] if position else catalog.ALL
        value = value if position else ""
        if (kind, value) in asked:
            found[idx, Cut(kind, value)] = sums
    return found


def grouping_sets(
    period_index: str, cut_values: list[str], with_all: bool, numbers: str, source: str
) -> str:
    """SELECT period index, cut kind position (0: "all", i: the i-th of `cut_values`), cut
    value, numbers, grouped by period and each cut value expression (and by period alone for
    "all").

    PostgreSQL: one GROUPING SETS pass over the joined rows. SQLite has no GROUPING SETS: the
    same groups as a UNION ALL of one GROUP BY per kind (SQLite is kept exact, not fast).
    A row whose cut value is NULL (no account, an owner on no team, an account never won) is a
    group of its own that no cut asks for: in "all" only, as the definitions say.
    """
    groups = ([(0, "NULL", period_index)] if with_all else []) + [
        (position, expression, f"{period_index}, {expression}")
        for position, expression in enumerate(cut_values, start=1)
    ]
    if connection.vendor != "postgresql":
        return " UNION ALL ".join(
            f"SELECT {period_index}, {position}, {value}, {numbers} {source} GROUP BY {group}"
            for position, value, group in groups
        )
    position, value = "0", "NULL"
    if cut_values:
        grouped_by = [f"GROUPING({expression}) = 0" for expression in cut_values]
        position = (
            "CASE "
            + " ".join(
                f"WHEN {condition} THEN {i}" for i, condition in enumerate(grouped_by, start=1)
            )
            + " ELSE 0 END"
        )
        value = (
            "CASE "
            + " ".join(
                f"WHEN {condition} THEN {expression}"
                for condition, expression in zip(grouped_by, cut_values, strict=True)
            )
            + " END"
        )
    sets = ", ".join(f"({group})" for _, _, group in groups)
    return (
        f"SELECT {period_index}, {position}, {value}, {numbers} {source} "
        f"GROUP BY GROUPING SETS ({sets})"
    )


def day_sums(
    table: str,
    columns: Sequence[str],
    periods: Sequence[Period],
    cuts: Iterable[Cut],
    kinds: Iterable[str],
) -> dict[tuple[int, Cut], list]:
    """The sums of `columns` of a kept table of rows per (kind, value, day) over each period's
    days, for the cuts asked (of `kinds`): one query, keyed by (period index, cut). A period or
    cut without a row is absent (the caller's zeros). The table's day index finds each
    period's rows: a month at 1,000,000 opportunities reads a few hundred."""
    wanted = by_kind(cuts, kinds)
    if not wanted:
        return {}
    cte, params = periods_cte(periods)
    # The kinds are the catalogue's names (by_kind keeps only `kinds`), not values.
    asked_kinds = ", ".join(f"'{kind}'" for kind in wanted)
    sums = ", ".join(f"SUM(k.{column})" for column in columns)
    rows = fetch(
        f"""WITH {cte}
        SELECT p.idx, k.kind, k.value, {sums}
        FROM periods p JOIN {table} k ON k.day >= p.s AND k.day < p.e
        WHERE k.kind IN ({asked_kinds})
        GROUP BY p.idx, k.kind, k.value""",
        params,
    )
    asked = {(kind, value) for kind, values in wanted.items() for value in values}
    return {
        (idx, Cut(kind, value)): numbers
        for idx, kind, value, *numbers in rows
        if (kind, value) in asked
    }


def by_kind(cuts: Iterable[Cut], kinds: Iterable[str]) -> dict[str, list[str]]:
    """The cut values asked for, per kind (only the kinds a family has)."""
    wanted: dict[str, list[str]] = {}
    for cut in cuts:
        if cut.kind in kinds:
            wanted.setdefault(cut.kind, []).append(cut.value)
    return wanted
