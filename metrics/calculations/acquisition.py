"""Acquisition metrics (opportunities, accounts, spend): new customers, spend, CAC, LTV:CAC,
CAC payback.

`new_customers_in` and `spend_in` are the definitions as the drill-downs list them; the
`*_totals` functions compute every period and cut value in one query each: the new customers
from their sums per day kept between computations (`NEW_CUSTOMER_DAYS`), the spend from its
rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from .. import catalog
from ..cuts import Cut
from ..models import KeptNewCustomerDay, Spend
from ..periods import Period
from . import batch, kept
from .figures import (
    CAC_UNDEFINED,
    LTV_UNDEFINED,
    Figure,
    figure,
    gross_margin,
    money,
    ratio,
    undefined,
)
from .recurring import accounts_for, customers_with_first_won


def new_customers_in(period: Period, cut: Cut, **fields: str) -> QuerySet:
    """The accounts whose first won opportunity closes in P: P's new customers."""
    customers = customers_with_first_won(**fields).filter(
        first_won_close__gte=period.start, first_won_close__lt=period.end
    )
    return accounts_for(cut, customers)


def spend_in(period: Period, cut: Cut) -> QuerySet:
    """The spend rows of P's months (of one channel for a channel cut)."""
    rows = Spend.objects.filter(month__gte=period.start, month__lt=period.end)
    if cut.kind == catalog.CHANNEL:
        rows = rows.filter(channel=cut.value)
    return rows


# --- Many periods and cut values at once --------------------------------------------------

_SPEND_CUT = {catalog.ALL: "''", catalog.CHANNEL: "sp.channel"}
_CUSTOMER_KINDS = (catalog.ALL, catalog.SEGMENT, catalog.INDUSTRY, catalog.CHANNEL)
KEPT_NEW_CUSTOMER_DAYS = KeptNewCustomerDay._meta.db_table


def new_customer_days_select(among: Callable[[str], str] | None = None) -> str:
    """`SELECT kind, value, day, customers`: the accounts whose first won deal closed that day
    (the kept first won deals, kept.FIRST_WON), for "all" and each segment, industry and
    acquisition channel (an account without one is in "all" only).

    Reads metrics_keptfirstwon (`needs`: made current first). `among` (kept.Touched.among): only the rows of some days."""
    value = (
        f"CASE k.kind WHEN '{catalog.SEGMENT}' THEN a.segment "
        f"WHEN '{catalog.INDUSTRY}' THEN a.industry WHEN '{catalog.CHANNEL}' THEN w.channel "
        "ELSE '' END"
    )
    kinds = " UNION ALL ".join(f"SELECT '{kind}'" for kind in _CUSTOMER_KINDS[1:])
    return f"""SELECT k.kind, {value}, w.close_date, COUNT(*)
    FROM {batch.FIRST_WON} w LEFT JOIN {batch.ACCOUNTS} a ON a.id = w.account_id
    CROSS JOIN (SELECT '{catalog.ALL}' AS kind UNION ALL {kinds}) k
    WHERE (k.kind = '{catalog.ALL}' OR {value} <> '') {f"AND {among('w.close_date')}" if among else ""}
    GROUP BY 1, 2, 3"""


# New customers per day and cut value, kept between computations (kept.py): made again when an
# opportunity (the first won deals) or an account (its segment and industry) was written.
NEW_CUSTOMER_DAYS = kept.Kept(
    KEPT_NEW_CUSTOMER_DAYS,
    (batch.OPPORTUNITIES, batch.ACCOUNTS),
    ("kind", "value", "day", "customers"),
    new_customer_days_select,
    key=kept.DAY,
    select_among=new_customer_days_select,
    needs=(kept.FIRST_WON,),
)


def new_customer_totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict:
    """New customers per period (by index) and cut: the kept new customers per day
    (NEW_CUSTOMER_DAYS, made current by the caller: compute_many) summed over its days."""
    rows = batch.day_sums(KEPT_NEW_CUSTOMER_DAYS, ("customers",), periods, cuts, _CUSTOMER_KINDS)
    return {place: numbers[0] for place, numbers in rows.items()}


SPEND_TOTALS = ("spend", "marketing")


def spend_totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    """Spend in cents per period (by index) and cut (all, or one channel): all of it (CAC) and
    marketing's (the funnel's cost per lead)."""
    marketing = f"sp.category = '{Spend.Category.MARKETING.value}'"

    cents = batch.cents("sp.amount")
    numbers = f"""SUM({cents}), SUM(CASE WHEN {marketing} THEN {cents} END)"""

    def statement(kinds: set[str]) -> tuple[str, str]:
        return "", f"FROM periods p JOIN {batch.SPEND} sp ON sp.month >= p.s AND sp.month < p.e"

    rows = batch.grouped(periods, cuts, _SPEND_CUT, statement, numbers)
    return {place: dict(zip(SPEND_TOTALS, numbers, strict=True)) for place, numbers in rows.items()}


# --- Figures ----------------------------------------------------------------------------


def figures(
    available: set[str],
    new_customer_count,
    spend_cents,
    recurring: dict | None = None,
    exact: dict | None = None,
) -> dict[str, Figure]:
    """The acquisition figures a cut has, from its new customers, spend and recurring figures."""
    new_customers = Decimal(new_customer_count or 0)
    result = {"new_customers": figure(new_customers)}
    if "spend" not in available:
        return result
    spend = money(spend_cents)
    result["spend"] = figure(spend)
    result["cac"] = ratio(spend, new_customers, gettext_noop("no new customers"))
    if "ltv_cac" in available and recurring is not None:
        ltv, cac = recurring["ltv"], result["cac"]
        if ltv.value is None:
            result["ltv_cac"] = undefined(LTV_UNDEFINED % {"reason": ltv.undefined_reason})
        elif cac.value is None:
            result["ltv_cac"] = undefined(CAC_UNDEFINED % {"reason": cac.undefined_reason})
        else:
            with localcontext(prec=40):
                cac_exact = spend / new_customers
            result["ltv_cac"] = ratio(exact["ltv"], cac_exact, gettext_noop("CAC is 0 (no spend)"))
    if "cac_payback_months" in available and exact is not None:
        result["cac_payback_months"] = ratio(
            spend, exact["new_mrr"] * gross_margin(), gettext_noop("no new MRR in this period")
        )
    return result
