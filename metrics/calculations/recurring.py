"""Recurring revenue metrics (from subscriptions): MRR and its movements, churn, retention,
ARPA, LTV, quick ratio.

`covering`, `accounts_for` and `subscriptions_for` are the definitions as the drill-downs list
them; `totals` computes every period and cut value in two queries (every cut kind in each) from
each account's MRR timeline (its days of change) and those days' sums per cut value, both kept
(`KEPT`): the opening and closing totals as running sums of the days' sums, and the movements of
the accounts with a change in the period.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_noop

from .. import catalog
from ..cuts import Cut
from ..models import Account, KeptAccountMrr, KeptMrrBalance, Opportunity, Subscription
from ..periods import Period
from . import batch, kept
from .figures import ZERO, figure, gross_margin, money, ratio, undefined
from .kept import Kept


def covering(day) -> Q:
    """A subscription that counts in an account's MRR on this day."""
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gt=day))


def customers_with_first_won(**fields: str) -> QuerySet:
    """Accounts annotated with their first won opportunity's close date and source (channel),
    and with any other of its fields asked for as `annotation="field"`."""
    first = Opportunity.objects.filter(account=OuterRef("pk"), status=batch.WON).order_by(
        "close_date", "created_date", "external_id"
    )
    fields = {"first_won_close": "close_date", "channel": "source", **fields}
    return Account.objects.annotate(
        **{name: Subquery(first.values(field)[:1]) for name, field in fields.items()}
    )


def accounts_for(cut: Cut, accounts: QuerySet | None = None) -> QuerySet:
    """The accounts a recurring revenue or new-customers cut covers: by segment, industry or
    acquisition channel (the source of the first won deal; an account never won has none).
    `accounts` narrows a `customers_with_first_won` queryset instead of every account."""
    if cut.kind == catalog.CHANNEL:
        accounts = customers_with_first_won() if accounts is None else accounts
        return accounts.filter(channel=cut.value)
    accounts = Account.objects.all() if accounts is None else accounts
    if cut.kind == catalog.SEGMENT:
        accounts = accounts.filter(segment=cut.value)
    elif cut.kind == catalog.INDUSTRY:
        accounts = accounts.filter(industry=cut.value)
    return accounts


def subscriptions_for(cut: Cut) -> QuerySet:
    subscriptions = Subscription.objects.all()
    if not cut.is_all:
        subscriptions = subscriptions.filter(account__in=accounts_for(cut).values("pk"))
    return subscriptions


# --- Many periods and cut values at once --------------------------------------------------

_CUT_VALUE = batch.ACCOUNT_CUT_VALUE  # the account joined as `a`, its first won deal as `w`
TOTALS = (
    "opening",
    "closing",
    "new",
    "reactivation",
    "expansion",
    "contraction",
    "churn",
    "churned_customers",
    "customers",
    "opening_customers",
)
EMPTY = dict.fromkeys(TOTALS, 0)


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
        f"FROM {TIMELINE.table} t {_account_joins(set(BALANCE_KINDS), 't.account_id')} {days}",
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


def _account_joins(kinds: set[str], account: str) -> str:
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


# The opening and closing totals: the kept days summed per span and cut value, then as running
# sums read before each period's first span (opening) and before its end (closing).
BALANCES = ("opening", "closing", "customers", "opening_customers")

_BALANCES_PER_PERIOD = """
    , running AS (
        SELECT span, position, value, SUM(mrr) OVER spans AS mrr,
            SUM(customers) OVER spans AS customers, LEAD(span) OVER spans AS next_span
        FROM spans WINDOW spans AS (PARTITION BY position, value ORDER BY span)
    )
    SELECT p.idx, r.position, r.value,
        SUM(CASE WHEN r.span < p.s_span THEN r.mrr ELSE 0 END),
        SUM(CASE WHEN r.next_span IS NULL OR r.next_span >= p.e_span THEN r.mrr ELSE 0 END),
        SUM(CASE WHEN r.next_span IS NULL OR r.next_span >= p.e_span THEN r.customers ELSE 0 END),
        SUM(CASE WHEN r.span < p.s_span THEN r.customers ELSE 0 END)
    FROM periods p
    JOIN running r ON r.span < p.e_span AND (r.next_span IS NULL OR r.next_span >= p.s_span)
    GROUP BY p.idx, r.position, r.value"""


def _balances(periods: Sequence[Period], wanted: dict[str, list[str]]) -> dict:
    """The balances of every period (by index) and cut asked for (`wanted`, per kind)."""
    cte, params = batch.periods_cte(periods)
    span = batch.span_of("b.day")
    kinds = list(wanted)
    rows = batch.fetch(
        f"""WITH {cte}, spans (span, position, value, mrr, customers) AS (
            SELECT {span}, b.kind, b.value, SUM(b.mrr), SUM(b.customers)
            FROM {DAILY_BALANCES.table} b
            WHERE b.day < {batch.END} AND b.kind IN ({", ".join(["%s"] * len(kinds))})
            GROUP BY {span}, b.kind, b.value
        ) {_BALANCES_PER_PERIOD}""",
        [*params, *kinds],
    )
    asked = {(kind, value) for kind, values in wanted.items() for value in values}
    return {
        (idx, Cut(kind, value)): sums for idx, kind, value, *sums in rows if (kind, value) in asked
    }


# The movements: each (period, account) with a day of change in the period (its kept days of
# that period, found by the day index), its opening MRR (its MRR before its first such day, the
# one whose previous day of change is before the period) and closing MRR (its MRR from its last
# such day, the one whose next day of change is from the period's end on). MAX picks that one
# row's number; a hash aggregate, where the window function over each account's days needed a
# sort of them: a full run's movements at 100,000 opportunities 0.66-0.73 s → 0.49-0.56 s, the
# same 1,236 rows (docs/benchmarks.md, "Metric runs: recurring revenue kept").
MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn", "churned_customers")


