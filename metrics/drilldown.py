"""Drill-downs: the records behind a metric's figure for a period and cut, as tables.

Each table's queryset is built from the calculations' own record sets and conditions
(`calculations.open_at_end`, `covering`, `new_customers_in`, ...), so a listing adds up to
the figure it explains. Pagination and CSV rows are the view's; nothing here is evaluated.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from . import calculations
from .calculations import funnel
from .catalog import MetricDefinition, cut_kind_name
from .cuts import ALL_CUT, Cut
from .models import Account, Opportunity
from .params import BadRequest
from .periods import Period

CLOSED_KEYS = {
    "win_rate",
    "won_count",
    "lost_count",
    "won_amount",
    "avg_deal_size",
    "sales_cycle_days",
}
OPEN_KEYS = {"open_pipeline_count", "open_pipeline_amount", "pipeline_velocity"}
RENEWAL_KEYS = {"renewal_rate", "renewal_rate_amount"}
FORECAST_KEYS = {"forecast_amount", "forecast_accuracy"}
ACQUISITION_KEYS = {"new_customers", "spend", "cac", "ltv_cac", "cac_payback_months"}
# Everything of the recurring group: the accounts with their opening/closing MRR and movement,
# the movement the metric is about listed first.
MOVEMENT_OF_KEY = {
    "new_mrr": "new",
    "reactivation_mrr": "reactivation",
    "expansion_mrr": "expansion",
    "expansion_rate": "expansion",
    "contraction_mrr": "contraction",
    "churned_mrr": "churn",
    "churned_customers": "churn",
    "customer_churn_rate": "churn",
    "monthly_churn_rate": "churn",
}
_MONEY = DecimalField(max_digits=18, decimal_places=2)


@dataclass
class RecordTable:
    name: str  # also the CSV's `table=` value
    title: str
    columns: list[tuple[str, str]]  # (attribute, heading)
    queryset: QuerySet
    money_columns: frozenset = frozenset()

    def rows(self, objects) -> list[list]:
        return [[_cell(obj, attr) for attr, _ in self.columns] for obj in objects]

    def html_rows(self, objects) -> SafeString:
        """The page's `<tr>` rows, each cell shown as the template's `{{ cell }}` would show it
        (localized, escaped, None as empty): built here in one pass, since a template loop over
        fifty rows of eleven cells was half of a drill-down's time. Repeated values (a month's
        close dates) are formatted once."""
        shown: dict = {}

        def cell(value) -> str:
            if value is None:
                return ""
            # By text, not by value: Decimal("0") == Decimal("0.00") but they show differently.
            key = (type(value), str(value))
            if key not in shown:
                shown[key] = conditional_escape(localize(template_localtime(value)))
            return shown[key]

        return format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (format_html_join("", "<td>{}</td>", ((cell(value),) for value in row)),)
                for row in self.rows(objects)
            ),
        )


def _cell(obj, attr):
    value = obj
    for part in attr.split("."):
        value = getattr(value, part, None) if value is not None else None
    if callable(value):
        value = value()
    return value


# Headings shown on the records pages and in their CSVs, in the reader's language.
_OPP_COLUMNS = [
    ("external_id", _("ID")),
    ("name", _("Name")),
    ("account.name", _("Account")),
    ("account.segment", _("Segment")),
    ("get_status_display", _("Status")),
    ("get_type_display", _("Type")),
    ("amount", _("Amount")),
    ("created_date", _("Created")),
    ("close_date", _("Closed")),
    ("source", _("Source")),
    ("owner", _("Owner")),
]
_FORECAST_COLUMNS = [
    ("period_start", _("Period start")),
    ("period_end", _("Period end")),
    ("amount", _("Amount")),
    ("recorded_on", _("Recorded on")),
]
_SPEND_COLUMNS = [
    ("month", _("Month")),
    ("channel", _("Channel")),
    ("get_category_display", _("Category")),
    ("amount", _("Amount")),
]
_CUSTOMER_COLUMNS = [
    ("external_id", _("ID")),
    ("name", _("Account")),
    ("segment", _("Segment")),
    ("channel", _("Channel")),
    ("first_won_id", _("First won deal")),
    ("first_won_close", _("Closed")),
    ("first_won_amount", _("Amount")),
]
_LEAD_COLUMNS = [
    ("external_id", _("ID")),
    ("created_date", _("Created")),
    ("source", _("Source")),
    ("owner", _("Owner")),
    ("status", _("Status")),
    ("qualified_date", _("Qualified")),
    ("converted_date", _("Converted")),
    ("account.name", _("Account")),
]
_ACCOUNT_COLUMNS = [
    ("external_id", _("ID")),
    ("name", _("Account")),
    ("segment", _("Segment")),
    ("opening_mrr", _("Opening MRR")),
    ("closing_mrr", _("Closing MRR")),
    ("movement_label", _("Movement")),
    ("change", _("Change")),
]


def _movement_labels() -> dict[str, str]:
    """An account's MRR movement as the records page names it (the query keeps the code)."""
    return {
        "new": pgettext("MRR movement", "new"),
        "reactivation": pgettext("MRR movement", "reactivation"),
        "churn": pgettext("MRR movement", "churn"),
        "expansion": pgettext("MRR movement", "expansion"),
        "contraction": pgettext("MRR movement", "contraction"),
        "unchanged": pgettext("MRR movement", "unchanged"),
    }


