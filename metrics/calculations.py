"""Every metric of docs/metrics.md, computed from the records for one period and one cut.

Pure: records and a Period (and a cut) in, figures out; nothing is written. Sums and counts
are aggregated in the database (conditional aggregation, subqueries); Python only combines
the handful of aggregated numbers into ratios. `compute_all` issues a fixed number of queries
(five at most), however many accounts, opportunities or subscriptions there are.

Exactness: money is summed as whole cents (ROUND(amount * 100)), so SQLite, which keeps
decimals as floats, gives the same figures as PostgreSQL. Every figure is then brought to
its canonical form (`canonical`): at most 10 decimal places and 15 significant digits, the
precision a MetricValue keeps on both databases, so a stored figure reads back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round

from . import catalog
from .cuts import ALL_CUT, Cut
from .models import Account, Forecast, Opportunity, Spend, Subscription, Team
from .periods import Period

ZERO = Decimal(0)
CENT = Decimal("0.01")
_PLACES = Decimal("1e-10")
_SIGNIFICANT = 15
_CENTS = DecimalField(max_digits=30, decimal_places=0)
WON, LOST, OPEN = Opportunity.Status.WON, Opportunity.Status.LOST, Opportunity.Status.OPEN


@dataclass(frozen=True)
class Figure:
    """One metric's value for a period and cut, with the numbers behind it.

    `value` is None when the metric is undefined (a zero denominator), and then
    `undefined_reason` says why. For ratios, value = numerator / denominator.
    """

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    undefined_reason: str = ""


def canonical(number) -> Decimal | None:
    """A figure's one written form: at most 10 decimal places and 15 significant digits."""
    if number is None:
        return None
    number = Decimal(number)
    if not number:
        return ZERO
    exponent = max(-10, number.adjusted() - (_SIGNIFICANT - 1))
    with localcontext(prec=60):
        rounded = number.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)
    if not rounded:
        return ZERO
    rounded = rounded.normalize()
    # No exponent form (7.9E+2): whole numbers are written out (790).
    return rounded.quantize(Decimal(1)) if rounded.as_tuple().exponent > 0 else rounded


def _figure(value, numerator=None, denominator=None, reason: str = "") -> Figure:
    return Figure(canonical(value), canonical(numerator), canonical(denominator), reason)


def _ratio(numerator: Decimal, denominator: Decimal, reason: str) -> Figure:
    if not denominator:
        return Figure(None, canonical(numerator), canonical(denominator), reason)
    with localcontext(prec=40):
        return _figure(numerator / denominator, numerator, denominator)


def _undefined(reason: str, numerator=None, denominator=None) -> Figure:
    return Figure(None, canonical(numerator), canonical(denominator), reason)


def _cents(field: str, condition: Q | None = None):
    """The exact sum of a money column in whole cents (0 over no rows)."""
    return Coalesce(
        Sum(Round(F(field) * 100), filter=condition, output_field=_CENTS),
        Value(0),
        output_field=_CENTS,
    )


def _money(cents) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(CENT)


def _count(condition: Q | None = None):
    return Count("pk", filter=condition)


def _gross_margin() -> Decimal:
    return Decimal(str(settings.METRICS_GROSS_MARGIN))


# --- Pipeline ---------------------------------------------------------------------------


# The record sets and conditions below are the figures' own definitions; the drill-downs
# (drilldown.py) list the records through them, so a listing always adds up to its figure.


def opportunities_for(cut: Cut) -> QuerySet:
    """The opportunities a pipeline cut covers (the pipeline has no channel cut). An
    opportunity without an account, or whose owner is on no team, is in "all" only."""
    opportunities = Opportunity.objects.all()
    if cut.kind == catalog.SEGMENT:
        opportunities = opportunities.filter(account__segment=cut.value)
    elif cut.kind == catalog.INDUSTRY:
        opportunities = opportunities.filter(account__industry=cut.value)
    elif cut.kind == catalog.OWNER:
        opportunities = opportunities.filter(owner=cut.value)
    elif cut.kind == catalog.TEAM:
        # A subquery, not a list: the figure stays one query per period and cut.
        members = Team.objects.filter(team=cut.value).values("owner")
        opportunities = opportunities.filter(owner__in=Subquery(members))
    return opportunities


