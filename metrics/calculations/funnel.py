"""The funnel metrics (docs/metrics.md, "Funnel metrics"), from the leads and marketing spend.

A lead counts in the period it was created in (a cohort): of the leads created in P, how many
have qualified and converted so far. Conversion time is the exception: it averages over the
leads *converted* in P. `leads_for`, `created_in`, `converted_in`, `cohort` and
`marketing_spend_in` are the definitions as the drill-downs list them; `totals` computes every
period and cut value (all, or a lead source as the channel) in one query from the leads summed
per day and kept between computations (`LEAD_DAYS`), and the marketing spend comes with the
acquisition family's spend query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from .. import catalog
from ..cuts import ALL_CUT, Cut
from ..models import KeptLeadDay, Lead, Spend
from ..periods import Period
from . import acquisition, batch, kept
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
    """Every lead source: the funnel's channel cuts (a lead without one is in "all" only). From
    the (source, created_date) index: a run asks for them first, and the leads are three times
    the opportunities."""
    return batch.distinct_values(LEADS, "source")


# --- Many periods and cut values at once --------------------------------------------------

KEPT_LEAD_DAYS = KeptLeadDay._meta.db_table
# The numbers `totals` gives each period and cut, and the kept columns summed for them.
TOTALS = ("created", "qualified", "converted", "converted_in_p", "conversion_days")
_KEPT_SUMS = ("created", "qualified", "converted", "conversions", "conversion_days")
EMPTY = dict.fromkeys(TOTALS, 0)


def lead_days_select(among: Callable[[str], str] | None = None) -> str:
    """`SELECT kind, value, day, created, qualified, converted, conversions, conversion_days`:
    the leads summed per day for "all" and for each source (the channel cut; a lead without a
    source is in "all" only).

    Each lead counts on two days: on its created_date in that cohort's counts (created, and of
    those how many have qualified and converted so far) and, once converted, on its
    converted_date (conversions, and their days from created to converted: the conversion
    time's average). One pass over the leads for each, summed per source and day (about 11,000
    rows at 3,000,000 leads), which a two-row table of the kinds then doubles into "all" and
    the sources. `among` (kept.Touched.among): only the rows of some days."""
    days = batch.days_between("converted_date", "created_date")
    created_on = f"WHERE {among('created_date')}" if among else ""
    converted_on = f"AND {among('converted_date')}" if among else ""
    sums = ", ".join(f"SUM(d.{column})" for column in _KEPT_SUMS)
    return f"""SELECT k.kind, CASE WHEN k.kind = '{catalog.CHANNEL}' THEN d.source ELSE '' END,
        d.day, {sums}
    FROM (
        SELECT source, created_date AS day, COUNT(*) AS created, COUNT(qualified_date) AS qualified,
            COUNT(converted_date) AS converted, 0 AS conversions, 0 AS conversion_days
        FROM {LEADS} {created_on} GROUP BY source, created_date
        UNION ALL
        SELECT source, converted_date, 0, 0, 0, COUNT(*), SUM({days})
        FROM {LEADS} WHERE converted_date IS NOT NULL {converted_on}
        GROUP BY source, converted_date
    ) d JOIN (SELECT '{catalog.ALL}' AS kind UNION ALL SELECT '{catalog.CHANNEL}') k
        ON k.kind = '{catalog.ALL}' OR d.source <> ''
    GROUP BY k.kind, 2, d.day"""


# The leads per day and cut value, kept between computations (kept.py): made again only when a
# lead was written.
LEAD_DAYS = kept.Kept(
    KEPT_LEAD_DAYS,
    (LEADS,),
    ("kind", "value", "day", *_KEPT_SUMS),
    lead_days_select,
    key=kept.DAY,
    select_among=lead_days_select,
)


def totals(periods: Sequence[Period], cuts: Sequence[Cut]) -> dict[tuple[int, Cut], dict]:
    """The lead counts of every period (by index) and cut, from the kept leads per day
    (LEAD_DAYS, made current by the caller: compute_many) summed over each period's days: one
    query for every cut, about 6,600 kept rows read for a full history at 3,000,000 leads, 180
    for a month."""
    rows = batch.day_sums(KEPT_LEAD_DAYS, _KEPT_SUMS, periods, cuts, (catalog.ALL, catalog.CHANNEL))
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
    """One period and cut's funnel figures (the kept leads made current, then two queries: the
    leads, the spend)."""
    kept.ensure(LEAD_DAYS)
    t = totals([period], [cut]).get((0, cut), EMPTY)
    spend = acquisition.spend_totals([period], [cut]).get((0, cut), {})
    return figures(t, spend.get("marketing"))