def closed_opportunities(period: Period, cut: Cut = ALL_CUT, *, renewal=False) -> QuerySet:
    queryset = (
        calculations.opportunities_for(cut)
        .select_related("account")
        .filter(
            calculations.closed_in(period),
            status__in=[Opportunity.Status.WON, Opportunity.Status.LOST],
        )
    )
    if renewal:
        queryset = queryset.filter(type=Opportunity.Type.RENEWAL)
    return queryset.order_by("close_date", "external_id")


def open_opportunities(period: Period, cut: Cut = ALL_CUT) -> QuerySet:
    return (
        calculations.opportunities_for(cut)
        .select_related("account")
        .filter(calculations.open_at_end(period))
        .order_by("created_date", "external_id")
    )


def _mrr_on(day: date):
    """An account's MRR on a day: the sum of its subscriptions covering it (in the one GROUP BY
    over the accounts' subscriptions, not a subquery per account)."""
    return Coalesce(
        Sum("subscriptions__mrr", filter=_prefixed(calculations.covering(day))),
        Value(Decimal("0"), output_field=_MONEY),
        output_field=_MONEY,
    )


def _prefixed(condition: Q) -> Q:
    """A condition on a subscription's fields, as a condition on an account's subscriptions."""
    prefixed = Q(_connector=condition.connector, _negated=condition.negated)
    for child in condition.children:
        if isinstance(child, Q):
            prefixed.children.append(_prefixed(child))
        else:
            name, value = child
            prefixed.children.append((f"subscriptions__{name}", value))
    return prefixed


def account_movements(period: Period, cut: Cut = ALL_CUT, *, first: str | None = None) -> QuerySet:
    """Accounts with MRR on either side of P, their opening/closing MRR and their movement:
    the `first` movement, then the other movements, then the unchanged accounts. One aggregate
    over the subscriptions that started by P's last day, grouped by account."""
    queryset = Account.objects.filter(subscriptions__start_date__lte=period.last_day)
    if not cut.is_all:  # by segment, industry or acquisition channel
        queryset = queryset.filter(pk__in=calculations.accounts_for(cut).values("pk"))
    queryset = queryset.annotate(
        opening_mrr=_mrr_on(period.day_before),
        closing_mrr=_mrr_on(period.last_day),
        earlier=Count("subscriptions", filter=Q(subscriptions__start_date__lt=period.start)),
    ).filter(Q(opening_mrr__gt=0) | Q(closing_mrr__gt=0))
    return queryset.annotate(
        movement=Case(
            When(opening_mrr=0, earlier=0, then=Value("new")),
            When(opening_mrr=0, then=Value("reactivation")),
            When(closing_mrr=0, then=Value("churn")),
            When(closing_mrr__gt=F("opening_mrr"), then=Value("expansion")),
            When(closing_mrr__lt=F("opening_mrr"), then=Value("contraction")),
            default=Value("unchanged"),
        ),
        change=ExpressionWrapper(F("closing_mrr") - F("opening_mrr"), output_field=_MONEY),
        movement_label=Case(
            *(When(movement=code, then=Value(label)) for code, label in _movement_labels().items())
        ),
        listing_order=Case(
            When(movement=first or "", then=Value(0)),
            When(movement="unchanged", then=Value(2)),
            default=Value(1),
        ),
    ).order_by("listing_order", "name", "pk")