def closed_in(period: Period) -> Q:
    """Closing in P (with a status of won or lost, the deal counts in P's win rate)."""
    return Q(close_date__gte=period.start, close_date__lt=period.end)


def open_at_end(period: Period) -> Q:
    """Open at the end of P: created by its last day and not closed by then. A closed
    opportunity always has a close_date (a database constraint)."""
    return Q(created_date__lt=period.end) & (Q(status=OPEN) | Q(close_date__gte=period.end))


def _pipeline_totals(period: Period, cut: Cut) -> dict:
    opportunities = opportunities_for(cut)
    won = Q(status=WON) & closed_in(period)
    lost = Q(status=LOST) & closed_in(period)
    renewal = Q(type=Opportunity.Type.RENEWAL)
    open_at_end_of_p = open_at_end(period)
    return opportunities.aggregate(
        won_count=_count(won),
        lost_count=_count(lost),
        won_cents=_cents("amount", won),
        cycle=Sum(
            ExpressionWrapper(F("close_date") - F("created_date"), output_field=DurationField()),
            filter=won,
        ),
        open_count=_count(open_at_end_of_p),
        open_cents=_cents("amount", open_at_end_of_p),
        renewal_won=_count(won & renewal),
        renewal_lost=_count(lost & renewal),
        renewal_won_cents=_cents("amount", won & renewal),
        renewal_lost_cents=_cents("amount", lost & renewal),
    )


def _days(duration) -> int:
    """A summed date difference as whole days (a timedelta on every backend)."""
    if duration is None:
        return 0
    if isinstance(duration, timedelta):
        return duration.days + (duration.seconds // 86400)
    return int(duration) // 86_400_000_000  # microseconds, should a backend return a number


def forecasts_for(period: Period) -> QuerySet:
    """Every forecast recorded for P (its first and last day)."""
    return Forecast.objects.filter(period_start=period.start, period_end=period.last_day)


def _forecast(period: Period) -> Decimal | None:
    """F: the latest forecast for P recorded on or before its first day, else the earliest."""
    on_or_before = Q(recorded_on__lte=period.start)
    return (
        forecasts_for(period)
        .order_by(
            Case(When(on_or_before, then=F("recorded_on")), default=None).desc(nulls_last=True),
            "recorded_on",
        )
        .values_list("amount", flat=True)
        .first()
    )


def pipeline_figures(period: Period, cut: Cut = ALL_CUT, *, with_forecast: bool = True) -> dict:
    t = _pipeline_totals(period, cut)
    won, lost = Decimal(t["won_count"]), Decimal(t["lost_count"])
    won_amount = _money(t["won_cents"])
    cycle_days = Decimal(_days(t["cycle"]))
    open_count = Decimal(t["open_count"])
    figures = {
        "won_count": _figure(won),
        "lost_count": _figure(lost),
        "won_amount": _figure(won_amount),
        "win_rate": _ratio(won, won + lost, "no closed opportunities"),
        "avg_deal_size": _ratio(won_amount, won, "no won opportunities"),
        "sales_cycle_days": _ratio(cycle_days, won, "no won opportunities"),
        "open_pipeline_count": _figure(open_count),
        "open_pipeline_amount": _figure(_money(t["open_cents"])),
    }
    # Velocity = open count × win rate × average deal size / cycle length, which reduces to
    # open count × won amount × won / ((won + lost) × total cycle days).
    if not won + lost:
        figures["pipeline_velocity"] = _undefined("no closed opportunities")
    elif not won:
        figures["pipeline_velocity"] = _undefined("no won opportunities")
    elif not cycle_days:
        figures["pipeline_velocity"] = _undefined("the sales cycle is 0 days")
    else:
        with localcontext(prec=40):
            numerator = open_count * (won / (won + lost)) * (won_amount / won)
            figures["pipeline_velocity"] = _ratio(numerator, cycle_days / won, "")
    r_won, r_lost = Decimal(t["renewal_won"]), Decimal(t["renewal_lost"])
    r_won_amount, r_lost_amount = _money(t["renewal_won_cents"]), _money(t["renewal_lost_cents"])
    figures["renewal_rate"] = _ratio(r_won, r_won + r_lost, "no closed renewal opportunities")
    figures["renewal_rate_amount"] = _ratio(
        r_won_amount,
        r_won_amount + r_lost_amount,
        "no closed renewal opportunities"
        if not r_won + r_lost
        else "closed renewal opportunities have no amount",
    )
    if with_forecast:
        forecast = _forecast(period)
        if forecast is None:
            figures["forecast_amount"] = _undefined("no forecast for this period")
            figures["forecast_accuracy"] = _undefined("no forecast for this period")
        else:
            figures["forecast_amount"] = _figure(forecast)
            # 1 − |F − A| / A, shown as (A − |F − A|) / A so value = numerator / denominator.
            figures["forecast_accuracy"] = _ratio(
                won_amount - abs(forecast - won_amount), won_amount, "no won amount in this period"
            )
    return figures


# --- Recurring revenue --------------------------------------------------------------------


def covering(day) -> Q:
    """A subscription that counts in an account's MRR on this day."""
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gt=day))


