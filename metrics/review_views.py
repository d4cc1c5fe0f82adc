"""Weekly review pages (/reviews/): parse the week, ask `reviews`, render. Reading is every
logged-in user's; opening and editing is `can_run_reviews`'s (403 otherwise, nothing changes)."""

from datetime import date
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import review_email, reviews
from .models import ActionItem, Decision, WeeklyReview
from .params import BadRequest, parse_period
from .periods import WEEK
from .permissions import can_run_reviews
from .views import answers_bad_request


def _week(code: str):
    period = parse_period(code)
    if period.kind != WEEK:
        raise BadRequest(_("%(code)s is not an ISO week: use 2026-W48.") % {"code": repr(code)})
    return period


def _editable_review(request, week: str) -> WeeklyReview:
    if not can_run_reviews(request.user):
        raise PermissionDenied("Only RevOps managers and playbook champions edit reviews.")
    return get_object_or_404(WeeklyReview, week=_week(week).code())


def _back(review: WeeklyReview):
    return redirect("reviews:detail", week=review.week)


def _edited(request, week: str, change) -> HttpResponse:
    """Call `change(review)` on the week's review, for editors only (checked first, so others
    get 403 whatever they sent). A ReviewError or BadRequest answers 400 with its message
    (through answers_bad_request); success goes back to the review."""
    review = _editable_review(request, week)
    try:
        change(review)
    except reviews.ReviewError as exc:
        raise BadRequest(str(exc)) from None
    return _back(review)


def _due_date(request) -> date:
    try:
        return date.fromisoformat(request.POST.get("due_date", "")[:10])
    except ValueError:
        raise BadRequest(_("Give a due date as YYYY-MM-DD.")) from None


def _item(item_id: int) -> ActionItem:
    return get_object_or_404(ActionItem.objects.select_related("review"), pk=item_id)


def _owner(request):
    owner = reviews.find_owner(request.POST.get("owner", ""))
    if owner is None:
        raise BadRequest(_("Choose the action item's owner (an active user)."))
    return owner


@require_GET
@answers_bad_request()
def review_list(request):
    before = request.GET.get("before", "").strip()
    listed = reviews.review_list(before=_week(before) if before else None)
    context = {
        "reviews": listed.reviews,
        "older_than": listed.older_than,
        "paged": bool(before),
        "this_week": reviews.this_week(),
        "can_run_reviews": can_run_reviews(request.user),
        "subscribed": review_email.is_subscribed(request.user),
    }
    return render(request, "metrics/review_list.html", context)


@require_POST
def review_email_choice(request):
    """Every reader chooses whether to get the Monday e-mail."""
    review_email.set_subscribed(user=request.user, subscribed=request.POST.get("subscribed") == "1")
    return redirect("reviews:list")


@require_POST
@answers_bad_request()
def review_open(request):
    """This week's review, or the past week the form names."""
    if not can_run_reviews(request.user):
        raise PermissionDenied("Only RevOps managers and playbook champions open reviews.")
    code = request.POST.get("week", "").strip()
    try:
        week = reviews.week_to_open(_week(code) if code else None)
        review = reviews.open_review(week=week, by=request.user)
    except reviews.ReviewError as exc:
        raise BadRequest(str(exc)) from None
    return _back(review)


@require_GET
@answers_bad_request()
def review_detail(request, week: str):
    review = reviews.find_review(_week(week))
    if review is None:
        raise Http404("No review for that week.")
    page = reviews.review_page(review)
    live = f"{reverse('metrics:scorecard')}?{urlencode({'period': page.week.code()})}"
    editor = can_run_reviews(request.user)
    context = {
        "page": page,
        "review": review,
        "live_url": live,
        "can_run_reviews": editor,
        "owners": list(reviews.owner_choices()) if editor else [],
        "statuses": ActionItem.Status.choices,
    }
    return render(request, "metrics/review_detail.html", context)


@require_POST
@answers_bad_request()
def review_notes(request, week: str):
    notes = request.POST.get("notes", "")
    return _edited(
        request,
        week,
        lambda review: reviews.save_notes(review=review, notes=notes, by=request.user),
    )


@require_POST
@answers_bad_request()
def review_decision(request, week: str):
    text = request.POST.get("text", "")
    return _edited(
        request,
        week,
        lambda review: reviews.add_decision(review=review, text=text, by=request.user),
    )


@require_POST
@answers_bad_request()
def review_decision_change(request, week: str, decision_id: int, action: str):
    """Edit a decision's text or delete it: the URL says which (`action`, review_urls.py)."""

    def change(review):
        decision = get_object_or_404(Decision, pk=decision_id)
        if action == "delete":
            return reviews.delete_decision(review=review, decision=decision, by=request.user)
        text = request.POST.get("text", "")
        return reviews.edit_decision(review=review, decision=decision, text=text, by=request.user)

    return _edited(request, week, change)


@require_POST
@answers_bad_request()
def review_item(request, week: str):
    return _edited(
        request,
        week,
        lambda review: reviews.add_action_item(
            review=review,
            text=request.POST.get("text", ""),
            owner=_owner(request),
            due_date=_due_date(request),
            by=request.user,
        ),
    )


@require_POST
@answers_bad_request()
def review_item_change(request, week: str, item_id: int, action: str):
    """Edit an action item, delete it or mark it done: the URL says which (`action`)."""

    def change(review):
        item = _item(item_id)
        if action == "delete":
            return reviews.delete_action_item(review=review, item=item, by=request.user)
        if action == "done":
            return reviews.mark_done(review=review, item=item, by=request.user)
        return reviews.edit_action_item(
            review=review,
            item=item,
            text=request.POST.get("text", ""),
            owner=_owner(request),
            due_date=_due_date(request),
            status=request.POST.get("status", ""),
            by=request.user,
        )

    return _edited(request, week, change)
