"""The funnel metrics (docs/metrics.md, "Funnel metrics"), from the leads and marketing spend.

A lead counts in the period it was created in (a cohort): of the leads created in P, how many
have qualified and converted so far. Conversion time is the exception: it averages over the
leads *converted* in P. Two queries per period and cut (one over the leads, one over the spend),
whatever the number of leads; Python only divides the aggregated numbers.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum

from . import catalog
from .calculations import Figure, _cents, _days, _figure, _money, _ratio, spend_in
from .cuts import ALL_CUT, Cut
from .models import Lead, Spend
from .periods import Period

FUNNEL_KEYS = (
    "leads_created",
    "qualified_leads",
    "lead_qualification_rate",
    "converted_leads",
    "lead_conversion_rate",
    "lead_conversion_days",
    "cost_per_lead",
)
NO_LEADS = "no leads created in this period"
NO_CONVERSIONS = "no leads converted in this period"


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
    return spend_in(period, cut).filter(category=Spend.Category.MARKETING)


def funnel_figures(period: Period, cut: Cut = ALL_CUT) -> dict[str, Figure]:
    created, converted = created_in(period), converted_in(period)
    t = (
        leads_for(cut)
        .filter(created | converted)
        .aggregate(
            created=Count("pk", filter=created),
            qualified=Count("pk", filter=created & Q(qualified_date__isnull=False)),
            converted=Count("pk", filter=created & Q(converted_date__isnull=False)),
            converted_in_p=Count("pk", filter=converted),
            conversion_time=Sum(_conversion_days(), filter=converted),
        )
    )
    spend = _money(marketing_spend_in(period, cut).aggregate(cents=_cents("amount"))["cents"])
    leads, qualified = Decimal(t["created"]), Decimal(t["qualified"])
    converted_leads, converted_in_p = Decimal(t["converted"]), Decimal(t["converted_in_p"])
    return {
        "leads_created": _figure(leads),
        "qualified_leads": _figure(qualified),
        "lead_qualification_rate": _ratio(qualified, leads, NO_LEADS),
        "converted_leads": _figure(converted_leads),
        "lead_conversion_rate": _ratio(converted_leads, leads, NO_LEADS),
        "lead_conversion_days": _ratio(
            Decimal(_days(t["conversion_time"])), converted_in_p, NO_CONVERSIONS
        ),
        "cost_per_lead": _ratio(spend, leads, NO_LEADS),
    }


def _conversion_days():
    return ExpressionWrapper(F("converted_date") - F("created_date"), output_field=DurationField())


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
    """Every lead source: the funnel's channel cuts (a lead without one is in "all" only)."""
    return sorted(set(Lead.objects.exclude(source="").values_list("source", flat=True).distinct()))
