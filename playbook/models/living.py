"""The living playbook: flags, watchers, visits, metric-triggered reviews, freshness."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from metrics.catalog import BY_KEY

from .documents import Section


class Flag(models.Model):
    """A reader's report that a section is outdated or wrong; shown on it until resolved."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="flags")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(max_length=2000)
    quote = models.TextField(max_length=1000, blank=True, help_text="The passage, if any.")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.CharField(max_length=500, blank=True)
    fixed_in_revision = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["section", "resolved_at"])]

    def __str__(self):
        return f"Flag on {self.section_id} by {self.raised_by_id}"


class Watch(models.Model):
    """Someone who is told about every (non-minor) new revision of a section."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playbook_watches"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "user"], name="playbook_watch_once"),
        ]

    def __str__(self):
        return f"{self.user_id} watches {self.section_id}"


class SectionVisit(models.Model):
    """The revision a user last read of a section: "changed since you last read it"."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    revision_number = models.PositiveIntegerField()
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "user"], name="playbook_visit_once"),
        ]

    def __str__(self):
        return f"{self.user_id} read {self.section_id} #{self.revision_number}"


class MetricLink(models.Model):
    """A metric the section depends on: a move past the threshold between the last complete
    month and the one before makes the section due for review (playbook.metric_reviews)."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="metric_links")
    metric_key = models.CharField(max_length=40)
    threshold = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Rates: points (default 5); other metrics: percent change (default 10).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "metric_key"], name="playbook_metric_link"),
        ]

    def __str__(self):
        return f"{self.section_id} depends on {self.metric_key}"

    def clean(self):
        if self.metric_key not in BY_KEY:
            raise ValidationError({"metric_key": f"No metric {self.metric_key!r}."})


class MetricTrigger(models.Model):
    """A metric's move that made a section due: once per link and period, whichever run saw it."""

    link = models.ForeignKey(MetricLink, on_delete=models.CASCADE, related_name="triggers")
    run_id = models.PositiveBigIntegerField(help_text="The metric run that saw the move.")
    period_start = models.DateField()
    previous = models.DecimalField(max_digits=30, decimal_places=10)
    current = models.DecimalField(max_digits=30, decimal_places=10)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
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

    day = models.DateField(unique=True)
    fresh = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day}: {self.fresh}/{self.total}"

    @property
    def share(self) -> float:
        return self.fresh / self.total if self.total else 0.0
