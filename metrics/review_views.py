"""Weekly review pages (/reviews/): parse the week, ask `reviews`, render. Reading is every
logged-in user's; opening and editing is `can_run_reviews`'s (403 otherwise, nothing changes)."""

from datetime import date
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import review_email, reviews
from .models import ActionItem, WeeklyReview
from .params import BadRequest, parse_period
from .periods import WEEK
from .permissions import can_run_reviews
from .views import answers_bad_request


def _week(code: str):
    period = parse_period(code)
    if period.kind != WEEK:
        raise BadRequest(f"{code!r} is not an ISO week: use 2026-W48.")
    return period


def _editable_review(request, week: str) -> WeeklyReview:
    if not can_run_reviews(request.user):
        raise PermissionDenied("Only RevOps managers and playbook champions edit reviews.")
    return get_object_or_404(WeeklyReview, week=_week(week).code())


def _back(review: WeeklyReview):
    return redirect("reviews:detail", week=review.week)


def _refused(message: str):
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@require_GET
def review_list(request):
    context = {
        "reviews": reviews.review_list(),
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
def review_open(request):
    if not can_run_reviews(request.user):
        raise PermissionDenied("Only RevOps managers and playbook champions open reviews.")
    try:
        review = reviews.open_review(week=reviews.this_week(), by=request.user)
    except reviews.ReviewError as exc:
        return _refused(str(exc))
    return _back(review)


@require_GET
@answers_bad_request()
def review_detail(request, week: str):
    review = reviews.find_review(_week(week))
    if review is None:
        raise Http404("No review for that week.")
    page = reviews.review_page(review)
    live = f"{reverse('metrics:scorecard')}?{urlencode({'period': page.week.code()})}"
    context = {
        "page": page,
        "review": review,
        "live_url": live,
        "can_run_reviews": can_run_reviews(request.user),
        "owners": get_user_model().objects.filter(is_active=True).order_by("username")
        if can_run_reviews(request.user)
        else [],
    }
    return render(request, "metrics/review_detail.html", context)


@require_POST
@answers_bad_request()
def review_notes(request, week: str):
    review = _editable_review(request, week)
    try:
        reviews.save_notes(review=review, notes=request.POST.get("notes", ""), by=request.user)
    except reviews.ReviewError as exc:
        return _refused(str(exc))
    return _back(review)


@require_POST
@answers_bad_request()
def review_decision(request, week: str):
    review = _editable_review(request, week)
    try:
        reviews.add_decision(review=review, text=request.POST.get("text", ""), by=request.user)
    except reviews.ReviewError as exc:
        return _refused(str(exc))
    return _back(review)


@require_POST
@answers_bad_request()
def review_item(request, week: str):
    review = _editable_review(request, week)
    owner_id = request.POST.get("owner", "")
    owner = (
        get_user_model().objects.filter(pk=owner_id, is_active=True).first()
        if owner_id.isdigit()
        else None
    )
    if owner is None:
        return _refused("Choose the action item's owner.")
    try:
        due = date.fromisoformat(request.POST.get("due_date", "")[:10])
    except ValueError:
        return _refused("Give a due date as YYYY-MM-DD.")
    try:
        reviews.add_action_item(
            review=review,
            text=request.POST.get("text", ""),
            owner=owner,
            due_date=due,
            by=request.user,
        )
    except reviews.ReviewError as exc:
        return _refused(str(exc))
    return _back(review)


@require_POST
@answers_bad_request()
def review_item_done(request, week: str, item_id: int):
    review = _editable_review(request, week)
    item = get_object_or_404(ActionItem, pk=item_id)
    try:
        reviews.mark_done(review=review, item=item, by=request.user)
    except reviews.ReviewError as exc:
        return _refused(str(exc))
    return _back(review)
