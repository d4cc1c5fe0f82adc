"""The weekly revenue review: one meeting per ISO week, its notes, decisions and action items.

A review is opened with the latest successful run and keeps it: its scorecard shows the figures
as they stood then, whatever later runs compute. Open action items of earlier reviews are
listed by every later review until they are done. Every change is recorded (ReviewChange).
Services take keyword arguments and run in one transaction; `review_page` reads a review in a
fixed number of queries whatever the number of decisions and items.

The change history is written in the language of the person making the change (it quotes their
text anyway), like the notes and decisions themselves.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Min, Prefetch, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import pages, selectors
from .cuts import ALL_CUT
from .models import ActionItem, Decision, ReviewChange, WeeklyReview
from .periods import MONTH, WEEK, Period, parse

MAX_TEXT_CHARS = 2000
MAX_NOTES_CHARS = 20000


class ReviewError(ValueError):
    """An edit that can't be made; the message is shown to the user."""


def this_week(today: date | None = None) -> Period:
    return Period.containing(today or timezone.localdate(), WEEK)


def week_to_open(week: Period | None, *, today: date | None = None) -> Period:
    """The week a manager asks to open: this one by default, or a past one (a meeting recorded
    afterwards); not one that has not started."""
    current = this_week(today)
    if week is None:
        return current
    if current < week:
        raise ReviewError(
            _("%(week)s has not started yet: open this week's or a past one.")
            % {"week": week.code()}
        )
    return week


def _record(review: WeeklyReview, user, what: str) -> None:
    ReviewChange.objects.create(review=review, user=user, what=what[:300])


def _at_most(limit: int) -> str:
    return ngettext(
        "At most %(count)s character, please.", "At most %(count)s characters, please.", limit
    ) % {"count": number_format(limit, force_grouping=True)}


def _text(text: str, *, limit: int = MAX_TEXT_CHARS) -> str:
    text = (text or "").strip()
    if not text:
        raise ReviewError(_("Write something first."))
    if len(text) > limit:
        raise ReviewError(_at_most(limit))
    return text


@transaction.atomic
def open_review(*, week: Period, by) -> WeeklyReview:
    """The week's review, opened now with the latest successful run (or the one already open)."""
    if week.kind != WEEK:
        raise ReviewError(_("A review is for one ISO week."))
    existing = WeeklyReview.objects.filter(week=week.code()).first()
    if existing is not None:
        return existing
    run = selectors.latest_successful_run()
    if run is None:
        raise ReviewError(_("No computation has finished yet: recompute the metrics first."))
    review = WeeklyReview.objects.create(week=week.code(), run=run, opened_by=by)
    _record(review, by, _("Opened the review with run %(run)s.") % {"run": run.pk})
    return review


@transaction.atomic
def save_notes(*, review: WeeklyReview, notes: str, by) -> None:
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES_CHARS:
        raise ReviewError(_at_most(MAX_NOTES_CHARS))
    review.notes = notes
    review.save(update_fields=["notes"])
    _record(review, by, _("Edited the notes."))


@transaction.atomic
def add_decision(*, review: WeeklyReview, text: str, by) -> Decision:
    decision = Decision.objects.create(review=review, text=_text(text), author=by)
    _record(review, by, _("Recorded a decision: %(text)s") % {"text": decision.text})
    return decision


@transaction.atomic
def add_action_item(*, review: WeeklyReview, text: str, owner, due_date: date, by) -> ActionItem:
    item = ActionItem.objects.create(
        review=review, text=_text(text), owner=owner, due_date=due_date, created_by=by
    )
    _record(
        review,
        by,
        _("Added an action item for %(owner)s due %(due)s: %(text)s")
        % {"owner": owner, "due": f"{due_date:%Y-%m-%d}", "text": item.text},
    )
    return item


def _check_on(review: WeeklyReview, item: ActionItem) -> None:
    """An item is handled in its own review or a later one that carried it forward."""
    if item.review_id != review.pk and not item.review.week < review.week:
        raise ReviewError(_("That action item is not on this review."))


def _check_decision_on(review: WeeklyReview, decision: Decision) -> None:
    if decision.review_id != review.pk:
        raise ReviewError(_("That decision is not on this review."))


@transaction.atomic
def edit_decision(*, review: WeeklyReview, decision: Decision, text: str, by) -> None:
    _check_decision_on(review, decision)
    before, decision.text = decision.text, _text(text)
    decision.save(update_fields=["text"])
    _record(
        review,
        by,
        _("Edited a decision: %(before)s → %(after)s") % {"before": before, "after": decision.text},
    )


@transaction.atomic
def delete_decision(*, review: WeeklyReview, decision: Decision, by) -> None:
    _check_decision_on(review, decision)
    decision.delete()
    _record(review, by, _("Deleted a decision: %(text)s") % {"text": decision.text})


