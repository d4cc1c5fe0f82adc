"""The living playbook: flags, watchers, visits, metric-triggered reviews, freshness."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from metrics.catalog import BY_KEY

from .documents import Section


class Flag(models.Model):
    """A reader's report that a section is outdated or wrong; shown on it until resolved."""

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="flags", verbose_name=_("section")
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("comment"), max_length=2000)
    quote = models.TextField(
        _("quoted passage"), max_length=1000, blank=True, help_text=_("The passage, if any.")
    )
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution_note = models.CharField(_("resolution note"), max_length=500, blank=True)
    fixed_in_revision = models.PositiveIntegerField(_("fixed in revision"), null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["section", "resolved_at"])]

    def __str__(self):
        return f"Flag on {self.section_id} by {self.raised_by_id}"


class Watch(models.Model):
    """Someone who is told about every (non-minor) new revision of a section."""

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="watches", verbose_name=_("section")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="playbook_watches",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("watching since"), default=timezone.now)

    class Meta:
        verbose_name = _("watcher")
        verbose_name_plural = _("watchers")
        constraints = [
            models.UniqueConstraint(fields=["section", "user"], name="playbook_watch_once"),
        ]

    def __str__(self):
        return f"{self.user_id} watches {self.section_id}"


class SectionVisit(models.Model):
    """The revision a user last read of a section: "changed since you last read it"."""

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="+", verbose_name=_("section")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    revision_number = models.PositiveIntegerField(_("revision number"))
    seen_at = models.DateTimeField(_("seen at"), default=timezone.now)

    class Meta:
        verbose_name = _("section visit")
        verbose_name_plural = _("section visits")
        constraints = [
            models.UniqueConstraint(fields=["section", "user"], name="playbook_visit_once"),
        ]

    def __str__(self):
        return f"{self.user_id} read {self.section_id} #{self.revision_number}"


class MetricLink(models.Model):
    """A metric the section depends on: a move past the threshold between the last complete
    month and the one before makes the section due for review (playbook.metric_reviews)."""

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="metric_links", verbose_name=_("section")
    )
    metric_key = models.CharField(_("metric"), max_length=40)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Rates: points (default 5); other metrics: percent change (default 10)."),
    )

    class Meta:
        verbose_name = _("metric the section depends on")
        verbose_name_plural = _("metrics the section depends on")
        constraints = [
            models.UniqueConstraint(fields=["section", "metric_key"], name="playbook_metric_link"),
        ]

    def __str__(self):
        return f"{self.section_id} depends on {self.metric_key}"

    def clean(self):
        if self.metric_key not in BY_KEY:
            raise ValidationError(
                {"metric_key": gettext("No metric “%(key)s”.") % {"key": self.metric_key}}
            )


class MetricTrigger(models.Model):
    """A metric's move that made a section due: once per link and period, whichever run saw it."""

    link = models.ForeignKey(
        MetricLink, on_delete=models.CASCADE, related_name="triggers", verbose_name=_("metric link")
    )
    run_id = models.PositiveBigIntegerField(
        _("metric run"), help_text=_("The metric run that saw the move.")
    )
    period_start = models.DateField(_("period start"))
    previous = models.DecimalField(_("previous value"), max_digits=30, decimal_places=10)
    current = models.DecimalField(_("current value"), max_digits=30, decimal_places=10)
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("metric move")
        verbose_name_plural = _("metric moves")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["link", "period_start"], name="playbook_metric_trigger_once"
            ),
        ]

    def __str__(self):
        return self.reason


class FreshnessSnapshot(models.Model):
    """How many sections were fresh on a day (written daily): the queue's trend."""

    day = models.DateField(_("day"), unique=True)
    fresh = models.PositiveSmallIntegerField(_("fresh sections"))
    total = models.PositiveSmallIntegerField(_("all sections"))

    class Meta:
        verbose_name = _("freshness snapshot")
        verbose_name_plural = _("freshness snapshots")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day}: {self.fresh}/{self.total}"

    @property
    def share(self) -> float:
        return self.fresh / self.total if self.total else 0.0
