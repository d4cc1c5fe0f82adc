"""Recurring revenue metrics (from subscriptions): MRR and its movements, churn, retention,
ARPA, LTV, quick ratio.

`covering`, `accounts_for` and `subscriptions_for` are the definitions as the drill-downs list
them; `totals` computes every period and cut value in two queries (every cut kind in each) from
each account's MRR timeline (its days of change): the opening and closing totals as running sums
of those days, and the movements of the accounts with a change in the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_noop

from .. import catalog
from ..cuts import Cut
from ..models import Account, Opportunity, Subscription
from ..periods import Period
from . import batch
from .figures import ZERO, figure, gross_margin, money, ratio, undefined


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


# Each account's MRR as a timeline (the temporary table `account_timeline`, computed once for
# both statements): a row on each day one of its subscriptions starts (+ its MRR) or ends (−
# it), with the account's MRR from that day on (`mrr`, a running sum), the day's change
# (`delta`), its change of customers (+1 when its MRR becomes positive, −1 when it stops
# being), its number among the account's days (`n`) and its first subscription's start. An
# account's MRR changes only on those days, so a period needs no comparison of an account with
# no such day in it (its opening and closing MRR are equal: no movement), and the opening and
# closing totals are running sums of the days' changes. Before, every (period, subscription)
# pair was grouped per account: 1.3 million rows into 640,912 at 100,000 opportunities, a sort
# spilling to disk (docs/benchmarks.md). Only the days the periods need: the days before the
# first period's day before count on that day (every total and comparison reads them together),
# those from the last period's end on not at all.
TIMELINE = "account_timeline"


def _timeline() -> str:
    cents = batch.cents("mrr")
    positive = "CASE WHEN {} > 0 THEN 1 ELSE 0 END"
    day = batch.later_of("day", "(SELECT MIN(day_before) FROM periods)")
    return f"""
        , account_days (account_id, day, delta, first_day) AS (
            SELECT account_id, {day}, SUM(delta), MIN(day) FROM (
                SELECT account_id, start_date AS day, {cents} AS delta
                FROM {batch.SUBSCRIPTIONS} WHERE account_id IS NOT NULL
                UNION ALL
                SELECT account_id, end_date, -{cents}
                FROM {batch.SUBSCRIPTIONS} WHERE end_date IS NOT NULL AND account_id IS NOT NULL
            ) changes
            WHERE day < {batch.END}
            GROUP BY account_id, {day}
        )
        SELECT account_id, day, n, mrr, delta,
            {positive.format("mrr")} - {positive.format("mrr - delta")} AS customers, first_day
        FROM (
            SELECT account_id, day, delta, ROW_NUMBER() OVER account AS n,
                SUM(delta) OVER account AS mrr,
                MIN(first_day) OVER (PARTITION BY account_id) AS first_day
            FROM account_days WINDOW account AS (PARTITION BY account_id ORDER BY day)
        ) running"""


def _account_joins(kinds: set[str], account: str) -> str:
    """The joins that give `account`'s cut values (its first won deal from `first_won`)."""
    joins = ""
    if kinds & {catalog.SEGMENT, catalog.INDUSTRY}:
        joins += f" LEFT JOIN {batch.ACCOUNTS} a ON a.id = {account}"
    if catalog.CHANNEL in kinds:
        joins += f" LEFT JOIN {batch.FIRST_WON} w ON w.account_id = {account}"
    return joins


# The opening and closing totals: the accounts' changes summed per span and cut value, then as
# running sums read before each period's first span (opening) and before its end (closing).
BALANCES = ("opening", "closing", "customers", "opening_customers")


def _balances_statement(kinds: set[str]) -> tuple[str, str]:
    return "", f"FROM {TIMELINE} t {_account_joins(kinds, 't.account_id')}"


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


# The movements: each (period, account) with a day of change in the period, its opening MRR
# (its MRR before its first such day: the same on every row of the window) and closing MRR
# (that plus the period's changes). A window rather than joining the timeline again: the
# planner, which guesses the per-day groups at a tenth of their number, rescanned the timeline
# once per account (55 million comparisons for one month at 100,000 opportunities).
MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn", "churned_customers")


def _movements_statement(kinds: set[str]) -> tuple[str, str]:
    ctes = f""",
        period_days (idx, day) AS (
            SELECT p.idx, d.day
            FROM periods p
            JOIN (
                SELECT DISTINCT day FROM {TIMELINE}
                WHERE day >= {batch.FIRST_DAY} AND day < {batch.END}
            ) d ON d.day >= p.s AND d.day < p.e
        ),
        changed (idx, account_id, o, delta, first_day) AS (
            SELECT pd.idx, t.account_id,
                FIRST_VALUE(t.mrr - t.delta) OVER (PARTITION BY pd.idx, t.account_id ORDER BY t.n),
                t.delta, t.first_day
            FROM period_days pd JOIN {TIMELINE} t ON t.day = pd.day
        ),
        moved (idx, account_id, o, c, first_day) AS (
            SELECT idx, account_id, MIN(o), MIN(o) + SUM(delta), MIN(first_day)
            FROM changed GROUP BY idx, account_id
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
    opening and closing balances and the movements, over the accounts' MRR timeline (and
    the kept first won deals, kept.FIRST_WON, for the channel cuts)."""
    if not batch.by_kind(cuts, _CUT_VALUE):
        return {}
    cte, params = batch.periods_cte(periods)
    with batch.temporary_table(TIMELINE, f"WITH {cte}{_timeline()}", params):
        return _totals(periods, cuts)


def _totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    balances = batch.grouped(
        periods,
        cuts,
        _CUT_VALUE,
        _balances_statement,
        "SUM(t.delta), SUM(t.customers)",
        batch.span_of("t.day"),
        per_span=(["mrr", "customers"], _BALANCES_PER_PERIOD),
    )
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
