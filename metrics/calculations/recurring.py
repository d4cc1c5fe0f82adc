"""Recurring revenue metrics (from subscriptions): MRR and its movements, churn, retention,
ARPA, LTV, quick ratio.

`covering`, `accounts_for` and `subscriptions_for` are the definitions as the drill-downs list
them; `totals` computes every period and cut value in one query for every cut kind: each account's
opening and closing MRR per period (subscriptions joined to the periods they overlap), then the
movements summed per period and cut value.
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

_CUT_VALUE = batch.ACCOUNT_CUT_VALUE  # the account is m.account_id
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


def _covering(day: str) -> str:
    return f"s.start_date <= {day} AND (s.end_date IS NULL OR s.end_date > {day})"


def _numbers() -> str:
    when = batch.sum_when
    # An account is new in P when it had no subscription starting before P's first day.
    new_or_back = "m.o = 0 AND m.c > 0"
    return f"""
            SUM(m.o), SUM(m.c),
            {when(f"{new_or_back} AND f.day >= p.s", "m.c")},
            {when(f"{new_or_back} AND f.day < p.s", "m.c")},
            {when("m.o > 0 AND m.c > m.o", "m.c - m.o")},
            {when("m.c > 0 AND m.c < m.o", "m.o - m.c")},
            {when("m.o > 0 AND m.c = 0", "m.o")},
            {when("m.o > 0 AND m.c = 0")}, {when("m.c > 0")}, {when("m.o > 0")}"""


def _statement(kinds: set[str]) -> tuple[str, str]:
    joins = ""
    if kinds & {catalog.SEGMENT, catalog.INDUSTRY}:
        joins += f" LEFT JOIN {batch.ACCOUNTS} a ON a.id = m.account_id"
    if catalog.CHANNEL in kinds:
        joins += " LEFT JOIN first_won w ON w.account_id = m.account_id"
    first_won = f", {batch.first_won_cte()}" if catalog.CHANNEL in kinds else ""
    ctes = f"""{first_won},
        per_account (idx, account_id, o, c) AS (
            SELECT p.idx, s.account_id,
                SUM(CASE WHEN {_covering("p.day_before")} THEN ROUND(s.mrr * 100) ELSE 0 END),
                SUM(CASE WHEN {_covering("p.last_day")} THEN ROUND(s.mrr * 100) ELSE 0 END)
            FROM periods p
            JOIN {batch.SUBSCRIPTIONS} s
                ON s.start_date <= p.last_day AND (s.end_date IS NULL OR s.end_date > p.day_before)
            GROUP BY p.idx, s.account_id
        ),
        first_start (account_id, day) AS (
            SELECT account_id, MIN(start_date) FROM {batch.SUBSCRIPTIONS} GROUP BY account_id
        )"""
    return (
        ctes,
        f"""
        FROM per_account m
        JOIN periods p ON p.idx = m.idx
        JOIN first_start f ON f.account_id = m.account_id
        {joins}""",
    )


def totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    """The MRR totals of every period (by index) and cut: one query for every cut kind."""
    rows = batch.grouped(periods, cuts, _CUT_VALUE, _statement, _numbers(), "m.idx")
    return {place: dict(zip(TOTALS, numbers, strict=True)) for place, numbers in rows.items()}


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
