"""The Monday e-mail: last week's and the month's headline figures, open action items, a link.

Sent to the subscribers (a choice per user, ReviewSubscription; RevOps managers by default),
at most once per week and recipient: a ReviewEmail row is claimed in a transaction first (a
unique week + user), the mail goes out only after that commits, so a job that runs twice, or
two at once, sends each recipient one e-mail. A mail the server refuses frees its claim for the
next run. Nothing is sent for a week the latest completed run has no figures for; the log says
why. Each e-mail, subject included, is written in its recipient's language (their profile's).
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template import Context, engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from revops_portal.profiles.languages import languages_of

from . import pages, reviews, selectors
from .cuts import ALL_CUT
from .models import (
    ActionItem,
    MetricRun,
    MetricValue,
    ReviewEmail,
    ReviewSubscription,
    WeeklyReview,
)
from .periods import MONTH, Period
from .permissions import can_import, can_recompute, revops_managers

logger = logging.getLogger(__name__)

# The e-mail lists the open action items due first; the review page has them all.
MAX_ITEMS_LISTED = 30


# --- Who gets it ----------------------------------------------------------------------------------


def subscribers():
    """Active users with an e-mail address who chose to get it, or made no choice and are
    RevOps managers."""
    chose = Q(review_subscription__subscribed=True)
    by_default = Q(review_subscription__isnull=True, pk__in=revops_managers().values("pk"))
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(chose | by_default)
        .order_by("pk")
    )


def is_subscribed(user) -> bool:
    """The user's choice, or the default: RevOps managers get it (as `subscribers` says)."""
    choice = ReviewSubscription.objects.filter(user=user).values_list("subscribed", flat=True)
    subscribed = choice.first()
    return subscribed if subscribed is not None else (can_recompute(user) or can_import(user))


def set_subscribed(*, user, subscribed: bool) -> None:
    ReviewSubscription.objects.update_or_create(user=user, defaults={"subscribed": subscribed})


# --- What it says -----------------------------------------------------------------------------------


def last_week(today: date | None = None) -> Period:
    return reviews.this_week(today).previous()


@dataclass
class WeeklySummary:
    week: Period
    month: Period
    run: MetricRun
    week_card: pages.Scorecard
    month_card: pages.Scorecard
    open_items: list[ActionItem]
    open_item_count: int
    review_url: str
    scorecard_url: str
    settings_url: str

    @property
    def cards(self) -> list[dict]:
        return [
            {
                "title": _("Last week · %(week)s") % {"week": self.week.label()},
                "rows": self.week_card.rows,
            },
            {
                "title": _("The month so far · %(month)s") % {"month": self.month.label()},
                "rows": self.month_card.rows,
            },
        ]


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def why_nothing_to_send(week: Period) -> tuple[MetricRun | None, str]:
    """The run to report from, or None and the reason nothing can be sent about `week`."""
    run = selectors.latest_successful_run()
    if run is None:
        return None, f"No weekly review e-mail for {week.code()}: no metric run has completed yet."
    has_week = (
        MetricValue.objects.of_run(run)
        .filter(period_start=week.start, period_end=week.end, cut_kind=ALL_CUT.kind)
        .exists()
    )
    if not has_week:
        return None, (
            f"No weekly review e-mail for {week.code()}: the latest completed metric run "
            f"({run.pk}, finished {run.finished_at:%Y-%m-%d %H:%M}) has no figures for that week."
        )
    return run, ""


def weekly_summary(week: Period, run: MetricRun) -> WeeklySummary:
    """The figures of `week` and of the month so far from `run` (a fixed number of queries)."""
    month = Period.containing(week.last_day, MONTH)
    open_items = ActionItem.objects.filter(status=ActionItem.Status.OPEN)
    review = WeeklyReview.objects.filter(week=week.code()).first()
    review_path = (
        reverse("reviews:detail", args=[review.week]) if review else reverse("reviews:list")
    )
    return WeeklySummary(
        week=week,
        month=month,
        run=run,
        week_card=pages.scorecard(run=run, period=week, cut=ALL_CUT),
        month_card=pages.scorecard(run=run, period=month, cut=ALL_CUT),
        open_items=list(
            open_items.select_related("owner", "review").order_by("due_date", "pk")[
                :MAX_ITEMS_LISTED
            ]
        ),
        open_item_count=open_items.count(),
        review_url=_absolute(review_path),
        scorecard_url=_absolute(f"{reverse('metrics:scorecard')}?period={week.code()}"),
        settings_url=_absolute(reverse("reviews:list")),
    )


