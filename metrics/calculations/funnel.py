"""The funnel metrics (docs/metrics.md, "Funnel metrics"), from the leads and marketing spend.

A lead counts in the period it was created in (a cohort): of the leads created in P, how many
have qualified and converted so far. Conversion time is the exception: it averages over the
leads *converted* in P. `leads_for`, `created_in`, `converted_in`, `cohort` and
`marketing_spend_in` are the definitions as the drill-downs list them; `totals` computes every
period and cut value (all, or a lead source as the channel) in one query, and the marketing
spend comes with the acquisition family's spend query.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from .. import catalog
from ..cuts import ALL_CUT, Cut
from ..models import Lead, Spend
from ..periods import Period
from . import acquisition, batch
from .figures import Figure, figure, money, ratio

FUNNEL_KEYS = (
    "leads_created",
    "qualified_leads",
    "lead_qualification_rate",
    "converted_leads",
    "lead_conversion_rate",
    "lead_conversion_days",
    "cost_per_lead",
)
NO_LEADS = gettext_noop("no leads created in this period")
NO_CONVERSIONS = gettext_noop("no leads converted in this period")
LEADS = Lead._meta.db_table


def leads_for(cut: Cut) -> QuerySet:
    """The leads a funnel cut covers: all, or those whose source is the channel."""
    leads = Lead.objects.all()
    if cut.kind == catalog.CHANNEL:
        leads = leads.filter(source=cut.value)
    return leads


def created_in(period: Period) -> Q:
    return Q(created_date__gte=period.start, created_date__lt=period.end)


def converted_in(period: Period) -> Q:
    return Q(converted_date__gte=period.start, converted_date__lt=period.end)


def marketing_spend_in(period: Period, cut: Cut) -> QuerySet:
    """The marketing spend rows of P's months (of one channel for a channel cut)."""
    return acquisition.spend_in(period, cut).filter(category=Spend.Category.MARKETING)


def cohort(period: Period, cut: Cut, key: str) -> QuerySet:
    """The leads behind a funnel figure (drilldown.py): the leads created in P for the counts and
    rates (only the qualified or converted ones for those counts), the leads converted in P for
    the conversion time."""
    leads = leads_for(cut).select_related("account")
    if key == "lead_conversion_days":
        return leads.filter(converted_in(period)).order_by("converted_date", "external_id")
    leads = leads.filter(created_in(period))
    if key == "qualified_leads":
        leads = leads.filter(qualified_date__isnull=False)
    elif key == "converted_leads":
        leads = leads.filter(converted_date__isnull=False)
    return leads.order_by("created_date", "external_id")


def lead_sources() -> list[str]:
    """Every lead source: the funnel's channel cuts (a lead without one is in "all" only).

    Read from the (source, created_date) index one source at a time, each the smallest after
    the previous one (a loose index scan), instead of a DISTINCT over every lead: a run asks
    for them first, and the leads are three times the opportunities."""
    rows = batch.fetch(
        f"""WITH RECURSIVE found (source) AS (
            SELECT MIN(source) FROM {LEADS} WHERE source > ''
            UNION ALL
            SELECT (SELECT MIN(source) FROM {LEADS} WHERE source > found.source)
            FROM found WHERE found.source IS NOT NULL
        )
        SELECT source FROM found WHERE source IS NOT NULL""",
        [],
    )
    return sorted(source for (source,) in rows)


# --- Many periods and cut values at once --------------------------------------------------

_CUT_VALUE = {catalog.ALL: "''", catalog.CHANNEL: "l.source"}
TOTALS = ("created", "qualified", "converted", "converted_in_p", "conversion_days")
EMPTY = dict.fromkeys(TOTALS, 0)


def _statement(kinds: set[str]) -> tuple[str, str]:
    """Each lead counts on two days: its created_date (in that cohort's counts) and, once
    converted, its converted_date (the conversion time's average); only the periods' days.
    Summed per span and source first (a few hundred rows for 400,000 lead days at 100,000
    opportunities), which the grouping sets read instead of the leads once per cut kind; a
    number a row does not change is NULL, which SUM skips."""
    days = batch.days_between("converted_date", "created_date")
    flag = "CASE WHEN {} IS NOT NULL THEN 1 ELSE 0 END"
    sums = ", ".join(f"SUM({name}) AS {name}" for name in TOTALS)
    return (
        "",
        f"""
        FROM (
            SELECT {batch.span_of("day")} AS span, source, {sums} FROM (
                SELECT created_date AS day, source, 1 AS created,
                    {flag.format("qualified_date")} AS qualified,
                    {flag.format("converted_date")} AS converted, NULL AS converted_in_p,
                    NULL AS conversion_days
                FROM {LEADS}
                WHERE created_date >= {batch.FIRST_DAY} AND created_date < {batch.END}
                UNION ALL
                SELECT converted_date, source, NULL, NULL, NULL, 1, {days}
                FROM {LEADS}
                WHERE converted_date >= {batch.FIRST_DAY} AND converted_date < {batch.END}
            ) lead_days
            GROUP BY 1, 2
        ) l""",
    )


def totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    """The lead counts of every period (by index) and cut: one query for every cut kind, the
    leads summed per span and cut value first, then those spans per period (NULL sums: 0)."""
    sums = ", ".join(f"COALESCE(SUM(d.{name}), 0)" for name in TOTALS)
    rows = batch.grouped(
        periods,
        cuts,
        _CUT_VALUE,
        _statement,
        ", ".join(f"SUM(l.{name})" for name in TOTALS),
        "l.span",
        per_span=(
            list(TOTALS),
            f"""SELECT p.idx, d.position, d.value, {sums}
            FROM periods p JOIN spans d ON d.span >= p.s_span AND d.span < p.e_span
            GROUP BY p.idx, d.position, d.value""",
        ),
    )
    return {place: dict(zip(TOTALS, numbers, strict=True)) for place, numbers in rows.items()}


# --- Figures ----------------------------------------------------------------------------


def figures(t: dict, marketing_cents) -> dict[str, Figure]:
    """The funnel figures from one period and cut's lead counts and marketing spend."""
    leads, qualified = Decimal(t["created"]), Decimal(t["qualified"])
    converted, converted_in_p = Decimal(t["converted"]), Decimal(t["converted_in_p"])
    spend = money(marketing_cents)
    return {
        "leads_created": figure(leads),
        "qualified_leads": figure(qualified),
        "lead_qualification_rate": ratio(qualified, leads, NO_LEADS),
        "converted_leads": figure(converted),
        "lead_conversion_rate": ratio(converted, leads, NO_LEADS),
        "lead_conversion_days": ratio(
            Decimal(int(t["conversion_days"] or 0)), converted_in_p, NO_CONVERSIONS
        ),
        "cost_per_lead": ratio(spend, leads, NO_LEADS),
    }


def funnel_figures(period: Period, cut: Cut = ALL_CUT) -> dict[str, Figure]:
    """One period and cut's funnel figures (two queries: the leads, the spend)."""
    t = totals([period], [cut]).get((0, cut), EMPTY)
    spend = acquisition.spend_totals([period], [cut]).get((0, cut), {})
    return figures(t, spend.get("marketing"))
