"""How much of a metric a data-quality finding touches: one sentence per finding kind with its
figures (`IMPACTS`), built by the functions below from the finding's records (`quality.FINDINGS`
names them). A check stores the sentence as its msgid and parameters (`Reason`, in
DataFinding.impact_says) beside the English words; a page says it in the reader's language, the
quarter named their way (`reasons.PeriodName`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum

from . import calculations
from .cuts import ALL_CUT
from .importing import reasons
from .importing.reasons import PeriodName, Reason
from .models import Account, Lead, Opportunity, Subscription
from .periods import QUARTER, Period, last_complete

# (records, count, today) → one sentence: one of IMPACTS with its figures
Impact = Callable[[QuerySet, int, date], Reason]


def within_days() -> timedelta:
    """How long after a won deal its subscription may start and still be its own."""
    return timedelta(days=settings.METRICS_SUBSCRIPTION_WITHIN_DAYS)


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


# The impacts' sentences (reasons.py: kept as msgids, said in the reader's language).
DUPLICATE_CUSTOMERS = reasons.ngettext(
    "%(count)s account in %(groups)s groups: each group may be one customer counted %(extra)s "
    "times too many in customers and new customers.",
    "%(count)s accounts in %(groups)s groups: each group may be one customer counted %(extra)s "
    "times too many in customers and new customers.",
    0,
)
DUPLICATE_PEOPLE = reasons.ngettext(
    "%(count)s lead in %(groups)s groups: each group may be one person counted %(extra)s times "
    "too many in leads created.",
    "%(count)s leads in %(groups)s groups: each group may be one person counted %(extra)s times "
    "too many in leads created.",
    0,
)
CLOSED_BEFORE_CREATED = reasons.gettext(
    "%(won)s of them won: each adds a negative number of days to the sales cycle length."
)
WON_WITHOUT_AMOUNT = reasons.ngettext(
    "%(found)s of %(count)s won deal closed in %(quarter)s (%(percent)s) add nothing to won "
    "amount.",
    "%(found)s of %(count)s won deals closed in %(quarter)s (%(percent)s) add nothing to won "
    "amount.",
    0,
)
WON_WITHOUT_ACCOUNT = reasons.ngettext(
    "%(found)s of %(count)s won deal closed in %(quarter)s (%(percent)s) are in no "
    "new-customer count.",
    "%(found)s of %(count)s won deals closed in %(quarter)s (%(percent)s) are in no "
    "new-customer count.",
    0,
)
STALE_PIPELINE = reasons.gettext(
    "%(amount)s of open pipeline (%(percent)s) is in deals past their close date."
)
WITHOUT_SOURCE = reasons.ngettext(
    "%(percent)s of new customers in %(quarter)s (%(unsourced)s of %(count)s) are not in any "
    "channel.",
    "%(percent)s of new customers in %(quarter)s (%(unsourced)s of %(count)s) are not in any "
    "channel.",
    0,
)
WITHOUT_SEGMENT = reasons.ngettext(
    "%(percent)s of accounts (%(found)s of %(count)s) are in no segment's figures.",
    "%(percent)s of accounts (%(found)s of %(count)s) are in no segment's figures.",
    0,
)
WON_WITHOUT_SUBSCRIPTION = reasons.ngettext(
    "%(found)s of %(count)s won new-business deal (%(percent)s) have no MRR behind them: new MRR "
    "and customers miss them, or the subscription sits under another account.",
    "%(found)s of %(count)s won new-business deals (%(percent)s) have no MRR behind them: new "
    "MRR and customers miss them, or the subscription sits under another account.",
    0,
)
NEVER_WON_MRR = reasons.gettext(
    "%(amount)s of today's MRR (%(percent)s) comes from accounts the CRM never won."
)
CONVERTED_WITHOUT_ACCOUNT = reasons.ngettext(
    "%(found)s of %(count)s converted lead (%(percent)s) lead to no customer the portal knows: "
    "the funnel counts the conversion, the customer counts do not.",
    "%(found)s of %(count)s converted leads (%(percent)s) lead to no customer the portal knows: "
    "the funnel counts the conversion, the customer counts do not.",
    0,
)
IMPACTS = (
    DUPLICATE_CUSTOMERS,
    DUPLICATE_PEOPLE,
    CLOSED_BEFORE_CREATED,
    WON_WITHOUT_AMOUNT,
    WON_WITHOUT_ACCOUNT,
    STALE_PIPELINE,
    WITHOUT_SOURCE,
    WITHOUT_SEGMENT,
    WON_WITHOUT_SUBSCRIPTION,
    NEVER_WON_MRR,
    CONVERTED_WITHOUT_ACCOUNT,
)


def _saying(sentence: Reason, **params) -> Reason:
    """One of IMPACTS with its figures."""
    return Reason(sentence.msgid, {**sentence.params, **params}, sentence.plural)


def _money(amount) -> str:
    return f"{amount:,.0f} {settings.METRICS_CURRENCY}"


def groups(records: Callable[[date], QuerySet], key: str, sentence: Reason) -> Impact:
    """Records that share `key`: how many groups of them, how many counted too often."""

    def impact(found, count, today) -> Reason:
        groups = records(today).values(key).distinct().count()
        return _saying(sentence, count=count, groups=groups, extra=count - groups)

    return impact


def closed_before_created(records, count, today) -> Reason:
    won = records.filter(status=Opportunity.Status.WON).count()
    return _saying(CLOSED_BEFORE_CREATED, won=won)


def won_in_last_quarter(sentence: Reason) -> Impact:
    def impact(records, count, today) -> Reason:
        quarter = _last_quarter(today)
        in_quarter = Opportunity.objects.filter(
            calculations.closed_in(quarter), status=Opportunity.Status.WON
        ).aggregate(all=Count("pk"), found=Count("pk", filter=Q(pk__in=records.values("pk"))))
        return _saying(
            sentence,
            found=in_quarter["found"],
            count=in_quarter["all"],
            quarter=PeriodName(quarter.code()),
            percent=_percent(in_quarter["found"], in_quarter["all"]),
        )

    return impact


def stale_pipeline(records, count, today) -> Reason:
    totals = Opportunity.objects.filter(status=Opportunity.Status.OPEN).aggregate(
        all=Sum("amount"), stale=Sum("amount", filter=Q(pk__in=records.values("pk")))
    )
    stale, everything = totals["stale"] or 0, totals["all"] or 0
    return _saying(STALE_PIPELINE, amount=_money(stale), percent=_percent(stale, everything))


def without_source(records, count, today) -> Reason:
    quarter = _last_quarter(today)
    customers = calculations.new_customers_in(quarter, ALL_CUT).aggregate(
        all=Count("pk"), unsourced=Count("pk", filter=Q(channel=""))
    )
    return _saying(
        WITHOUT_SOURCE,
        percent=_percent(customers["unsourced"], customers["all"]),
        quarter=PeriodName(quarter.code()),
        unsourced=customers["unsourced"],
        count=customers["all"],
    )


def without_segment(records, count, today) -> Reason:
    total = Account.objects.count()
    return _saying(WITHOUT_SEGMENT, percent=_percent(count, total), found=count, count=total)


def won_without_subscription(records, count, today) -> Reason:
    due = Opportunity.objects.filter(
        status=Opportunity.Status.WON,
        type=Opportunity.Type.NEW_BUSINESS,
        account__isnull=False,
        close_date__lte=today - within_days(),
    ).count()
    return _saying(WON_WITHOUT_SUBSCRIPTION, found=count, count=due, percent=_percent(count, due))


def never_won_mrr(records, count, today) -> Reason:
    totals = Subscription.objects.filter(calculations.covering(today)).aggregate(
        all=Sum("mrr"), never_won=Sum("mrr", filter=Q(pk__in=records.values("pk")))
    )
    found, everything = totals["never_won"] or 0, totals["all"] or 0
    return _saying(NEVER_WON_MRR, amount=_money(found), percent=_percent(found, everything))


def converted_without_account(records, count, today) -> Reason:
    converted = Lead.objects.filter(converted_date__isnull=False).count()
    return _saying(
        CONVERTED_WITHOUT_ACCOUNT,
        found=count,
        count=converted,
        percent=_percent(count, converted),
    )


def shown_impact(stored_reason: dict, stored_words: str) -> str:
    """A check's impact in the active language: from the reason it stored, or its English words
    as stored when it stored none (a finding checked before reasons were kept)."""
    return str(reasons.Reason.from_json(stored_reason)) if stored_reason else stored_words