def accounts_for(cut: Cut) -> QuerySet:
    """The accounts a recurring revenue or new-customers cut covers: by segment, industry or
    acquisition channel (the source of the first won deal; an account never won has none)."""
    accounts = Account.objects.all()
    if cut.kind == catalog.SEGMENT:
        accounts = accounts.filter(segment=cut.value)
    elif cut.kind == catalog.INDUSTRY:
        accounts = accounts.filter(industry=cut.value)
    elif cut.kind == catalog.CHANNEL:
        accounts = customers_with_first_won().filter(channel=cut.value)
    return accounts


def subscriptions_for(cut: Cut) -> QuerySet:
    subscriptions = Subscription.objects.all()
    if not cut.is_all:
        # A subquery, not a list: the figure stays one query per period and cut.
        subscriptions = subscriptions.filter(account__in=accounts_for(cut).values("pk"))
    return subscriptions


def _mrr_totals(period: Period, cut: Cut) -> dict:
    """Opening/closing MRR per account (grouped), then the movements summed over accounts."""
    subscriptions = subscriptions_for(cut)
    per_account = (
        subscriptions.values("account_id")
        .annotate(
            o=_cents("mrr", covering(period.day_before)),
            c=_cents("mrr", covering(period.last_day)),
            before=_count(Q(start_date__lt=period.start)),
        )
        .order_by()
    )
    o, c = F("o"), F("c")
    new_or_back = Q(o=0, c__gt=0)
    churned = Q(o__gt=0, c=0)
    return per_account.aggregate(
        opening=Coalesce(Sum(o), Value(0), output_field=_CENTS),
        closing=Coalesce(Sum(c), Value(0), output_field=_CENTS),
        new=Coalesce(Sum(c, filter=new_or_back & Q(before=0)), Value(0), output_field=_CENTS),
        reactivation=Coalesce(
            Sum(c, filter=new_or_back & Q(before__gt=0)), Value(0), output_field=_CENTS
        ),
        expansion=Coalesce(Sum(c - o, filter=Q(o__gt=0, c__gt=o)), Value(0), output_field=_CENTS),
        contraction=Coalesce(Sum(o - c, filter=Q(c__gt=0, c__lt=o)), Value(0), output_field=_CENTS),
        churn=Coalesce(Sum(o, filter=churned), Value(0), output_field=_CENTS),
        churned_customers=Count("account_id", filter=churned, output_field=IntegerField()),
        customers=Count("account_id", filter=Q(c__gt=0), output_field=IntegerField()),
        opening_customers=Count("account_id", filter=Q(o__gt=0), output_field=IntegerField()),
    )


def monthly_churn(customer_churn_rate: Decimal, months: Decimal) -> Decimal:
    """1 − (1 − rate)^(1/n), the fractional power taken with Decimal (exp(ln(x) / n))."""
    base = 1 - customer_churn_rate
    if months == 1:
        return customer_churn_rate
    if base <= 0:
        return Decimal(1)
    with localcontext(prec=50):
        return 1 - (base.ln() / months).exp()


