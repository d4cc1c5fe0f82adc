"""Recurring revenue's kept tables (metrics/calculations/kept.py), read by recurring.py: each
account's MRR timeline, its changes summed per day and cut value (the opening and closing
totals), and its movements per calendar period with their sums per period and cut value (the
movements of the standard periods).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

from .. import catalog
from ..models import KeptAccountMrr, KeptMrrBalance, KeptMrrMove, KeptMrrMovement
from ..periods import MONTH, QUARTER, STANDARD_KINDS, WEEK, YEAR
from . import batch, kept
from .kept import Kept

_CUT_VALUE = batch.ACCOUNT_CUT_VALUE  # the account joined as `a`, its first won deal as `w`


# Each account's MRR as a timeline, kept (KeptAccountMrr, filled again when a subscription is
# written): a row on each day one of its subscriptions starts (+ its MRR) or ends (− it), with
# the account's MRR from that day on (`mrr`, a running sum), the day's change (`delta`), its
# change of customers (+1 when its MRR becomes positive, −1 when it stops being), the account's
# days of change before and after it and its first subscription's start. An account's MRR
# changes only on those days, so a period needs no comparison of an account with no such day in
# it (its opening and closing MRR are equal: no movement), and the opening and closing totals
# are running sums of the days' changes. Before it was kept, every computation made it again
# from every subscription (a temporary table): most of one month's recurring revenue at
# 1,000,000 opportunities (docs/benchmarks.md, "Metric runs: recurring revenue kept"). Written
# in day order: a period's days are then a few pages of the table, not a row on every page.
def _timeline_select(among: Callable[[str], str] | None = None) -> str:
    """`among` (kept.Touched.among): only some accounts' rows."""
    cents = batch.cents("mrr")
    accounts = f"AND {among('account_id')}" if among else ""
    positive = "CASE WHEN {} > 0 THEN 1 ELSE 0 END"
    return f"""
        WITH account_days (account_id, day, delta) AS (
            SELECT account_id, day, SUM(delta) FROM (
                SELECT account_id, start_date AS day, {cents} AS delta
                FROM {batch.SUBSCRIPTIONS} WHERE account_id IS NOT NULL {accounts}
                UNION ALL
                SELECT account_id, end_date, -{cents}
                FROM {batch.SUBSCRIPTIONS}
                WHERE end_date IS NOT NULL AND account_id IS NOT NULL {accounts}
            ) changes
            GROUP BY account_id, day
        )
        SELECT account_id, day, mrr, delta,
            {positive.format("mrr")} - {positive.format("mrr - delta")},
            first_day, prev_day, next_day
        FROM (
            SELECT account_id, day, delta, SUM(delta) OVER account AS mrr,
                MIN(day) OVER (PARTITION BY account_id) AS first_day,
                LAG(day) OVER account AS prev_day, LEAD(day) OVER account AS next_day
            FROM account_days WINDOW account AS (PARTITION BY account_id ORDER BY day)
        ) running
        ORDER BY day"""


TIMELINE = Kept(
    KeptAccountMrr._meta.db_table,
    (batch.SUBSCRIPTIONS,),
    ("account_id", "day", "mrr", "delta", "customers", "first_day", "prev_day", "next_day"),
    _timeline_select,
    key=kept.ACCOUNT,
    select_among=_timeline_select,
)


# The accounts' changes of MRR and customers summed per day and cut value, kept
# (KeptMrrBalance): the opening and closing totals of any period are running sums of this small
# table (at 1,000,000 opportunities 16,440 rows for the timeline's 432,689), read in a few
# milliseconds instead of summing every account's days before the period's end. Its rows move
# with the cut values of the accounts (segment, industry) and of their first won deals
# (channel), so those are its sources too. Filled from the two kept tables it reads (`needs`).
BALANCE_KINDS = (catalog.SEGMENT, catalog.INDUSTRY, catalog.CHANNEL)


def _balances_select(among: Callable[[str], str] | None = None) -> str:
    """`among` (kept.Touched.among): only some days' rows."""
    days = f"WHERE {among('t.day')}" if among else ""
    per_day = batch.grouping_sets(
        "t.day",
        [_CUT_VALUE[kind] for kind in BALANCE_KINDS],
        True,
        "SUM(t.delta), SUM(t.customers)",
        f"FROM {TIMELINE.table} t {account_joins(set(BALANCE_KINDS), 't.account_id')} {days}",
    )
    kind = " ".join(
        f"WHEN {position} THEN '{kind}'"
        for position, kind in enumerate((catalog.ALL, *BALANCE_KINDS))
    )
    # A NULL value (an account never won has no channel) is in "all" only.
    return f"""
        WITH per_day (day, position, value, mrr, customers) AS ({per_day})
        SELECT CASE position {kind} END, COALESCE(value, ''), day, mrr, customers
        FROM per_day WHERE position = 0 OR value IS NOT NULL
        ORDER BY day"""