def _movements_statement(kinds: set[str]) -> tuple[str, str]:
    first = "t.prev_day IS NULL OR t.prev_day < p.s"
    last = "t.next_day IS NULL OR t.next_day >= p.e"
    ctes = f""",
        moved (idx, account_id, o, c, first_day) AS (
            SELECT p.idx, t.account_id, MAX(CASE WHEN {first} THEN t.mrr - t.delta END),
                MAX(CASE WHEN {last} THEN t.mrr END), MIN(t.first_day)
            FROM periods p JOIN {TIMELINE.table} t ON t.day >= p.s AND t.day < p.e
            GROUP BY p.idx, t.account_id
        )"""
    return (
        ctes,
        f"FROM moved m JOIN periods p ON p.idx = m.idx {_account_joins(kinds, 'm.account_id')}",
    )


def _movements() -> str:
    when = batch.sum_when
    # An account is new in P when it had no subscription starting before P's first day.
    new_or_back = "m.o = 0 AND m.c > 0"
    return f"""
            {when(f"{new_or_back} AND m.first_day >= p.s", "m.c")},
            {when(f"{new_or_back} AND m.first_day < p.s", "m.c")},
            {when("m.o > 0 AND m.c > m.o", "m.c - m.o")},
            {when("m.c > 0 AND m.c < m.o", "m.o - m.c")},
            {when("m.o > 0 AND m.c = 0", "m.o")},
            {when("m.o > 0 AND m.c = 0")}"""


def totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    """The MRR totals of every period (by index) and cut: two queries for every cut kind, the
    opening and closing balances (KeptMrrBalance) and the movements (KeptAccountMrr, and the
    kept first won deals, kept.FIRST_WON, for the channel cuts); the kept tables current
    (kept.ensure: compute_many makes them so)."""
    wanted = batch.by_kind(cuts, _CUT_VALUE)
    if not wanted:
        return {}
    balances = _balances(periods, wanted)
    movements = batch.grouped(
        periods, cuts, _CUT_VALUE, _movements_statement, _movements(), "m.idx"
    )
    found = {}
    for place in balances.keys() | movements.keys():
        found[place] = {
            **EMPTY,
            **dict(zip(BALANCES, balances.get(place, ()), strict=False)),
            **dict(zip(MOVEMENTS, movements.get(place, ()), strict=False)),
        }
    return found


# --- Figures ----------------------------------------------------------------------------


def monthly_churn(customer_churn_rate: Decimal, months: Decimal) -> Decimal:
    """1 − (1 − rate)^(1/n), the fractional power taken with Decimal (exp(ln(x) / n))."""
    base = 1 - customer_churn_rate
    if months == 1:
        return customer_churn_rate
    if base <= 0:
        return Decimal(1)
    with localcontext(prec=50):
        return 1 - (base.ln() / months).exp()


def figures(t: dict, period: Period) -> tuple[dict, dict]:
    """The recurring revenue figures from one period and cut's totals, and the exact LTV and
    new MRR the acquisition ratios use."""
    exact = {"new_mrr": money(t["new"]), "ltv": None}
    opening, closing = money(t["opening"]), money(t["closing"])
    new, reactivation = money(t["new"]), money(t["reactivation"])
    expansion, contraction = money(t["expansion"]), money(t["contraction"])
    churn = money(t["churn"])
    customers, opening_customers = Decimal(t["customers"]), Decimal(t["opening_customers"])
    churned_customers = Decimal(t["churned_customers"])
    no_opening = gettext_noop("no opening MRR")
    result = {
        "mrr": figure(closing),
        "arr": figure(closing * 12),
        "opening_mrr": figure(opening),
        "new_mrr": figure(new),
        "reactivation_mrr": figure(reactivation),
        "expansion_mrr": figure(expansion),
        "contraction_mrr": figure(contraction),
        "churned_mrr": figure(churn),
        "customers": figure(customers),
        "opening_customers": figure(opening_customers),
        "churned_customers": figure(churned_customers),
        "arpa": ratio(closing, customers, gettext_noop("no customers at the end of the period")),
        "customer_churn_rate": ratio(
            churned_customers,
            opening_customers,
            gettext_noop("no customers at the start of the period"),
        ),
        "gross_mrr_churn_rate": ratio(churn + contraction, opening, no_opening),
        "nrr": ratio(opening + expansion - contraction - churn, opening, no_opening),
        "grr": ratio(opening - contraction - churn, opening, no_opening),
        "expansion_rate": ratio(expansion, opening, no_opening),
        "quick_ratio": ratio(
            new + reactivation + expansion,
            contraction + churn,
            gettext_noop("no contraction or churn"),
        ),
    }
    if not opening_customers:
        result["monthly_churn_rate"] = undefined(
            gettext_noop("no customers at the start of the period")
        )
        result["ltv"] = undefined(gettext_noop("no customers at the start of the period"))
    else:
        with localcontext(prec=40):
            rate = monthly_churn(churned_customers / opening_customers, period.months)
            result["monthly_churn_rate"] = figure(rate, churned_customers, opening_customers)
            if not customers:
                result["ltv"] = undefined(gettext_noop("no customers at the end of the period"))
            elif not rate:
                result["ltv"] = undefined(gettext_noop("no churn in this period"), denominator=ZERO)
            else:
                margin_per_account = closing / customers * gross_margin()
                exact["ltv"] = margin_per_account / rate
                result["ltv"] = figure(exact["ltv"], margin_per_account, rate)
    return result, exact
