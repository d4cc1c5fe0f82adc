"""Drill-down listings kept for a run: the accounts behind its recurring revenue figures and
the new customers behind its acquisition figures.

Both listings are aggregates over the period's accounts (every subscription started by its end,
ordered by a computed movement; every deal won in it, checked for an earlier win), so paging
them live cost an aggregate per page that grew with the records. Each is worked out once per
run, table, period, cut and movement listed first (the first time someone drills into it) with
every row's place in the order, and its pages are index ranges over (listing, position). A run's
figures never change, so neither does the listing that explains them; the next run gets
listings of its own.
"""

from django.db import models
from django.utils.translation import pgettext_lazy

from .jobs import CutKind
from .records import MONEY, Account, Opportunity
from .runs import MetricRun


class DrilldownListing(models.Model):
    """One kept listing: a run's (or, before any run, no run's) table of a period and cut, with
    the movement listed first ("" when the metric is about none)."""

    run = models.ForeignKey(MetricRun, null=True, on_delete=models.CASCADE)
    table = models.CharField(max_length=16)
    period_start = models.DateField()
    period_end = models.DateField()
    cut_kind = models.CharField(max_length=8, choices=CutKind.choices, default=CutKind.ALL)
    cut_value = models.CharField(max_length=100, blank=True)
    first = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "table", "period_start", "period_end", "cut_kind", "cut_value",
                        "first"],
                name="drilldown_listing_unique_per_run",
            ),
        ]  # fmt: skip

    def __str__(self):
        return (
            f"{self.table} {self.period_start}..{self.period_end} {self.cut_kind}={self.cut_value}"
        )


class AccountMovement(models.Model):
    """An account with MRR on either side of the listing's period, at its place in the listing."""

    class Movement(models.TextChoices):  # as the records page names them
        NEW = "new", pgettext_lazy("MRR movement", "new")
        REACTIVATION = "reactivation", pgettext_lazy("MRR movement", "reactivation")
        CHURN = "churn", pgettext_lazy("MRR movement", "churn")
        EXPANSION = "expansion", pgettext_lazy("MRR movement", "expansion")
        CONTRACTION = "contraction", pgettext_lazy("MRR movement", "contraction")
        UNCHANGED = "unchanged", pgettext_lazy("MRR movement", "unchanged")

    # Indexed by the unique (listing, position) below, the pages' range.
    listing = models.ForeignKey(DrilldownListing, on_delete=models.CASCADE, db_index=False)
    position = models.PositiveIntegerField()
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    opening_mrr = models.DecimalField(**MONEY)
    closing_mrr = models.DecimalField(**MONEY)
    movement = models.CharField(max_length=16, choices=Movement.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "position"], name="account_movement_unique_position"
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.movement}"

    @property
    def change(self):
        return self.closing_mrr - self.opening_mrr


class NewCustomer(models.Model):
    """A new customer of the listing's period, as its first won deal (shown as it is now)."""

    listing = models.ForeignKey(DrilldownListing, on_delete=models.CASCADE, db_index=False)
    position = models.PositiveIntegerField()
    deal = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "position"], name="new_customer_unique_position"
            ),
        ]

    def __str__(self):
        return str(self.deal_id)
