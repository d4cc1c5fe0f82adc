"""Drill-downs: the records behind a metric's figure for a period and cut, as tables.

Each table's queryset is built from the calculations' own record sets and conditions
(`calculations.open_at_end`, `covering`, `new_customers_in`, ...), so a listing adds up to
the figure it explains. Pagination and CSV rows are the view's; nothing here is evaluated.
"""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext

from . import calculations
from .calculations import funnel
from .catalog import MetricDefinition, cut_kind_name
from .cuts import ALL_CUT, Cut
from .models import (
    Account,
    AccountMovement,
    CutKind,
    DrilldownListing,
    MetricRun,
    NewCustomer,
    Opportunity,
)
from .params import BadRequest
from .periods import Period
from .record_tables import (
    ACCOUNT_COLUMNS,
    CUSTOMER_COLUMNS,
    FORECAST_COLUMNS,
    LEAD_COLUMNS,
    OPPORTUNITY_COLUMNS,
    SPEND_COLUMNS,
    RecordTable,
)

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
# Every table's name: a page's cursors are read by them (params.record_cursors) before its
# tables are built.
TABLE_NAMES = ("opportunities", "forecasts", "won", "customers", "spend", "leads", "accounts")


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
        listing_order=Case(
            When(movement=first or "", then=Value(0)),
            When(movement="unchanged", then=Value(2)),
            default=Value(1),
        ),
    ).order_by("listing_order", "name", "pk")


def kept_listing(run: MetricRun | None, table: str, period: Period, cut: Cut, **extra):
    """The listing `table` of P as kept for the run, worked out the first time it is asked
    for: a queryset of its rows in their order, whose keyset pages are ranges of the (listing,
    position) index. `extra`: `first`, the movement an accounts listing starts with."""
    first = extra.get("first") or ""
    key = {
        "run": run,
        "table": table,
        "period_start": period.start,
        "period_end": period.end,
        "cut_kind": cut.kind,
        "cut_value": cut.value,
        "first": first,
    }
    listing = DrilldownListing.objects.filter(**key).order_by("pk").first()
    if table == "accounts":
        if listing is None:
            values = ("account", "opening_mrr", "closing_mrr", "movement")
            movements = account_movements(period, cut, first=first or None)
            listing = _keep_listing(key, movements, AccountMovement, values)
        rows = AccountMovement.objects.select_related("account")
    else:
        if listing is None:
            listing = _keep_listing(key, new_customers(period, cut), NewCustomer, ("deal",))
        rows = NewCustomer.objects.select_related("deal__account")
    return rows.filter(listing=listing).order_by("position", "pk")


def _keep_listing(key: dict, source: QuerySet, model, columns: tuple) -> DrilldownListing:
    """Store `source`'s rows with their place in its order, in one INSERT … SELECT of that very
    query (so the listing is exactly what it lists): each of the row model's `columns` from the
    source's column of that name (its pk for a foreign key). Listings of other runs go. A
    request that loses the race to another one making the same listing reads that one."""
    order = {f"o{n}": F(name) for n, name in enumerate(source.query.order_by)}
    taken = {
        f"c_{column}": F("pk") if model._meta.get_field(column).is_relation else F(column)
        for column in columns
    }
    sql, params = source.order_by().values(**order, **taken).query.sql_with_params()
    names = ", ".join(model._meta.get_field(column).column for column in columns)
    picked = ", ".join(f"q.{alias}" for alias in taken)
    ranked = ", ".join(f"q.{alias}" for alias in order)
    position = connection.ops.quote_name("position")
    with transaction.atomic():
        try:
            with transaction.atomic():
                listing = DrilldownListing.objects.create(**key)
        except IntegrityError:
            return DrilldownListing.objects.get(**key)
        with connection.cursor() as cursor:
            cursor.execute(
                # Table and column names from the models; every value is a parameter.
                f"INSERT INTO {model._meta.db_table} (listing_id, {position}, {names}) "  # noqa: S608
                f"SELECT %s, ROW_NUMBER() OVER (ORDER BY {ranked}), {picked} FROM ({sql}) q",
                [listing.pk, *params],
            )
        DrilldownListing.objects.exclude(run=key["run"]).delete()
    return listing