def recurring_figures(period: Period, cut: Cut = ALL_CUT) -> tuple[dict, dict]:
    """The recurring revenue figures, and the exact LTV and new MRR the acquisition ratios use."""
    t = _mrr_totals(period, cut)
    exact = {"new_mrr": _money(t["new"]), "ltv": None}
    opening, closing = _money(t["opening"]), _money(t["closing"])
    new, reactivation = _money(t["new"]), _money(t["reactivation"])
    expansion, contraction = _money(t["expansion"]), _money(t["contraction"])
    churn = _money(t["churn"])
    customers, opening_customers = Decimal(t["customers"]), Decimal(t["opening_customers"])
    churned_customers = Decimal(t["churned_customers"])
    no_opening = "no opening MRR"
    figures = {
        "mrr": _figure(closing),
        "arr": _figure(closing * 12),
        "opening_mrr": _figure(opening),
        "new_mrr": _figure(new),
        "reactivation_mrr": _figure(reactivation),
        "expansion_mrr": _figure(expansion),
        "contraction_mrr": _figure(contraction),
        "churned_mrr": _figure(churn),
        "customers": _figure(customers),
        "opening_customers": _figure(opening_customers),
        "churned_customers": _figure(churned_customers),
        "arpa": _ratio(closing, customers, "no customers at the end of the period"),
        "customer_churn_rate": _ratio(
            churned_customers, opening_customers, "no customers at the start of the period"
        ),
        "gross_mrr_churn_rate": _ratio(churn + contraction, opening, no_opening),
        "nrr": _ratio(opening + expansion - contraction - churn, opening, no_opening),
        "grr": _ratio(opening - contraction - churn, opening, no_opening),
        "expansion_rate": _ratio(expansion, opening, no_opening),
        "quick_ratio": _ratio(
            new + reactivation + expansion, contraction + churn, "no contraction or churn"
        ),
    }
    gross_margin = _gross_margin()
    if not opening_customers:
        figures["monthly_churn_rate"] = _undefined("no customers at the start of the period")
        figures["ltv"] = _undefined("no customers at the start of the period")
    else:
        with localcontext(prec=40):
            rate = monthly_churn(churned_customers / opening_customers, period.months)
            figures["monthly_churn_rate"] = _figure(rate, churned_customers, opening_customers)
            if not customers:
                figures["ltv"] = _undefined("no customers at the end of the period")
            elif not rate:
                figures["ltv"] = _undefined("no churn in this period", denominator=ZERO)
            else:
                margin_per_account = closing / customers * gross_margin
                exact["ltv"] = margin_per_account / rate
                figures["ltv"] = _figure(exact["ltv"], margin_per_account, rate)
    return figures, exact


# --- Acquisition ----------------------------------------------------------------------------


def customers_with_first_won(**fields: str) -> QuerySet:
    """Accounts annotated with their first won opportunity's close date and source (channel),
    and with any other of its fields asked for as `annotation="field"`."""
    first = Opportunity.objects.filter(account=OuterRef("pk"), status=WON).order_by(
        "close_date", "created_date", "external_id"
    )
    fields = {"first_won_close": "close_date", "channel": "source", **fields}
    return Account.objects.annotate(
        **{name: Subquery(first.values(field)[:1]) for name, field in fields.items()}
    )


def new_customers_in(period: Period, cut: Cut, **fields: str) -> QuerySet:
    """The accounts whose first won opportunity closes in P: P's new customers."""
    accounts = customers_with_first_won(**fields).filter(
        first_won_close__gte=period.start, first_won_close__lt=period.end
    )
    if cut.kind == catalog.SEGMENT:
        accounts = accounts.filter(segment=cut.value)
    elif cut.kind == catalog.INDUSTRY:
        accounts = accounts.filter(industry=cut.value)
    elif cut.kind == catalog.CHANNEL:
        accounts = accounts.filter(channel=cut.value)
    return accounts


def spend_in(period: Period, cut: Cut) -> QuerySet:
    """The spend rows of P's months (of one channel for a channel cut)."""
    rows = Spend.objects.filter(month__gte=period.start, month__lt=period.end)
    if cut.kind == catalog.CHANNEL:
        rows = rows.filter(channel=cut.value)
    return rows