def account_joins(kinds: set[str], account: str) -> str:
    """The joins that give `account`'s cut values (its first won deal from the kept table)."""
    joins = ""
    if kinds & {catalog.SEGMENT, catalog.INDUSTRY}:
        joins += f" LEFT JOIN {batch.ACCOUNTS} a ON a.id = {account}"
    if catalog.CHANNEL in kinds:
        joins += f" LEFT JOIN {batch.FIRST_WON} w ON w.account_id = {account}"
    return joins


DAILY_BALANCES = Kept(
    KeptMrrBalance._meta.db_table,
    (batch.SUBSCRIPTIONS, batch.ACCOUNTS, batch.OPPORTUNITIES),
    ("kind", "value", "day", "mrr", "customers"),
    _balances_select,
    key=kept.DAY,
    select_among=_balances_select,
    needs=(TIMELINE, kept.FIRST_WON),
)
KEPT = (TIMELINE, DAILY_BALANCES)


# --- The movements ------------------------------------------------------------------------

MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn", "churned_customers")


def opening_and_closing(start: str, end: str) -> str:
    """An account's opening and closing MRR in a period [`start`, `end`), over its timeline rows
    `t` in the period (grouped by period and account): its MRR before its first such day (the
    one whose previous day of change is before the period) and from its last (the one whose
    next day of change is from the period's end on). MAX picks that one row's number."""
    first = f"t.prev_day IS NULL OR t.prev_day < {start}"
    last = f"t.next_day IS NULL OR t.next_day >= {end}"
    return f"""MAX(CASE WHEN {first} THEN t.mrr - t.delta END),
        MAX(CASE WHEN {last} THEN t.mrr END)"""


def movement_cases(start: str) -> list[tuple[str, str]]:
    """Each movement (MOVEMENTS) of an account `m` in a period from `start`, given its opening
    (m.o) and closing MRR (m.c) and its first subscription's start (m.first_day), as (the SQL
    condition, the number it adds)."""
    # An account is new in P when it had no subscription starting before P's first day.
    new_or_back = "m.o = 0 AND m.c > 0"
    return [
        (f"{new_or_back} AND m.first_day >= {start}", "m.c"),
        (f"{new_or_back} AND m.first_day < {start}", "m.c"),
        ("m.o > 0 AND m.c > m.o", "m.c - m.o"),
        ("m.c > 0 AND m.c < m.o", "m.o - m.c"),
        ("m.o > 0 AND m.c = 0", "m.o"),
        ("m.o > 0 AND m.c = 0", "1"),
    ]


# Each account's movements in every calendar week, month, quarter and year in which its MRR
# changed, kept (KeptMrrMove) with its cut values, and their sums per period and cut value
# (KeptMrrMovement): a standard period's movements are then one row per cut value, where
# comparing every account with a day of change in each period took most of a full run at
# 1,000,000 opportunities (docs/benchmarks.md, "Metric runs: the MRR movements kept"). A write
# (kept.through) fills the accounts it touched again and moves the sums by their old and new
# rows. A custom period still compares its accounts on the timeline (recurring.py).
def _period_start(kind: str, day: str) -> str:
    """SQL for the first day of the calendar period of `kind` (an ISO week: its Monday)."""
    if connection.vendor == "postgresql":
        return f"date_trunc('{kind}', {day}::timestamp)::date"
    if kind == WEEK:
        return f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"
    if kind == QUARTER:
        back = f"((CAST(strftime('%m', {day}) AS INTEGER) - 1) % 3)"
        return f"date({day}, 'start of month', '-' || {back} || ' months')"
    return f"date({day}, 'start of {kind}')"


_LENGTH = {WEEK: "7 days", MONTH: "1 month", QUARTER: "3 months", YEAR: "1 year"}


def _period_end(kind: str, start: str) -> str:
    if connection.vendor == "postgresql":
        return f"({start} + interval '{_LENGTH[kind]}')::date"
    return f"date({start}, '+{_LENGTH[kind]}')"