def new_customers(period: Period, cut: Cut = ALL_CUT) -> QuerySet:
    """P's new customers as their first won deals: the deals won in P (the status and
    close-date index) of accounts with no won deal before them (the order in which the
    calculations pick an account's first: close date, created date, external id)."""
    earlier = Q(close_date__lt=OuterRef("close_date")) | Q(
        close_date=OuterRef("close_date"), created_date__lt=OuterRef("created_date")
    )
    earlier |= Q(
        close_date=OuterRef("close_date"),
        created_date=OuterRef("created_date"),
        external_id__lt=OuterRef("external_id"),
    )
    won_before = Opportunity.objects.filter(
        earlier, account=OuterRef("account_id"), status=Opportunity.Status.WON
    )
    firsts = Opportunity.objects.filter(
        calculations.closed_in(period), status=Opportunity.Status.WON, account__isnull=False
    ).exclude(Exists(won_before))
    if cut.kind in (CutKind.SEGMENT, CutKind.INDUSTRY):
        firsts = firsts.filter(**{f"account__{cut.kind}": cut.value})
    elif cut.kind == CutKind.CHANNEL:  # an account's channel is its first won deal's source
        firsts = firsts.filter(source=cut.value)
    return firsts.select_related("account").order_by("close_date", "account__name", "pk")


def drilldown(
    definition: MetricDefinition, period: Period, cut: Cut, *, run: MetricRun | None
) -> list[RecordTable]:
    """The records behind a metric's figure for P, as one or more tables of querysets (the
    accounts' movements and the new customers as kept for `run`, the latest one, whose
    figures they explain)."""
    if not cut.allows(definition):
        raise BadRequest(
            gettext("%(metric)s can't be cut by %(cut)s.")
            % {"metric": definition.name, "cut": cut_kind_name(cut.kind)}
        )
    key, label = definition.key, {"period": period.label()}
    if key in CLOSED_KEYS:
        title = gettext("Won and lost opportunities closed in %(period)s") % label
        return [
            RecordTable(
                "opportunities", title, OPPORTUNITY_COLUMNS, closed_opportunities(period, cut)
            )
        ]
    if key in OPEN_KEYS:
        title = gettext("Opportunities open at the end of %(period)s") % label
        return [
            RecordTable(
                "opportunities", title, OPPORTUNITY_COLUMNS, open_opportunities(period, cut)
            )
        ]
    if key in RENEWAL_KEYS:
        title = gettext("Renewal opportunities closed in %(period)s") % label
        renewals = closed_opportunities(period, cut, renewal=True)
        return [RecordTable("opportunities", title, OPPORTUNITY_COLUMNS, renewals)]
    if key in FORECAST_KEYS:
        forecasts = calculations.forecasts_for(period).order_by("recorded_on", "pk")
        won = closed_opportunities(period).filter(status=Opportunity.Status.WON)
        return [
            RecordTable(
                "forecasts",
                gettext("Forecasts recorded for %(period)s") % label,
                FORECAST_COLUMNS,
                forecasts,
            ),
            RecordTable(
                "won",
                gettext("Won opportunities closed in %(period)s (the actual)") % label,
                OPPORTUNITY_COLUMNS,
                won,
            ),
        ]
    if key in ACQUISITION_KEYS:
        customers = RecordTable(
            "customers",
            gettext("New customers in %(period)s") % label,
            CUSTOMER_COLUMNS,
            kept_listing(run, "customers", period, cut),
            kept=True,
        )
        if key == "new_customers":
            return [customers]
        spend = calculations.spend_in(period, cut).order_by("month", "channel", "category", "pk")
        title = gettext("Spend in %(period)s") % label
        return [RecordTable("spend", title, SPEND_COLUMNS, spend), customers]
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
    movements = kept_listing(run, "accounts", period, cut, first=MOVEMENT_OF_KEY.get(key))
    return [RecordTable("accounts", title, ACCOUNT_COLUMNS, movements, kept=True)]


def _funnel_tables(key: str, period: Period, cut: Cut) -> list[RecordTable]:
    label = {"period": period.label()}
    title = {
        "qualified_leads": gettext("Leads created in %(period)s that have qualified"),
        "converted_leads": gettext("Leads created in %(period)s that have converted"),
        "lead_conversion_days": gettext("Leads converted in %(period)s"),
    }.get(key, gettext("Leads created in %(period)s")) % label
    leads = RecordTable("leads", title, LEAD_COLUMNS, funnel.cohort(period, cut, key))
    if key != "cost_per_lead":
        return [leads]
    spend = funnel.marketing_spend_in(period, cut).order_by("month", "channel", "pk")
    title = gettext("Marketing spend in %(period)s") % label
    return [RecordTable("spend", title, SPEND_COLUMNS, spend), leads]
