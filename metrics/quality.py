"""Data-quality findings: each a definition (code, title, why it matters, the metrics it touches,
the queryset of the offending records, the drill-down's columns and order, and optionally an
`impact`: one sentence saying how much of a metric it touches, metrics/quality_impacts.py). `FINDINGS` is the table of them,
in the Data page's order; counting (`evaluate`), the drill-down (keyset pages of
`FindingKind.queryset`, metrics/keyset.py) and the CSV read every finding the same way.

The records are found in the database (GROUP BY the match keys, comparisons of columns):
counting a finding and its impact costs the same few queries whatever the number of records,
and the count is the number of rows its drill-down lists.

Leads converted before they were created are refused at import (and by a database constraint),
so no finding lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import quality_impacts as impacts
from . import record_tables
from .importing.reasons import Reason
from .models import Account, Lead, Opportunity, Subscription

Columns = list[tuple[str, str]]  # (attribute, heading), as in record_tables.RecordTable

_ACCOUNT_COLUMNS: Columns = [
    ("external_id", _("ID")),
    ("name", _("Account")),
    ("website", _("Website")),
    ("segment", _("Segment")),
    ("name_key", _("Normalised name")),
    ("website_domain", _("Domain")),
]
# The opportunity columns of the metric drill-downs: the same records, read the same way.
_OPP_COLUMNS: Columns = record_tables.OPPORTUNITY_COLUMNS
_SUBSCRIPTION_COLUMNS: Columns = [
    ("external_id", "ID"),
    ("account.external_id", _("Account ID")),
    ("account.name", _("Account")),
    ("plan", _("Plan")),
    ("mrr", "MRR"),
    ("start_date", _("Start")),
    ("end_date", _("End")),
]
_LEAD_COLUMNS: Columns = [
    ("external_id", "ID"),
    ("email", _("E-mail")),
    ("created_date", _("Created")),
    ("source", _("Source")),
    ("owner", _("Owner")),
    ("status", _("Status")),
    ("converted_date", _("Converted")),
    ("account.external_id", _("Account ID")),
]


Records = Callable[[date], QuerySet]  # today → the offending records


@dataclass(frozen=True)
class FindingKind:
    """One kind of problem: what the Data page says about it and how its records are found."""

    code: str
    title: str
    explanation: str  # why it matters, for which metrics
    metric_keys: tuple[str, ...]
    records: Records
    columns: Columns
    order: tuple[str, ...] = ("pk",)  # the drill-down's order; ends with "pk" (keyset.py)
    impact: impacts.Impact | None = None
    related: tuple[str, ...] = ("account",)  # select_related for the drill-down's columns

    def queryset(self, today: date) -> QuerySet:
        """The records in the drill-down's order: what the page, the CSV and the count read."""
        queryset = self.records(today)
        if self.related:
            queryset = queryset.select_related(*self.related)
        return queryset.order_by(*self.order)


def by_code(code: str) -> FindingKind | None:
    return next((kind for kind in FINDINGS if kind.code == code), None)


# --- The records: builders shared by the findings below ------------------------------------------


def _filtered(model, **conditions) -> Records:
    """The records of `model` matching plain column conditions (what most findings are)."""
    return lambda today: model.objects.filter(**conditions)


def _sharing(queryset: QuerySet, key: str) -> QuerySet:
    """The records of `queryset` whose `key` (a column or an annotation) is not blank and is
    held by another record too: one GROUP BY, used as a subquery."""
    shared = (
        queryset.exclude(**{key: ""})
        .values(key)
        .annotate(records=Count("pk"))
        .filter(records__gt=1)
        .values(key)
    )
    return queryset.filter(**{f"{key}__in": shared})


def _accounts_sharing(key: str) -> Records:
    return lambda today: _sharing(Account.objects.all(), key)


def _leads_by_email() -> QuerySet:
    """Leads with their e-mail as compared: without case and surrounding spaces (the index
    lead_email_key is on the same expression)."""
    return Lead.objects.annotate(email_key=Lower(Trim("email")))


def _duplicate_leads(today: date) -> QuerySet:
    return _sharing(_leads_by_email(), "email_key")


def _won_without_subscription(today: date) -> QuerySet:
    if not Subscription.objects.exists():
        return Opportunity.objects.none()
    running_after_close = Subscription.objects.filter(
        account=OuterRef("account"),
        start_date__lte=OuterRef("close_date") + impacts.within_days(),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gt=OuterRef("close_date")))
    return Opportunity.objects.filter(
        status=Opportunity.Status.WON,
        type=Opportunity.Type.NEW_BUSINESS,
        account__isnull=False,
        close_date__lte=today - impacts.within_days(),
    ).filter(~Exists(running_after_close))


