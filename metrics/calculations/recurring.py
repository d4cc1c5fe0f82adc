"""Recurring revenue metrics (from subscriptions): MRR and its movements, churn, retention,
ARPA, LTV, quick ratio.

`covering`, `accounts_for` and `subscriptions_for` are the definitions as the drill-downs list
them; `totals` computes every period and cut value in a few queries (every cut kind in each)
from the kept tables (`KEPT`, recurring_kept.py): the opening and closing totals as running sums
of the accounts' changes summed per day and cut value, the movements of a calendar period as its
kept sums, those of a custom one from the accounts with a change in it (their MRR timelines).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, localcontext

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_noop

from .. import catalog
from ..cuts import Cut
from ..models import Account, KeptMrrMovement, Opportunity, Subscription
from ..periods import STANDARD_KINDS, Period
from . import batch
from .figures import ZERO, figure, gross_margin, money, ratio, undefined
from .recurring_kept import (  # KEPT: the engine's list of them
    DAILY_BALANCES,
    KEPT,  # noqa: F401
    MOVEMENTS,
    TIMELINE,
    account_joins,
    movement_cases,
    opening_and_closing,
)


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


# The movements of a standard (calendar) period: its kept sums (KeptMrrMovement), a row per cut
# value. Of any other (a custom range): each (period, account) with a day of change in the
# period (its kept days of that period, found by the day index), its opening and closing MRR
# compared (`opening_and_closing`); a hash aggregate, where the window function over each
# account's days needed a sort of them: a full run's movements at 100,000 opportunities
# 0.66-0.73 s → 0.49-0.56 s, the same 1,236 rows (docs/benchmarks.md, "Metric runs: recurring
# revenue kept").
def _is_calendar(period: Period) -> bool:
    return period.kind in STANDARD_KINDS and Period.containing(period.start, period.kind) == period


def _kept_movements(periods: Sequence[Period], wanted: dict[str, list[str]]) -> dict:
    """The movements of the calendar periods among `periods` (by index) and cuts asked for."""
    places: dict[tuple[str, date], list[int]] = {}
    for idx, period in enumerate(periods):
        if _is_calendar(period):
            places.setdefault((period.kind, period.start), []).append(idx)
    if not places:
        return {}
    starts = [start for _, start in places]
    rows = KeptMrrMovement.objects.filter(
        kind__in=list(wanted), period_start__range=(min(starts), max(starts))
    ).values_list("period_kind", "period_start", "kind", "value", *MOVEMENTS)
    asked = {(kind, value) for kind, values in wanted.items() for value in values}
    found = {}
    for period_kind, start, kind, value, *sums in rows:
        if (kind, value) in asked:
            for idx in places.get((period_kind, start), ()):
                found[idx, Cut(kind, value)] = sums
    return found


def _movements_statement(kinds: set[str]) -> tuple[str, str]:
    ctes = f""",
        moved (idx, account_id, o, c, first_day) AS (
            SELECT p.idx, t.account_id, {opening_and_closing("p.s", "p.e")}, MIN(t.first_day)
            FROM periods p JOIN {TIMELINE.table} t ON t.day >= p.s AND t.day < p.e
            GROUP BY p.idx, t.account_id
        )"""
    return (
        ctes,
        f"FROM moved m JOIN periods p ON p.idx = m.idx {account_joins(kinds, 'm.account_id')}",
    )


def _timeline_movements(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict:
    """The movements of the periods among `periods` that are not calendar ones (by index)."""
    custom = [idx for idx, period in enumerate(periods) if not _is_calendar(period)]
    if not custom:
        return {}
    sums = ", ".join(batch.sum_when(when, then) for when, then in movement_cases("p.s"))
    found = batch.grouped(
        [periods[idx] for idx in custom], cuts, _CUT_VALUE, _movements_statement, sums, "m.idx"
    )
    return {(custom[idx], cut): numbers for (idx, cut), numbers in found.items()}


def totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    """The MRR totals of every period (by index) and cut: a query for every cut kind, the
    opening and closing balances (KeptMrrBalance), and for the movements one more (their kept
    sums, KeptMrrMovement) and, when there are custom periods, one (KeptAccountMrr, and the kept
    first won deals, kept.FIRST_WON, for the channel cuts); the kept tables current
    (kept.ensure: compute_many makes them so). A period or cut without a row is absent (the
    caller's zeros: EMPTY)."""
    wanted = batch.by_kind(cuts, _CUT_VALUE)
    if not wanted:
        return {}
    balances = _balances(periods, wanted)
    movements = {**_kept_movements(periods, wanted), **_timeline_movements(periods, cuts)}
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