@transaction.atomic
def edit_action_item(
    *, review: WeeklyReview, item: ActionItem, text: str, owner, due_date: date, status: str, by
) -> None:
    _check_on(review, item)
    if status not in ActionItem.Status.values:
        raise ReviewError(_("The status is open or done."))
    item.text, item.owner, item.due_date = _text(text), owner, due_date
    if status != item.status:
        item.status = status
        item.done_at = timezone.now() if status == ActionItem.Status.DONE else None
    item.save(update_fields=["text", "owner", "due_date", "status", "done_at"])
    _record(
        review,
        by,
        _("Edited an action item (%(owner)s, due %(due)s, %(status)s): %(text)s")
        % {
            "owner": owner,
            "due": f"{due_date:%Y-%m-%d}",
            "status": item.get_status_display(),
            "text": item.text,
        },
    )


@transaction.atomic
def delete_action_item(*, review: WeeklyReview, item: ActionItem, by) -> None:
    _check_on(review, item)
    item.delete()
    _record(review, by, _("Deleted an action item: %(text)s") % {"text": item.text})


@transaction.atomic
def mark_done(*, review: WeeklyReview, item: ActionItem, by) -> None:
    """Done in `review` (the item's own or a later one that carried it forward)."""
    _check_on(review, item)
    if item.status == ActionItem.Status.DONE:
        return
    item.status = ActionItem.Status.DONE
    item.done_at = timezone.now()
    item.save(update_fields=["status", "done_at"])
    _record(review, by, _("Marked done: %(text)s") % {"text": item.text})


# --- Reading ------------------------------------------------------------------------------------


def carried_items(review: WeeklyReview):
    """Open action items of earlier reviews (ISO week codes sort as the weeks do)."""
    return ActionItem.objects.filter(
        status=ActionItem.Status.OPEN, review__week__lt=review.week
    ).select_related("owner", "review")


# How many reviews /reviews/ lists at once: half a year of weeks.
REVIEWS_PER_PAGE = 26


@dataclass
class ReviewListPage:
    reviews: list[WeeklyReview]
    older_than: str | None  # the week code the next (older) page starts before, when one follows


def review_list(*, before: Period | None = None, size: int | None = None) -> ReviewListPage:
    """The reviews newest first, `size` at a time, starting before the week `before` (keyset
    paging on the unique, indexed week code: one query on every page, however many reviews)."""
    size = size or REVIEWS_PER_PAGE
    queryset = WeeklyReview.objects.select_related("opened_by").order_by("-week")
    if before is not None:
        queryset = queryset.filter(week__lt=before.code())
    found = list(queryset[: size + 1])
    more = len(found) > size
    found = found[:size]
    return ReviewListPage(reviews=found, older_than=found[-1].week if more else None)


# Who can own an action item: any active account (every account is a member of staff; Django's
# is_staff only opens the admin, and the sales, marketing and CS owners who get action items
# don't have it). The picker lists the first few hundred by name: its bound.
MAX_OWNER_CHOICES = 200


def owner_choices():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username")[:MAX_OWNER_CHOICES]
    )


def find_owner(owner_id: str):
    """The active user `owner_id` names, or None."""
    if not (owner_id.isascii() and owner_id.isdigit() and len(owner_id) <= 18):
        return None
    return get_user_model().objects.filter(pk=owner_id, is_active=True).first()


@dataclass
class ReviewPage:
    review: WeeklyReview
    week: Period
    month: Period
    week_card: pages.Scorecard
    month_card: pages.Scorecard
    items: list[ActionItem]
    carried: list[ActionItem]
    previous_week: str | None  # the nearest earlier and later reviews' weeks, if any
    next_week: str | None


def find_review(week: Period) -> WeeklyReview | None:
    return (
        WeeklyReview.objects.select_related("run", "opened_by")
        .prefetch_related(
            Prefetch("decisions", queryset=Decision.objects.select_related("author")),
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner")),
            Prefetch("changes", queryset=ReviewChange.objects.select_related("user")),
        )
        .filter(week=week.code())
        .first()
    )


def review_page(review: WeeklyReview) -> ReviewPage:
    """The week's scorecard and the month so far, both from the run the review froze."""
    week = parse(review.week)
    # The month so far at the end of the week (a week spanning two months counts in the later).
    month = Period.containing(week.last_day, MONTH)
    return ReviewPage(
        review=review,
        week=week,
        month=month,
        week_card=pages.scorecard(run=review.run, period=week, cut=ALL_CUT),
        month_card=pages.scorecard(run=review.run, period=month, cut=ALL_CUT),
        items=list(review.action_items.all()),
        carried=list(carried_items(review)),
        **_neighbours(review),
    )


def _neighbours(review: WeeklyReview) -> dict[str, str | None]:
    """The nearest earlier and later reviews' weeks (one query; week codes sort as weeks do)."""
    return WeeklyReview.objects.aggregate(
        previous_week=Max("week", filter=Q(week__lt=review.week)),
        next_week=Min("week", filter=Q(week__gt=review.week)),
    )