def _moves_select(among: Callable[[str], str] | None = None) -> str:
    """`among` (kept.Touched.among): only some accounts' rows."""
    accounts = f"WHERE {among('account_id')}" if among else ""
    per_kind = " UNION ALL ".join(
        f"""SELECT '{kind}' AS period_kind, {_period_start(kind, "d.day")} AS s,
            {_period_end(kind, _period_start(kind, "d.day"))} AS e, d.* FROM d"""
        for kind in STANDARD_KINDS
    )
    cases = ", ".join(
        f"CASE WHEN {when} THEN {then} ELSE 0 END" for when, then in movement_cases("m.s")
    )
    joins = account_joins(set(BALANCE_KINDS), "m.account_id")
    # The timeline read once for the four kinds. Written in account order: an import's accounts'
    # rows are then on fewer pages (3,000 accounts at 1m: 21,771 pages when not).
    return f"""
        WITH d AS (
            SELECT account_id, day, mrr, delta, first_day, prev_day, next_day
            FROM {TIMELINE.table} {accounts}
        ),
        moved (account_id, period_kind, s, o, c, first_day) AS (
            SELECT t.account_id, t.period_kind, t.s, {opening_and_closing("t.s", "t.e")},
                MIN(t.first_day)
            FROM ({per_kind}) t
            GROUP BY t.account_id, t.period_kind, t.s
        )
        SELECT m.account_id, m.period_kind, m.s, {cases}, a.segment, a.industry, w.channel
        FROM moved m {joins}
        WHERE m.o <> m.c AND m.o >= 0 AND m.c >= 0
        ORDER BY m.account_id"""


MOVES = Kept(
    KeptMrrMove._meta.db_table,
    (batch.SUBSCRIPTIONS, batch.ACCOUNTS, batch.OPPORTUNITIES),
    ("account_id", "period_kind", "period_start", *MOVEMENTS, "segment", "industry", "channel"),
    _moves_select,
    key=kept.ACCOUNT,
    select_among=_moves_select,
    needs=(TIMELINE, kept.FIRST_WON),
)

_SUMS_TABLE = KeptMrrMovement._meta.db_table
_SUMS_COLUMNS = ("period_kind", "period_start", "kind", "value", *MOVEMENTS)


def _sums_select(among: Callable[[str], str] | None = None, sign: int = 1) -> str:
    """`sign` × the sums of the moves (of the accounts `among` gives: kept.Touched.among)."""
    accounts = f"WHERE {among('k.account_id')}" if among else ""
    per_period = batch.grouping_sets(
        "k.period_kind, k.period_start",
        ["k.segment", "k.industry", "k.channel"],
        True,
        ", ".join(f"{sign} * SUM(k.{name})" for name in MOVEMENTS),
        f"FROM {MOVES.table} k {accounts}",
    )
    kind = " ".join(
        f"WHEN {position} THEN '{kind}'"
        for position, kind in enumerate((catalog.ALL, *BALANCE_KINDS))
    )
    # A NULL value (an account never won has no channel) is in "all" only.
    return f"""
        WITH per_period (period_kind, period_start, position, value, {", ".join(MOVEMENTS)})
            AS ({per_period})
        SELECT period_kind, period_start, CASE position {kind} END, COALESCE(value, ''),
            {", ".join(MOVEMENTS)}
        FROM per_period WHERE position = 0 OR value IS NOT NULL"""


def _add_sums(among: Callable[[str], str], sign: int) -> list[str]:
    """Add `sign` × the sums of the moves of some accounts into the kept sums (a row made for a
    period and cut value they are the first in), then drop the rows left at zero: the rows a
    whole fill gives. (The SELECT ends with a WHERE: SQLite's upsert needs one after an
    INSERT … SELECT.)"""
    added = ", ".join(f"{name} = {_SUMS_TABLE}.{name} + excluded.{name}" for name in MOVEMENTS)
    nothing = " AND ".join(f"{name} = 0" for name in MOVEMENTS)
    return [
        f"""INSERT INTO {_SUMS_TABLE} ({", ".join(_SUMS_COLUMNS)}) {_sums_select(among, sign)}
        ON CONFLICT (period_kind, period_start, kind, value) DO UPDATE SET {added}""",
        f"DELETE FROM {_SUMS_TABLE} WHERE {nothing}",
    ]


MOVEMENT_SUMS = Kept(
    _SUMS_TABLE,
    MOVES.sources,
    _SUMS_COLUMNS,
    _sums_select,
    key=kept.ACCOUNT,
    needs=(MOVES,),
    adds=_add_sums,
)
KEPT = (TIMELINE, DAILY_BALANCES, MOVES, MOVEMENT_SUMS)