def _plain_text(name: str, context: dict) -> str:
    """A text/plain part: not HTML, so not escaped (escaping would show &amp; and &#x27;)."""
    return engines["django"].get_template(name).template.render(Context(context, autoescape=False))


def message(summary: WeeklySummary, recipient, language: str) -> EmailMultiAlternatives:
    """The e-mail to `recipient`, written in `language` (theirs: `languages_of`)."""
    context = {"summary": summary, "recipient": recipient, "today": timezone.localdate()}
    with translation.override(language):
        email = EmailMultiAlternatives(
            subject=_("Weekly revenue review: %(week)s") % {"week": summary.week.label()},
            body=_plain_text("metrics/email/weekly_review.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
        )
        email.attach_alternative(
            render_to_string("metrics/email/weekly_review.html", context), "text/html"
        )
    return email


# --- Sending ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    week: Period
    recipients: list = field(default_factory=list)  # claimed now (or who would be, dry run)
    already_sent: int = 0
    reason: str = ""  # why nothing was sent, when nothing could be
    messages: list[EmailMultiAlternatives] = field(default_factory=list)


def _claim(week: Period, user, run: MetricRun) -> int | None:
    """Record that `user` gets the e-mail about `week` (the claim's id); None when another job
    already did."""
    try:
        with transaction.atomic():
            claim, created = ReviewEmail.objects.get_or_create(
                week=week.code(), user=user, defaults={"run": run}
            )
    except IntegrityError:  # another job claimed it between our read and our insert
        return None
    return claim.pk if created else None


def _deliver(claims: list[tuple[int, EmailMultiAlternatives]]) -> None:
    """After commit: send each mail; stamp it sent, or free its claim for the next run."""
    for claim_id, email in claims:
        try:
            email.send()
        except Exception:  # the mail server: the next run tries this recipient again
            logger.exception("Weekly review e-mail to %s failed; will retry.", email.to[0])
            ReviewEmail.objects.filter(pk=claim_id, sent_at=None).delete()
            continue
        ReviewEmail.objects.filter(pk=claim_id).update(sent_at=timezone.now())


def send_weekly_review(
    *, week: Period | None = None, dry_run: bool = False, today: date | None = None
) -> Outcome:
    """E-mail the subscribers about `week` (default: last week). With `dry_run`, build the
    e-mails and return them; claim and send nothing."""
    week = week or last_week(today)
    outcome = Outcome(week=week)
    run, outcome.reason = why_nothing_to_send(week)
    if run is None:
        logger.warning(outcome.reason)
        return outcome
    summary = weekly_summary(week, run)
    done = set(ReviewEmail.objects.filter(week=week.code()).values_list("user_id", flat=True))
    wanted = [user for user in subscribers() if user.pk not in done]
    outcome.already_sent = len(done)
    languages = languages_of(wanted)  # everyone's in one query
    if dry_run:
        outcome.recipients = wanted
        outcome.messages = [message(summary, user, languages[user.pk]) for user in wanted]
        return outcome
    with transaction.atomic():
        claims = []
        for user in wanted:
            claim_id = _claim(week, user, run)
            if claim_id is not None:
                claims.append((claim_id, message(summary, user, languages[user.pk])))
                outcome.recipients.append(user)
        # Only once the claims are committed: a rolled-back job must not have mailed anyone.
        transaction.on_commit(lambda: _deliver(claims))
    logger.info(
        "Weekly review e-mail for %s: %d to send, %d sent before.",
        week.code(),
        len(outcome.recipients),
        outcome.already_sent,
    )
    return outcome