def new_customers(period: Period, cut: Cut = ALL_CUT) -> QuerySet:
    """Accounts whose earliest won opportunity closes in P, with that deal's source as channel.
    Only the accounts with a deal won in P are candidates (a join on the status and close-date
    index), so the first-won lookups run for them, not for every account."""
    won_in_period = Opportunity.objects.filter(
        calculations.closed_in(period), status=Opportunity.Status.WON
    ).values("account_id")
    return (
        calculations.new_customers_in(
            period, cut, first_won_id="external_id", first_won_amount="amount"
        )
        .filter(pk__in=won_in_period)
        .order_by("first_won_close", "name", "pk")
    )


def drilldown(definition: MetricDefinition, period: Period, cut: Cut) -> list[RecordTable]:
    """The records behind a metric's figure for P, as one or more tables of querysets."""
    if not cut.allows(definition):
        raise BadRequest(
            gettext("%(metric)s can't be cut by %(cut)s.")
            % {"metric": definition.name, "cut": cut_kind_name(cut.kind)}
        )
    key, label = definition.key, {"period": period.label()}
    if key in CLOSED_KEYS:
        title = gettext("Won and lost opportunities closed in %(period)s") % label
        return [
            RecordTable("opportunities", title, _OPP_COLUMNS, closed_opportunities(period, cut))
        ]
    if key in OPEN_KEYS:
        title = gettext("Opportunities open at the end of %(period)s") % label
        return [RecordTable("opportunities", title, _OPP_COLUMNS, open_opportunities(period, cut))]
    if key in RENEWAL_KEYS:
        title = gettext("Renewal opportunities closed in %(period)s") % label
        renewals = closed_opportunities(period, cut, renewal=True)
        return [RecordTable("opportunities", title, _OPP_COLUMNS, renewals)]
    if key in FORECAST_KEYS:
        forecasts = calculations.forecasts_for(period).order_by("recorded_on", "pk")
        won = closed_opportunities(period).filter(status=Opportunity.Status.WON)
        return [
            RecordTable(
                "forecasts",
                gettext("Forecasts recorded for %(period)s") % label,
                _FORECAST_COLUMNS,
                forecasts,
            ),
            RecordTable(
                "won",
                gettext("Won opportunities closed in %(period)s (the actual)") % label,
                _OPP_COLUMNS,
                won,
            ),
        ]
    if key in ACQUISITION_KEYS:
        customers = RecordTable(
            "customers",
            gettext("New customers in %(period)s") % label,
            _CUSTOMER_COLUMNS,
            new_customers(period, cut),
        )
        if key == "new_customers":
            return [customers]
        spend = calculations.spend_in(period, cut).order_by("month", "channel", "category", "pk")
        title = gettext("Spend in %(period)s") % label
        return [RecordTable("spend", title, _SPEND_COLUMNS, spend), customers]
    if key in funnel.FUNNEL_KEYS:
        return _funnel_tables(key, period, cut)
    # The recurring revenue metrics.
    title = gettext(
        "Accounts with MRR in %(period)s: opening (on %(opening_day)s) "
        "and closing (on %(closing_day)s)"
    ) % {
        **label,
        "opening_day": date_format(period.day_before),
        "closing_day": date_format(period.last_day),
    }
    movements = account_movements(period, cut, first=MOVEMENT_OF_KEY.get(key))
    return [RecordTable("accounts", title, _ACCOUNT_COLUMNS, movements)]


def _funnel_tables(key: str, period: Period, cut: Cut) -> list[RecordTable]:
    label = {"period": period.label()}
    title = {
        "qualified_leads": gettext("Leads created in %(period)s that have qualified"),
        "converted_leads": gettext("Leads created in %(period)s that have converted"),
        "lead_conversion_days": gettext("Leads converted in %(period)s"),
    }.get(key, gettext("Leads created in %(period)s")) % label
    leads = RecordTable("leads", title, _LEAD_COLUMNS, funnel.cohort(period, cut, key))
    if key != "cost_per_lead":
        return [leads]
    spend = funnel.marketing_spend_in(period, cut).order_by("month", "channel", "pk")
    title = gettext("Marketing spend in %(period)s") % label
    return [RecordTable("spend", title, _SPEND_COLUMNS, spend), leads]
