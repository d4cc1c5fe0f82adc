"""/reviews/: the weekly revenue reviews (metrics/review_views.py)."""

from django.urls import path

from . import review_views

app_name = "reviews"
urlpatterns = [
    path("", review_views.review_list, name="list"),
    path("open/", review_views.review_open, name="open"),
    path("email/", review_views.review_email_choice, name="email_choice"),
    path("<str:week>/", review_views.review_detail, name="detail"),
    path("<str:week>/notes/", review_views.review_notes, name="notes"),
    path("<str:week>/decisions/", review_views.review_decision, name="decision"),
    path("<str:week>/items/", review_views.review_item, name="item"),
    # One view per record changes it in the way the URL names (review_views.py).
    path(
        "<str:week>/decisions/<int:decision_id>/",
        review_views.review_decision_change,
        {"action": "edit"},
        name="decision_edit",
    ),
    path(
        "<str:week>/decisions/<int:decision_id>/delete/",
        review_views.review_decision_change,
        {"action": "delete"},
        name="decision_delete",
    ),
    path(
        "<str:week>/items/<int:item_id>/",
        review_views.review_item_change,
        {"action": "edit"},
        name="item_edit",
    ),
    path(
        "<str:week>/items/<int:item_id>/delete/",
        review_views.review_item_change,
        {"action": "delete"},
        name="item_delete",
    ),
    path(
        "<str:week>/items/<int:item_id>/done/",
        review_views.review_item_change,
        {"action": "done"},
        name="item_done",
    ),
]
