"""The weekly revenue review: one meeting per ISO week, its notes, decisions and action items.

A review is opened with the latest successful run and keeps it: its scorecard shows the figures
as they stood then, whatever later runs compute. Open action items of earlier reviews are
listed by every later review until they are done. Every change is recorded (ReviewChange).
Services take keyword arguments and run in one transaction; `review_page` reads a review in a
fixed number of queries whatever the number of decisions and items.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

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


def _record(review: WeeklyReview, user, what: str) -> None:
    ReviewChange.objects.create(review=review, user=user, what=what[:300])


def _text(text: str, *, limit: int = MAX_TEXT_CHARS) -> str:
    text = (text or "").strip()
    if not text:
        raise ReviewError("Write something first.")
    if len(text) > limit:
        raise ReviewError(f"At most {limit} characters, please.")
    return text


@transaction.atomic
def open_review(*, week: Period, by) -> WeeklyReview:
    """The week's review, opened now with the latest successful run (or the one already open)."""
    if week.kind != WEEK:
        raise ReviewError("A review is for one ISO week.")
    existing = WeeklyReview.objects.filter(week=week.code()).first()
    if existing is not None:
        return existing
    run = selectors.latest_successful_run()
    if run is None:
        raise ReviewError("No computation has finished yet: recompute the metrics first.")
    review = WeeklyReview.objects.create(week=week.code(), run=run, opened_by=by)
    _record(review, by, f"Opened the review with run {run.pk}.")
    return review


@transaction.atomic
def save_notes(*, review: WeeklyReview, notes: str, by) -> None:
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES_CHARS:
        raise ReviewError(f"Notes are at most {MAX_NOTES_CHARS} characters.")
    review.notes = notes
    review.save(update_fields=["notes"])
    _record(review, by, "Edited the notes.")


@transaction.atomic
def add_decision(*, review: WeeklyReview, text: str, by) -> Decision:
    decision = Decision.objects.create(review=review, text=_text(text), author=by)
    _record(review, by, f"Recorded a decision: {decision.text}")
    return decision


@transaction.atomic
def add_action_item(*, review: WeeklyReview, text: str, owner, due_date: date, by) -> ActionItem:
    item = ActionItem.objects.create(
        review=review, text=_text(text), owner=owner, due_date=due_date, created_by=by
    )
    _record(review, by, f"Added an action item for {owner} due {due_date:%Y-%m-%d}: {item.text}")
    return item


@transaction.atomic
def mark_done(*, review: WeeklyReview, item: ActionItem, by) -> None:
    """Done in `review` (the item's own or a later one that carried it forward)."""
    if item.review_id != review.pk and not item.review.week < review.week:
        raise ReviewError("That action item is not on this review.")
    if item.status == ActionItem.Status.DONE:
        return
    item.status = ActionItem.Status.DONE
    item.done_at = timezone.now()
    item.save(update_fields=["status", "done_at"])
    _record(review, by, f"Marked done: {item.text}")


# --- Reading ------------------------------------------------------------------------------------


def carried_items(review: WeeklyReview):
    """Open action items of earlier reviews (ISO week codes sort as the weeks do)."""
    return ActionItem.objects.filter(
        status=ActionItem.Status.OPEN, review__week__lt=review.week
    ).select_related("owner", "review")


def review_list():
    return WeeklyReview.objects.select_related("opened_by")


@dataclass
class ReviewPage:
    review: WeeklyReview
    week: Period
    month: Period
    week_card: pages.Scorecard
    month_card: pages.Scorecard
    items: list[ActionItem]
    carried: list[ActionItem]


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
    )
