"""Metric runs, the values they computed, and the targets figures are judged against."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ..catalog import BY_KEY, cut_kind_name
from .jobs import CutKind, PeriodKind, QueuedJob


class MetricRun(QueuedJob):
    class Trigger(models.TextChoices):
        MANUAL = "manual", pgettext_lazy("run trigger", "Recompute now")
        IMPORT = "import", pgettext_lazy("run trigger", "After an import")
        NIGHTLY = "nightly", pgettext_lazy("run trigger", "Nightly schedule")
        COMMAND = "command", pgettext_lazy("run trigger", "Command line")
        SYNC = "sync", pgettext_lazy("run trigger", "After a CRM sync")

    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, help_text=_("Percent done.")
    )
    # The days the records changed since the latest run, as [first day, first day after or
    # null] ranges (metrics/incremental.py): the run recomputes only the periods they overlap.
    # Null: unknown (every period).
    changes = models.JSONField(
        _("changed days"),
        null=True,
        blank=True,
        help_text=_("The days the records changed since the run before; empty: every period."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("metric run")
        verbose_name_plural = _("metric runs")
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
        return _("Run %(id)s (%(status)s)") % {"id": self.pk, "status": self.get_status_display()}


class MetricValueSet(models.Model):
    """One period's figures as one run computed them. A later run whose changes leave that
    period alone shows the same set (MetricRunPeriod) instead of a copy of its values: an
    incremental run writes a row per period, not every value of the periods it did not compute
    (about 50,000 at 100k opportunities). Deleted with its values once no run shows it."""

    def __str__(self):
        return f"value set {self.pk}"


class MetricRunPeriod(models.Model):
    """The value set a run shows for one of its periods: the one it computed, or the one it
    carried over from the run before. A run is the union of its periods' sets, a complete
    snapshot however the sets are shared."""

    run = models.ForeignKey(MetricRun, on_delete=models.CASCADE, related_name="periods")
    value_set = models.ForeignKey(
        MetricValueSet, on_delete=models.PROTECT, related_name="run_periods"
    )
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()

    class Meta:
        constraints = [
            # One set per period of a run (an overlapping attempt writes into the same one).
            models.UniqueConstraint(
                fields=["run", "period_kind", "period_start", "period_end"],
                name="metric_run_period_unique",
            ),
        ]

    def __str__(self):
        return f"run {self.run_id} {self.period_start}..{self.period_end}: set {self.value_set_id}"


class MetricValueQuerySet(models.QuerySet):
    def of_run(self, run: MetricRun | int) -> "MetricValueQuerySet":
        """The values a run shows: those of the value sets of its periods (the one way to read
        a run's figures).

        `value_set IN (the run's sets)`, not a join: each set is then read by the index that
        leads with it, a plan PostgreSQL keeps even before it has statistics for the rows a run
        just wrote (a join planned on none kept an UPDATE of a small run's values going for minutes)."""
        sets = MetricRunPeriod.objects.filter(run=run).values("value_set_id")
        return self.filter(value_set_id__in=sets)


class MetricValue(models.Model):
    PeriodKind = PeriodKind
    CutKind = CutKind

    # The unique constraint below leads with the set: no index of its own. No foreign-key
    # constraint either: checking it for each of a run's 54,054 values (100k opportunities) at
    # the commits was 0.4 s of writing 0.7 s. Each value still has its set: a period's values
    # are written while its run's link to the set is locked, and `forget` deletes the links
    # before their sets and values (metrics/run_values.py), so neither sees the other half done.
    value_set = models.ForeignKey(
        MetricValueSet,
        on_delete=models.CASCADE,
        related_name="values",
        db_index=False,
        db_constraint=False,
    )
    key = models.CharField(_("metric"), max_length=40)
    # The set's period on each value: readers filter and order by it.
    period_kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(
        _("period end"), help_text=_("Exclusive: the first day after the period.")
    )
    cut_kind = models.CharField(
        _("cut kind"), max_length=8, choices=CutKind.choices, default=CutKind.ALL
    )
    cut_value = models.CharField(_("cut value"), max_length=100, blank=True)
    value = models.DecimalField(_("value"), max_digits=30, decimal_places=10, null=True, blank=True)
    numerator = models.DecimalField(
        _("numerator"), max_digits=30, decimal_places=10, null=True, blank=True
    )
    denominator = models.DecimalField(
        _("denominator"), max_digits=30, decimal_places=10, null=True, blank=True
    )
    undefined_reason = models.CharField(_("why there is no value"), max_length=200, blank=True)

    objects = MetricValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("metric value")
        verbose_name_plural = _("metric values")
        constraints = [
            # A set is one period: a figure is its metric and cut. Also the readers' index
            # (a run's sets, then the metric and cut).
            models.UniqueConstraint(
                fields=["value_set", "key", "cut_kind", "cut_value"],
                name="metric_value_unique_per_set",
            ),
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
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    key = models.CharField(_("metric"), max_length=40)
    cut_kind = models.CharField(
        _("cut kind"), max_length=8, choices=CutKind.choices, default=CutKind.ALL
    )
    cut_value = models.CharField(
        _("cut value"),
        max_length=100,
        blank=True,
        help_text=_("Empty for the whole business; else the segment, team …"),
    )
    period_kind = models.CharField(
        _("period kind"),
        max_length=8,
        choices=[(ANY_PERIOD, _("Any period")), *PeriodKind.choices],
        blank=True,
        default=ANY_PERIOD,
        help_text=_("The period kind the target is for; empty: every kind."),
    )
    value = models.DecimalField(_("target"), max_digits=30, decimal_places=10)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    amber_band = models.DecimalField(
        _("amber band"),
        max_digits=30,
        decimal_places=10,
        default=0,
        help_text=_(
            "How far on the wrong side of the target still counts as amber, in the metric's unit."
        ),
    )
    # Who set the target and when (the admin records them on every save).
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("metric target")
        verbose_name_plural = _("metric targets")
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
        cut = self.get_cut_kind_display() if self.cut_kind == CutKind.ALL else self.cut_value
        return _("Target %(metric)s · %(cut)s · %(period)s") % {
            "metric": self.key,
            "cut": cut,
            "period": self.get_period_kind_display(),
        }

    def clean(self):
        """The admin's checks: a cut value exactly when the cut is not "all", and only a cut the
        metric has (a target on a cut no figure is stored for would never show)."""
        self.cut_value = self.cut_value.strip()
        if (self.cut_kind == CutKind.ALL) != (self.cut_value == ""):
            raise ValidationError(
                {"cut_value": gettext("Give a value for a segment, team … cut, and none for all.")}
            )
        definition = BY_KEY.get(self.key)
        if definition is not None and self.cut_kind not in definition.cuts:
            raise ValidationError(
                {
                    "cut_kind": gettext("%(metric)s has no %(cut)s cut: choose one of %(cuts)s.")
                    % {
                        "metric": definition.name,
                        "cut": cut_kind_name(self.cut_kind),
                        "cuts": ", ".join(cut_kind_name(kind) for kind in definition.cuts),
                    }
                }
            )
