"""The weekly revenue review (metrics/reviews.py)."""

from django.conf import settings
from django.db import models

from .runs import MetricRun


class WeeklyReview(models.Model):
    """One week's meeting. `run` is frozen when the review is opened: later runs never change
    the figures it shows (and prune_old_runs keeps that run's values)."""

    week = models.CharField(max_length=8, unique=True, help_text="ISO week code, e.g. 2026-W48.")
    run = models.ForeignKey(MetricRun, on_delete=models.PROTECT, related_name="reviews")
    notes = models.TextField(blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week"]

    def __str__(self):
        return f"Weekly review {self.week}"


class Decision(models.Model):
    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:80]


class ActionItem(models.Model):
    """Created in one review; listed by every later review until it is done."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="action_items")
    text = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=4, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.text[:80]


class ReviewChange(models.Model):
    """Who changed a review, when, and what: one row per save."""

    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    what = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.what[:60]}"


class ReviewSubscription(models.Model):
    """A user's choice about the Monday review e-mail. Without a row, RevOps managers get it
    (review_email.subscribers); a row records a choice either way."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_subscription"
    )
    subscribed = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user}: {'subscribed' if self.subscribed else 'unsubscribed'}"


class ReviewEmail(models.Model):
    """The Monday e-mail about one week to one user: at most one row per week and user, so a
    job that runs twice sends nothing twice. `sent_at` is set once the mail server took it."""

    week = models.CharField(max_length=8, help_text="ISO week code the e-mail is about.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(MetricRun, null=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week", "user"], name="review_email_once_per_week")
        ]

    def __str__(self):
        return f"Review e-mail {self.week} to {self.user}"
