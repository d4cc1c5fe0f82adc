"""Metric runs, the values they computed, and the targets figures are judged against."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from ..catalog import BY_KEY
from .jobs import CutKind, PeriodKind, QueuedJob


class MetricRun(QueuedJob):
    class Trigger(models.TextChoices):
        MANUAL = "manual", "Recompute now"
        IMPORT = "import", "After an import"
        NIGHTLY = "nightly", "Nightly schedule"
        COMMAND = "command", "Command line"
        SYNC = "sync", "After a CRM sync"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    attempts = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    # The days the records changed since the latest run, as [first day, first day after or
    # null] ranges (metrics/incremental.py): the run recomputes only the periods they overlap.
    # Null: unknown (every period).
    changes = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "finished_at"])]
        constraints = [
            # Recomputations coalesce: a queued run covers every request made before it starts.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="queued"),
                name="metric_run_one_queued",
            ),
        ]

    def __str__(self):
        return f"Run {self.pk} ({self.status})"


class MetricValue(models.Model):
    PeriodKind = PeriodKind
    CutKind = CutKind

    run = models.ForeignKey(MetricRun, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(max_length=40)
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text="Exclusive: the first day after the period.")
    cut_kind = models.CharField(max_length=8, choices=CutKind.choices, default=CutKind.ALL)
    cut_value = models.CharField(max_length=100, blank=True)
    value = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    numerator = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    denominator = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    undefined_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "key", "period_start", "period_end", "cut_kind", "cut_value"],
                name="metric_value_unique_per_run",
            ),
        ]
        indexes = [
            models.Index(
                fields=["run", "key", "cut_kind", "cut_value", "period_kind", "period_start"]
            ),
            models.Index(fields=["run", "period_start", "period_end", "cut_kind", "cut_value"]),
        ]

    def __str__(self):
        return f"{self.key} {self.period_start}..{self.period_end} {self.cut_kind}={self.cut_value}"


class MetricTarget(models.Model):
    """A metric's target for one cut (the whole business, a segment, a team …: keyed like the
    stored values) and one period kind, or every period kind: a level or a ratio holds in any
    period, a flow (new MRR, won amount, leads) needs one target per kind (a week's new MRR is a
    quarter of a month's). A target for the period kind shown wins over one for any kind."""

    ANY_PERIOD = ""

    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    key = models.CharField(max_length=40)
    cut_kind = models.CharField(max_length=8, choices=CutKind.choices, default=CutKind.ALL)
    cut_value = models.CharField(
        max_length=100,
        blank=True,
        help_text="Empty for the whole business; else the segment, team …",
    )
    period_kind = models.CharField(
        max_length=8,
        choices=[(ANY_PERIOD, "Any period"), *PeriodKind.choices],
        blank=True,
        default=ANY_PERIOD,
        help_text="The period kind the target is for; empty: every kind.",
    )
    value = models.DecimalField(max_digits=30, decimal_places=10)
    direction = models.CharField(max_length=6, choices=Direction.choices)
    amber_band = models.DecimalField(
        max_digits=30,
        decimal_places=10,
        default=0,
        help_text="How far on the wrong side of the target still counts as amber, in the metric's unit.",
    )
    # Who set the target and when (the admin records them on every save).
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    set_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "cut_kind", "cut_value", "period_kind"],
                name="metric_target_unique_key_cut_period",
            ),
            models.CheckConstraint(
                condition=Q(cut_kind="all", cut_value="") | (~Q(cut_kind="all") & ~Q(cut_value="")),
                name="metric_target_cut_value_iff_not_all",
            ),
        ]

    def __str__(self):
        cut = "all" if self.cut_kind == CutKind.ALL else f"{self.cut_kind}={self.cut_value}"
        return f"Target {self.key} {cut} {self.period_kind or 'any period'}"

    def clean(self):
        """The admin's checks: a cut value exactly when the cut is not "all", and only a cut the
        metric has (a target on a cut no figure is stored for would never show)."""
        self.cut_value = self.cut_value.strip()
        if (self.cut_kind == CutKind.ALL) != (self.cut_value == ""):
            raise ValidationError(
                {"cut_value": "Give a value for a segment, team … cut, and none for all."}
            )
        definition = BY_KEY.get(self.key)
        if definition is not None and self.cut_kind not in definition.cuts:
            raise ValidationError(
                {
                    "cut_kind": f"{definition.name} has no {self.cut_kind} cut: choose one of "
                    f"{', '.join(definition.cuts)}."
                }
            )
