"""The weekly revenue review (metrics/reviews.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .runs import MetricRun


class WeeklyReview(models.Model):
    """One week's meeting. `run` is frozen when the review is opened: later runs never change
    the figures it shows (and prune_old_runs keeps that run's values)."""

    week = models.CharField(
        _("week"), max_length=8, unique=True, help_text=_("ISO week code, e.g. 2026-W48.")
    )
    run = models.ForeignKey(
        MetricRun, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("metric run")
    )
    notes = models.TextField(_("notes"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        ordering = ["-week"]
        verbose_name = _("weekly review")
        verbose_name_plural = _("weekly reviews")

    def __str__(self):
        return _("Weekly review %(week)s") % {"week": self.week}


class Decision(models.Model):
    review = models.ForeignKey(
        WeeklyReview,
        on_delete=models.CASCADE,
        related_name="decisions",
        verbose_name=_("weekly review"),
    )
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self):
        return self.text[:80]


class ActionItem(models.Model):
    """Created in one review; listed by every later review until it is done."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("action item", "Open")
        DONE = "done", pgettext_lazy("action item", "Done")

    review = models.ForeignKey(
        WeeklyReview,
        on_delete=models.CASCADE,
        related_name="action_items",
        verbose_name=_("weekly review"),
    )
    text = models.TextField(_("text"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=4, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self):
        return self.text[:80]


class ReviewChange(models.Model):
    """Who changed a review, when, and what: one row per save."""

    review = models.ForeignKey(
        WeeklyReview,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("weekly review"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    what = models.CharField(_("what changed"), max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("review change")
        verbose_name_plural = _("review changes")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.what[:60]}"


class ReviewSubscription(models.Model):
    """A user's choice about the Monday review e-mail. Without a row, RevOps managers get it
    (review_email.subscribers); a row records a choice either way."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="review_subscription",
        verbose_name=_("user"),
    )
    subscribed = models.BooleanField(_("subscribed"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("review e-mail choice")
        verbose_name_plural = _("review e-mail choices")

    def __str__(self):
        return f"{self.user}: {'subscribed' if self.subscribed else 'unsubscribed'}"


class ReviewEmail(models.Model):
    """The Monday e-mail about one week to one user: at most one row per week and user, so a
    job that runs twice sends nothing twice. `sent_at` is set once the mail server took it."""

    week = models.CharField(
        _("week"), max_length=8, help_text=_("ISO week code the e-mail is about.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    run = models.ForeignKey(
        MetricRun,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("metric run"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review e-mail")
        verbose_name_plural = _("review e-mails")
        constraints = [
            models.UniqueConstraint(fields=["week", "user"], name="review_email_once_per_week")
        ]

    def __str__(self):
        return f"Review e-mail {self.week} to {self.user}"
