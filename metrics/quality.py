"""Data-quality findings: one function per kind of problem, each the queryset of the offending
records, found in the database (GROUP BY the accounts' match keys, comparisons of columns).

`FINDINGS` lists them in the Data page's order. Each has a title, an explanation of why it
matters and for which metrics, the drill-down's columns and order, and optionally an `impact`:
one sentence saying how much of a metric it touches, computed with a query or two. Counting a
finding and its impact costs the same few queries whatever the number of records; the count is
the number of rows its drill-down lists.

The leads findings (duplicate leads by e-mail, converted before created, converted without an
account) wait for the leads record kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from . import calculations, drilldown
from .cuts import ALL_CUT
from .models import Account, Opportunity, Subscription
from .params import BadRequest
from .periods import QUARTER, Period, last_complete

Columns = list[tuple[str, str]]  # (attribute, heading), as in drilldown.RecordTable

_ACCOUNT_COLUMNS: Columns = [
    ("external_id", "ID"),
    ("name", "Account"),
    ("website", "Website"),
    ("segment", "Segment"),
    ("name_key", "Normalised name"),
    ("website_domain", "Domain"),
]
# The opportunity columns of the metric drill-downs: the same records, read the same way.
_OPP_COLUMNS: Columns = drilldown._OPP_COLUMNS
_SUBSCRIPTION_COLUMNS: Columns = [
    ("external_id", "ID"),
    ("account.external_id", "Account ID"),
    ("account.name", "Account"),
    ("plan", "Plan"),
    ("mrr", "MRR"),
    ("start_date", "Start"),
    ("end_date", "End"),
]


@dataclass(frozen=True)
class FindingKind:
    code: str
    title: str
    explanation: str
    metric_keys: tuple[str, ...]
    records: Callable[[date], QuerySet]  # today → the offending records
    columns: Columns
    order: tuple[str, ...] = ("pk",)  # the drill-down's order; ends with "pk" (keyset paging)
    impact: Callable[[QuerySet, int, date], str] | None = None  # (records, count, today) → text
    related: tuple[str, ...] = field(default=())  # select_related for the drill-down

    def queryset(self, today: date) -> QuerySet:
        queryset = self.records(today)
        if self.related:
            queryset = queryset.select_related(*self.related)
        return queryset.order_by(*self.order)


FINDINGS: list[FindingKind] = []


def finding(**attributes):
    """Register the decorated function as the records of a finding kind."""

    def register(records):
        FINDINGS.append(FindingKind(records=records, **attributes))
        return records

    return register


def by_code(code: str) -> FindingKind | None:
    return next((kind for kind in FINDINGS if kind.code == code), None)


def _percent(part, whole) -> str:
    if not whole:
        return "0 %"
    return f"{Decimal(part) * 100 / Decimal(whole):.0f} %"


def _last_quarter(today: date) -> Period:
    """The quarter an impact is told for: the last complete one, or, when no deal was won in it
    (an old export), the quarter of the latest win before today."""
    quarter = last_complete(QUARTER, today)
    latest_win = Opportunity.objects.filter(
        status=Opportunity.Status.WON, close_date__lt=quarter.end
    ).aggregate(latest=Max("close_date"))["latest"]
    if latest_win is None or latest_win >= quarter.start:
        return quarter
    return Period.containing(latest_win, QUARTER)


# --- Probable duplicates -----------------------------------------------------------------------


def _shared(field_name: str) -> QuerySet:
    """Account values of a match key held by more than one account (external ids are unique)."""
    return (
        Account.objects.exclude(**{field_name: ""})
        .values(field_name)
        .annotate(accounts=Count("pk"))
        .filter(accounts__gt=1)
        .values(field_name)
    )


def _groups_impact(field_name: str):
    def impact(records, count, today) -> str:
        groups = _shared(field_name).count()
        return (
            f"{count} accounts in {groups} groups: each group may be one customer counted "
            f"{count - groups} times too many in customers and new customers."
        )

    return impact


@finding(
    code="duplicate_account_names",
    title="Accounts with the same name",
    explanation=(
        "Accounts whose names are the same once case, punctuation and legal forms (Inc, Ltd, "
        "GmbH, S.A., Sp. z o.o., SRL, ООО …) are set aside, under different external ids: "
        "probably one company typed into two systems. Each copy counts as a customer of its own, "
        "so customers, new customers, ARPA, churn and CAC are off."
    ),
    metric_keys=("customers", "new_customers", "arpa", "customer_churn_rate", "cac"),
    columns=_ACCOUNT_COLUMNS,
    order=("name_key", "pk"),
    impact=_groups_impact("name_key"),
)
def duplicate_account_names(today: date) -> QuerySet:
    return Account.objects.filter(name_key__in=_shared("name_key"))


@finding(
    code="duplicate_account_domains",
    title="Accounts with the same website domain",
    explanation=(
        "Accounts that share a website domain under different external ids: probably one "
        "company entered twice (or a subsidiary entered as a separate customer). Customers, new "
        "customers and churn count it more than once."
    ),
    metric_keys=("customers", "new_customers", "arpa", "customer_churn_rate", "cac"),
    columns=_ACCOUNT_COLUMNS,
    order=("website_domain", "pk"),
    impact=_groups_impact("website_domain"),
)
def duplicate_account_domains(today: date) -> QuerySet:
    return Account.objects.filter(website_domain__in=_shared("website_domain"))


# --- Impossible or suspicious orders -----------------------------------------------------------


def _closed_before_created_impact(records, count, today) -> str:
    won = records.filter(status=Opportunity.Status.WON).count()
    return f"{won} of them won: each adds a negative number of days to the sales cycle length."


@finding(
    code="closed_before_created",
    title="Opportunities closed before they were created",
    explanation=(
        "The close date is earlier than the created date. Real exports do this after a CRM "
        "migration (the created date is the load date), so these are imported, not refused, but "
        "the sales cycle length and pipeline velocity computed from them are wrong."
    ),
    metric_keys=("sales_cycle_days", "pipeline_velocity"),
    columns=_OPP_COLUMNS,
    order=("close_date", "pk"),
    related=("account",),
    impact=_closed_before_created_impact,
)
def closed_before_created(today: date) -> QuerySet:
    return Opportunity.objects.filter(close_date__lt=F("created_date"))


@finding(
    code="subscriptions_without_service",
    title="Subscriptions that end when they start",
    explanation=(
        "A subscription whose end date (the first day without service) is its start date gives "
        "not one day of service: a cancelled order or a typo. (One ending before it starts is "
        "refused on import.) It can count as a new customer and a churned one at once."
    ),
    metric_keys=("new_mrr", "churned_mrr", "customer_churn_rate", "customers"),
    columns=_SUBSCRIPTION_COLUMNS,
    related=("account",),
)
def subscriptions_without_service(today: date) -> QuerySet:
    return Subscription.objects.filter(end_date__isnull=False, end_date__lte=F("start_date"))


# --- Missing what the metrics need --------------------------------------------------------------


def _won_in_last_quarter_impact(what: str):
    def impact(records, count, today) -> str:
        quarter = _last_quarter(today)
        in_quarter = Opportunity.objects.filter(
            calculations.closed_in(quarter), status=Opportunity.Status.WON
        ).aggregate(all=Count("pk"), found=Count("pk", filter=Q(pk__in=records.values("pk"))))
        return (
            f"{in_quarter['found']} of {in_quarter['all']} won deals closed in "
            f"{quarter.label()} ({_percent(in_quarter['found'], in_quarter['all'])}) {what}."
        )

    return impact


@finding(
    code="won_without_amount",
    title="Won opportunities without an amount",
    explanation=(
        "A won deal without an amount adds nothing to won amount and pulls average deal size, "
        "pipeline velocity and forecast accuracy down."
    ),
    metric_keys=("won_amount", "avg_deal_size", "pipeline_velocity", "forecast_accuracy"),
    columns=_OPP_COLUMNS,
    order=("close_date", "pk"),
    related=("account",),
    impact=_won_in_last_quarter_impact("add nothing to won amount"),
)
def won_without_amount(today: date) -> QuerySet:
    return Opportunity.objects.filter(status=Opportunity.Status.WON, amount__isnull=True)


@finding(
    code="won_without_account",
    title="Won opportunities without an account",
    explanation=(
        "A won deal that names no account makes no new customer: new customers, CAC and "
        "LTV : CAC miss it, and no segment or industry cut shows it."
    ),
    metric_keys=("new_customers", "cac", "ltv_cac", "win_rate"),
    columns=_OPP_COLUMNS,
    order=("close_date", "pk"),
    related=("account",),
    impact=_won_in_last_quarter_impact("are in no new-customer count"),
)
def won_without_account(today: date) -> QuerySet:
    return Opportunity.objects.filter(status=Opportunity.Status.WON, account__isnull=True)


def _stale_pipeline_impact(records, count, today) -> str:
    totals = Opportunity.objects.filter(status=Opportunity.Status.OPEN).aggregate(
        all=Sum("amount"), stale=Sum("amount", filter=Q(pk__in=records.values("pk")))
    )
    stale, everything = totals["stale"] or 0, totals["all"] or 0
    return (
        f"{stale:,.0f} {settings.METRICS_CURRENCY} of open pipeline "
        f"({_percent(stale, everything)}) is in deals past their close date."
    )


@finding(
    code="open_past_close_date",
    title="Open opportunities past their close date",
    explanation=(
        "Open deals whose expected close date has passed: stale pipeline that nobody updated. "
        "They inflate open pipeline and pipeline velocity."
    ),
    metric_keys=("open_pipeline_count", "open_pipeline_amount", "pipeline_velocity"),
    columns=_OPP_COLUMNS,
    order=("close_date", "pk"),
    related=("account",),
    impact=_stale_pipeline_impact,
)
def open_past_close_date(today: date) -> QuerySet:
    return Opportunity.objects.filter(status=Opportunity.Status.OPEN, close_date__lt=today)


def _without_source_impact(records, count, today) -> str:
    quarter = _last_quarter(today)
    customers = calculations.new_customers_in(quarter, ALL_CUT).aggregate(
        all=Count("pk"), unsourced=Count("pk", filter=Q(channel=""))
    )
    return (
        f"{_percent(customers['unsourced'], customers['all'])} of new customers in "
        f"{quarter.label()} ({customers['unsourced']} of {customers['all']}) are not in any "
        "channel."
    )


@finding(
    code="opportunities_without_source",
    title="Opportunities without a source",
    explanation=(
        "The source is the channel a customer is counted under: a won deal without one puts "
        "its customer in no channel, so CAC by channel loses them (the spend stays, the "
        "customers go)."
    ),
    metric_keys=("cac", "new_customers", "spend"),
    columns=_OPP_COLUMNS,
    order=("created_date", "pk"),
    related=("account",),
    impact=_without_source_impact,
)
def opportunities_without_source(today: date) -> QuerySet:
    return Opportunity.objects.filter(source="")


def _without_segment_impact(records, count, today) -> str:
    total = Account.objects.count()
    return f"{_percent(count, total)} of accounts ({count} of {total}) are in no segment's figures."


@finding(
    code="accounts_without_segment",
    title="Accounts without a segment",
    explanation=(
        "An account without a segment is in the whole business's figures but in no segment's: "
        "the segments' figures do not add up to the total."
    ),
    metric_keys=("mrr", "arr", "nrr", "win_rate", "new_customers"),
    columns=_ACCOUNT_COLUMNS,
    impact=_without_segment_impact,
)
def accounts_without_segment(today: date) -> QuerySet:
    return Account.objects.filter(segment="")


# --- Records that disagree across systems ---------------------------------------------------------


def _within_days() -> timedelta:
    return timedelta(days=settings.METRICS_SUBSCRIPTION_WITHIN_DAYS)


def _won_without_subscription_impact(records, count, today) -> str:
    due = Opportunity.objects.filter(
        status=Opportunity.Status.WON,
        type=Opportunity.Type.NEW_BUSINESS,
        account__isnull=False,
        close_date__lte=today - _within_days(),
    ).count()
    return (
        f"{count} of {due} won new-business deals ({_percent(count, due)}) have no MRR behind "
        "them: new MRR and customers miss them, or the subscription sits under another account."
    )


@finding(
    code="won_without_subscription",
    title="Won new business without a subscription",
    explanation=(
        "A new-business deal won more than METRICS_SUBSCRIPTION_WITHIN_DAYS days ago whose "
        "account has no subscription running in those days: billing and the CRM disagree. Only "
        "checked once subscriptions are imported."
    ),
    metric_keys=("new_mrr", "customers", "mrr", "cac_payback_months"),
    columns=_OPP_COLUMNS,
    order=("close_date", "pk"),
    related=("account",),
    impact=_won_without_subscription_impact,
)
def won_without_subscription(today: date) -> QuerySet:
    if not Subscription.objects.exists():
        return Opportunity.objects.none()
    running_after_close = Subscription.objects.filter(
        account=OuterRef("account"),
        start_date__lte=OuterRef("close_date") + _within_days(),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gt=OuterRef("close_date")))
    return Opportunity.objects.filter(
        status=Opportunity.Status.WON,
        type=Opportunity.Type.NEW_BUSINESS,
        account__isnull=False,
        close_date__lte=today - _within_days(),
    ).filter(~Exists(running_after_close))


def _never_won_mrr_impact(records, count, today) -> str:
    totals = Subscription.objects.filter(calculations.covering(today)).aggregate(
        all=Sum("mrr"), never_won=Sum("mrr", filter=Q(pk__in=records.values("pk")))
    )
    found, everything = totals["never_won"] or 0, totals["all"] or 0
    return (
        f"{found:,.0f} {settings.METRICS_CURRENCY} of today's MRR ({_percent(found, everything)}) "
        "comes from accounts the CRM never won."
    )


@finding(
    code="subscriptions_never_won",
    title="Subscriptions of accounts never won",
    explanation=(
        "Billing has a subscription for an account with no won opportunity in the CRM: the "
        "deal is missing or under another account. MRR counts the customer; new customers, "
        "CAC and win rate do not."
    ),
    metric_keys=("new_customers", "cac", "win_rate", "mrr"),
    columns=_SUBSCRIPTION_COLUMNS,
    order=("start_date", "pk"),
    related=("account",),
    impact=_never_won_mrr_impact,
)
def subscriptions_never_won(today: date) -> QuerySet:
    if not Opportunity.objects.exists():
        return Subscription.objects.none()
    won = Opportunity.objects.filter(account=OuterRef("account"), status=Opportunity.Status.WON)
    return Subscription.objects.filter(~Exists(won))


# --- A finding's records, page by page ----------------------------------------------------------


@dataclass
class RecordsPage:
    objects: list
    next_after: int | None  # the last listed record's pk, when more follow


def records_after(
    kind: FindingKind, queryset: QuerySet, after: int | None, size: int
) -> RecordsPage:
    """The `size` records that follow record `after` in the finding's order (keyset paging:
    the same cost on the last page as on the first, whatever the number of records)."""
    if after is not None:
        cursor = queryset.model.objects.filter(pk=after).values(*kind.order).first()
        if cursor is None:
            raise BadRequest("That record no longer exists: start from the first page.")
        *leading, _pk = kind.order
        condition = Q(pk__gt=after)
        for name in reversed(leading):
            condition = Q(**{f"{name}__gt": cursor[name]}) | (Q(**{name: cursor[name]}) & condition)
        queryset = queryset.filter(condition)
    objects = list(queryset[: size + 1])
    more = len(objects) > size
    objects = objects[:size]
    return RecordsPage(objects=objects, next_after=objects[-1].pk if more else None)


# --- Running them ---------------------------------------------------------------------------------


@dataclass
class Result:
    kind: FindingKind
    count: int
    impact: str


def evaluate(*, today: date | None = None) -> list[Result]:
    """Every finding's count and impact: at most three queries each, whatever the records."""
    today = today or timezone.localdate()
    results = []
    for kind in FINDINGS:
        records = kind.records(today)
        count = records.count()
        impact = kind.impact(records, count, today) if kind.impact and count else ""
        results.append(Result(kind=kind, count=count, impact=impact))
    return results