def _spend(period: Period, cut: Cut) -> Decimal:
    return _money(spend_in(period, cut).aggregate(cents=_cents("amount"))["cents"])


def acquisition_figures(
    period: Period, cut: Cut, recurring: dict | None = None, exact: dict | None = None
) -> dict:
    available = {m.key for m in catalog.METRICS if cut.kind in m.cuts}
    figures = {}
    new_customers = Decimal(new_customers_in(period, cut).count())
    figures["new_customers"] = _figure(new_customers)
    if "spend" not in available:
        return figures
    spend = _spend(period, cut)
    figures["spend"] = _figure(spend)
    figures["cac"] = _ratio(spend, new_customers, "no new customers")
    if "ltv_cac" in available and recurring is not None:
        ltv, cac = recurring["ltv"], figures["cac"]
        if ltv.value is None:
            figures["ltv_cac"] = _undefined(f"LTV is undefined ({ltv.undefined_reason})")
        elif cac.value is None:
            figures["ltv_cac"] = _undefined(f"CAC is undefined ({cac.undefined_reason})")
        else:
            with localcontext(prec=40):
                cac_exact = spend / new_customers
            figures["ltv_cac"] = _ratio(exact["ltv"], cac_exact, "CAC is 0 (no spend)")
    if "cac_payback_months" in available and exact is not None:
        figures["cac_payback_months"] = _ratio(
            spend, exact["new_mrr"] * _gross_margin(), "no new MRR in this period"
        )
    return figures


# --- Everything for one period and cut ------------------------------------------------------


def not_available_reason(cut: Cut) -> str:
    return f"not available for a {cut.kind} cut"


def compute_all(period: Period, cut: Cut = ALL_CUT) -> dict[str, Figure]:
    """Every metric of the catalogue that exists for this cut, keyed by metric key."""
    available = {m.key for m in catalog.METRICS if cut.kind in m.cuts}
    figures: dict[str, Figure] = {}
    recurring = exact = None
    if "win_rate" in available:
        figures.update(pipeline_figures(period, cut, with_forecast="forecast_amount" in available))
    if "mrr" in available:
        recurring, exact = recurring_figures(period, cut)
        figures.update(recurring)
    if "new_customers" in available:
        figures.update(acquisition_figures(period, cut, recurring, exact))
    if "leads_created" in available:
        from .funnel import funnel_figures  # funnel.py builds on this module's helpers

        figures.update(funnel_figures(period, cut))
    return {key: figures[key] for key in catalog.KEYS if key in available}


def compute_one(key: str, period: Period, cut: Cut = ALL_CUT) -> Figure:
    definition = catalog.get(key)
    if definition is None:
        raise KeyError(f"Unknown metric {key!r}.")
    if cut.kind not in definition.cuts:
        return _undefined(not_available_reason(cut))
    return compute_all(period, cut)[key]


def segments() -> list[str]:
    """Every account segment in the records (an empty segment belongs to 'all' only)."""
    return sorted(
        set(Account.objects.exclude(segment="").values_list("segment", flat=True).distinct())
    )


def _distinct(queryset: QuerySet, field: str) -> list[str]:
    return sorted(set(queryset.exclude(**{field: ""}).values_list(field, flat=True).distinct()))


def industries() -> list[str]:
    """Every account industry (an empty industry belongs to 'all' only)."""
    return _distinct(Account.objects.all(), "industry")


def owners() -> list[str]:
    """Every opportunity owner (an opportunity without one belongs to 'all' only)."""
    return _distinct(Opportunity.objects.all(), "owner")


def teams() -> list[str]:
    """Every team of the teams records."""
    return _distinct(Team.objects.all(), "team")


def channels() -> list[str]:
    """Every channel: the sources of customers' first won deals and the spend rows' channels."""
    sources = (
        customers_with_first_won()
        .exclude(channel__isnull=True)
        .exclude(channel="")
        .values_list("channel", flat=True)
        .distinct()
    )
    spend_channels = Spend.objects.values_list("channel", flat=True).distinct()
    return sorted((set(sources) | set(spend_channels)) - {""})