def _subscriptions_never_won(today: date) -> QuerySet:
    if not Opportunity.objects.exists():
        return Subscription.objects.none()
    won = Opportunity.objects.filter(account=OuterRef("account"), status=Opportunity.Status.WON)
    return Subscription.objects.filter(~Exists(won))


# --- The table -------------------------------------------------------------------------------------

_CUSTOMER_COUNTS = ("customers", "new_customers", "arpa", "customer_churn_rate", "cac")
_WON = Opportunity.Status.WON

FINDINGS: tuple[FindingKind, ...] = (
    # Probable duplicates
    FindingKind(
        code="duplicate_account_names",
        title=_("Accounts with the same name"),
        explanation=_(
            "Accounts whose names are the same once case, punctuation and legal forms (Inc, Ltd, "
            "GmbH, S.A., Sp. z o.o., SRL, ООО …) are set aside, under different external ids: "
            "probably one company typed into two systems. Each copy counts as a customer of its "
            "own, so customers, new customers, ARPA, churn and CAC are off."
        ),
        metric_keys=_CUSTOMER_COUNTS,
        records=_accounts_sharing("name_key"),
        columns=_ACCOUNT_COLUMNS,
        order=("name_key", "pk"),
        related=(),
        impact=impacts.groups(
            _accounts_sharing("name_key"), "name_key", impacts.DUPLICATE_CUSTOMERS
        ),
    ),
    FindingKind(
        code="duplicate_account_domains",
        title=_("Accounts with the same website domain"),
        explanation=_(
            "Accounts that share a website domain under different external ids: probably one "
            "company entered twice (or a subsidiary entered as a separate customer). Customers, "
            "new customers and churn count it more than once."
        ),
        metric_keys=_CUSTOMER_COUNTS,
        records=_accounts_sharing("website_domain"),
        columns=_ACCOUNT_COLUMNS,
        order=("website_domain", "pk"),
        related=(),
        impact=impacts.groups(
            _accounts_sharing("website_domain"), "website_domain", impacts.DUPLICATE_CUSTOMERS
        ),
    ),
    FindingKind(
        code="duplicate_leads_by_email",
        title=_("Leads with the same e-mail"),
        explanation=_(
            "Leads whose e-mail addresses are the same once case and surrounding spaces are set "
            "aside, under different external ids: one person entered twice (a rep creating a new "
            "lead instead of updating one, or two systems). Each copy counts as a lead, so leads, "
            "cost per lead and the qualification and conversion rates are off."
        ),
        metric_keys=(
            "leads_created",
            "cost_per_lead",
            "lead_qualification_rate",
            "lead_conversion_rate",
        ),
        records=_duplicate_leads,
        columns=_LEAD_COLUMNS,
        order=("email_key", "pk"),
        impact=impacts.groups(_duplicate_leads, "email_key", impacts.DUPLICATE_PEOPLE),
    ),
    # Impossible or suspicious orders
    FindingKind(
        code="closed_before_created",
        title=_("Opportunities closed before they were created"),
        explanation=_(
            "The close date is earlier than the created date. Real exports do this after a CRM "
            "migration (the created date is the load date), so these are imported, not refused, "
            "but the sales cycle length and pipeline velocity computed from them are wrong."
        ),
        metric_keys=("sales_cycle_days", "pipeline_velocity"),
        records=_filtered(Opportunity, close_date__lt=F("created_date")),
        columns=_OPP_COLUMNS,
        order=("close_date", "pk"),
        impact=impacts.closed_before_created,
    ),
    FindingKind(
        code="subscriptions_without_service",
        title=_("Subscriptions that end when they start"),
        explanation=_(
            "A subscription whose end date (the first day without service) is its start date "
            "gives not one day of service: a cancelled order or a typo. (One ending before it "
            "starts is refused on import.) It can count as a new customer and a churned one at "
            "once."
        ),
        metric_keys=("new_mrr", "churned_mrr", "customer_churn_rate", "customers"),
        records=_filtered(Subscription, end_date__isnull=False, end_date__lte=F("start_date")),
        columns=_SUBSCRIPTION_COLUMNS,
    ),
    # Missing what the metrics need
    FindingKind(
        code="won_without_amount",
        title=_("Won opportunities without an amount"),
        explanation=_(
            "A won deal without an amount adds nothing to won amount and pulls average deal "
            "size, pipeline velocity and forecast accuracy down."
        ),
        metric_keys=("won_amount", "avg_deal_size", "pipeline_velocity", "forecast_accuracy"),
        records=_filtered(Opportunity, status=_WON, amount__isnull=True),
        columns=_OPP_COLUMNS,
        order=("close_date", "pk"),
        impact=impacts.won_in_last_quarter(impacts.WON_WITHOUT_AMOUNT),
    ),
    FindingKind(
        code="won_without_account",
        title=_("Won opportunities without an account"),
        explanation=_(
            "A won deal that names no account makes no new customer: new customers, CAC and "
            "LTV : CAC miss it, and no segment or industry cut shows it."
        ),
        metric_keys=("new_customers", "cac", "ltv_cac", "win_rate"),
        records=_filtered(Opportunity, status=_WON, account__isnull=True),
        columns=_OPP_COLUMNS,
        order=("close_date", "pk"),
        impact=impacts.won_in_last_quarter(impacts.WON_WITHOUT_ACCOUNT),
    ),
    FindingKind(
        code="open_past_close_date",
        title=_("Open opportunities past their close date"),
        explanation=_(
            "Open deals whose expected close date has passed: stale pipeline that nobody "
            "updated. They inflate open pipeline and pipeline velocity."
        ),
        metric_keys=("open_pipeline_count", "open_pipeline_amount", "pipeline_velocity"),
        records=lambda today: Opportunity.objects.filter(
            status=Opportunity.Status.OPEN, close_date__lt=today
        ),
        columns=_OPP_COLUMNS,
        order=("close_date", "pk"),
        impact=impacts.stale_pipeline,
    ),
    FindingKind(
        code="opportunities_without_source",
        title=_("Opportunities without a source"),
        explanation=_(
            "The source is the channel a customer is counted under: a won deal without one puts "
            "its customer in no channel, so CAC by channel loses them (the spend stays, the "
            "customers go)."
        ),
        metric_keys=("cac", "new_customers", "spend"),
        records=_filtered(Opportunity, source=""),
        columns=_OPP_COLUMNS,
        order=("created_date", "pk"),
        impact=impacts.without_source,
    ),
    FindingKind(
        code="accounts_without_segment",
        title=_("Accounts without a segment"),
        explanation=_(
            "An account without a segment is in the whole business's figures but in no "
            "segment's: the segments' figures do not add up to the total."
        ),
        metric_keys=("mrr", "arr", "nrr", "win_rate", "new_customers"),
        records=_filtered(Account, segment=""),
        columns=_ACCOUNT_COLUMNS,
        related=(),
        impact=impacts.without_segment,
    ),
    # Records that disagree across systems
    FindingKind(
        code="won_without_subscription",
        title=_("Won new business without a subscription"),
        explanation=_(
            "A new-business deal won more than METRICS_SUBSCRIPTION_WITHIN_DAYS days ago whose "
            "account has no subscription running in those days: billing and the CRM disagree. "
            "Only checked once subscriptions are imported."
        ),
        metric_keys=("new_mrr", "customers", "mrr", "cac_payback_months"),
        records=_won_without_subscription,
        columns=_OPP_COLUMNS,
        order=("close_date", "pk"),
        impact=impacts.won_without_subscription,
    ),
    FindingKind(
        code="subscriptions_never_won",
        title=_("Subscriptions of accounts never won"),
        explanation=_(
            "Billing has a subscription for an account with no won opportunity in the CRM: the "
            "deal is missing or under another account. MRR counts the customer; new customers, "
            "CAC and win rate do not."
        ),
        metric_keys=("new_customers", "cac", "win_rate", "mrr"),
        records=_subscriptions_never_won,
        columns=_SUBSCRIPTION_COLUMNS,
        order=("start_date", "pk"),
        impact=impacts.never_won_mrr,
    ),
    FindingKind(
        code="converted_leads_without_account",
        title=_("Converted leads without an account"),
        explanation=_(
            "A lead with a converted date that names no account (the export left the converted "
            "account blank, or the account was deleted since): the conversion counts in the "
            "funnel, but no customer stands behind it, so the funnel and the customer counts "
            "disagree and the lead's channel gets no credit in CAC."
        ),
        metric_keys=("converted_leads", "lead_conversion_rate", "new_customers", "cac"),
        records=_filtered(Lead, converted_date__isnull=False, account__isnull=True),
        columns=_LEAD_COLUMNS,
        order=("converted_date", "pk"),
        impact=impacts.converted_without_account,
    ),
)


# --- Running them ---------------------------------------------------------------------------------


@dataclass
class Result:
    kind: FindingKind
    count: int
    says: Reason | None  # the impact, None when nothing was found

    @property
    def impact(self) -> str:
        """In the active language ("" when nothing was found)."""
        return str(self.says) if self.says else ""


def evaluate(*, today: date | None = None) -> list[Result]:
    """Every finding's count and impact: at most three queries each, whatever the records."""
    today = today or timezone.localdate()
    results = []
    for kind in FINDINGS:
        records = kind.records(today)
        count = records.count()
        says = kind.impact(records, count, today) if kind.impact and count else None
        results.append(Result(kind=kind, count=count, says=says))
    return results
