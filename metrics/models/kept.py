"""Totals the metrics engine keeps between computations (metrics/calculations/kept.py).

Each table is derived from CRM records and filled again whole when one of them was written, so
its rows are plain numbers: no foreign keys. They are models so that the test database's flush
empties them with the change counter and the stamps (a stamp never outlives its counter)."""

from django.db import models


class KeptStamp(models.Model):
    """Which state of its records a kept table holds: the sum of its sources' change markers
    (revops_portal/kept) read before its last fill."""

    name = models.CharField(max_length=63, primary_key=True)  # the kept table
    version = models.BigIntegerField()

    def __str__(self):
        return f"{self.name}: {self.version}"


class KeptFirstWon(models.Model):
    """Each account's first won opportunity (batch.first_won_select): its close date makes the
    account a new customer, its source is the account's acquisition channel."""

    account_id = models.BigIntegerField(primary_key=True)
    close_date = models.DateField()
    channel = models.CharField(max_length=100)

    class Meta:
        indexes = [
            models.Index(fields=["close_date"], name="metrics_keptfirstwon_close"),
            # Every run lists the channels (a loose index scan: 1 ms, not a 20 ms DISTINCT).
            models.Index(fields=["channel"], name="metrics_keptfirstwon_channel"),
        ]

    def __str__(self):
        return f"{self.account_id}: {self.close_date} ({self.channel})"


class KeptDay(models.Model):
    """A kept table's sums for one cut kind, cut value and day (a period sums its days): "all"
    (value "") or the kind's value; found by the day."""

    kind = models.CharField(max_length=20)
    value = models.CharField(max_length=255)  # "" for "all"
    day = models.DateField()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["day"], name="%(app_label)s_%(class)s_day")]

    def __str__(self):
        return f"{self.kind} {self.value!r} on {self.day}"


class KeptLeadDay(KeptDay):
    """The leads summed per day and funnel cut (metrics/calculations/funnel.py, LEAD_DAYS): for
    "all" and each source (the channel cut), the leads created that day and how many of them
    have qualified and converted so far, and the leads converted that day with their days from
    created to converted. A period's lead counts are the sums of its days."""

    created = models.BigIntegerField()
    qualified = models.BigIntegerField()
    converted = models.BigIntegerField()
    conversions = models.BigIntegerField()
    conversion_days = models.BigIntegerField()


class KeptNewCustomerDay(KeptDay):
    """The accounts whose first won deal closed on a day, per new-customers cut
    (metrics/calculations/acquisition.py, NEW_CUSTOMER_DAYS): for "all" and each segment,
    industry and acquisition channel. A period's new customers are the sums of its days."""

    customers = models.BigIntegerField()


class KeptAccountMrr(models.Model):
    """Each account's MRR timeline (metrics/calculations/recurring.py): a row on each day one
    of its subscriptions starts or ends, in whole cents. `mrr` is the account's MRR from that
    day on, `delta` the day's change, `customers` its change of customers (+1 when its MRR
    becomes positive, −1 when it stops being), `prev_day` and `next_day` the account's days of
    change before and after it (none: NULL), `first_day` its first subscription's start. Its
    days of change from every subscription, not collapsed to the periods a computation asks: a
    period reads its own days (`day`)."""

    account_id = models.BigIntegerField()
    day = models.DateField()
    mrr = models.BigIntegerField()
    delta = models.BigIntegerField()
    customers = models.SmallIntegerField()
    first_day = models.DateField()
    prev_day = models.DateField(null=True)
    next_day = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["day"], name="metrics_keptaccountmrr_day")]

    def __str__(self):
        return f"{self.account_id} on {self.day}: {self.mrr} ({self.delta:+})"


class KeptMrrBalance(KeptDay):
    """The accounts' MRR and customer changes (KeptAccountMrr) summed per day and cut value
    (kind all, segment, industry or channel; an account with no such value is in "all" only):
    an MRR or customer balance on a day is the running sum of the days before it."""

    mrr = models.BigIntegerField()
    customers = models.IntegerField()


class KeptPipeline(KeptDay):
    """The pipeline's events (calculations/pipeline.py, `KEPT`) summed per cut kind
    ("all", segment, industry, owner: the team cut is its owners' rows, joined to the teams at
    read time), cut value and day: a period's closed deals are its days' rows, its open pipeline
    the running sum of the open count and amount before its end. About days × cut values rows
    (1,095 × 26 at 1,000,000 opportunities)."""

    won_count = models.BigIntegerField()
    lost_count = models.BigIntegerField()
    won_cents = models.BigIntegerField()
    cycle_days = models.BigIntegerField()
    open_count = models.BigIntegerField()
    open_cents = models.BigIntegerField()
    renewal_won = models.BigIntegerField()
    renewal_lost = models.BigIntegerField()
    renewal_won_cents = models.BigIntegerField()
    renewal_lost_cents = models.BigIntegerField()

    class Meta(KeptDay.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value", "day"], name="metrics_keptpipeline_unique"
            )
        ]


class KeptMrrMove(models.Model):
    """An account's MRR movement in one calendar period (week, month, quarter, year) in which it
    has a day of change and its MRR moved (KeptAccountMrr: closing ≠ opening), classified as
    recurring.py's movements are, in whole cents, with its cut values when it was filled (what
    it added to KeptMrrMovement's sums, to take out again when the account is filled again)."""

    account_id = models.BigIntegerField()
    period_kind = models.CharField(max_length=10)
    period_start = models.DateField()
    new = models.BigIntegerField()
    reactivation = models.BigIntegerField()
    expansion = models.BigIntegerField()
    contraction = models.BigIntegerField()
    churn = models.BigIntegerField()
    churned_customers = models.IntegerField()
    segment = models.CharField(max_length=100, null=True)  # noqa: DJ001 (none: NULL, as joined)
    industry = models.CharField(max_length=100, null=True)  # noqa: DJ001 (none: NULL, as joined)
    channel = models.CharField(max_length=100, null=True)  # noqa: DJ001 (none: NULL, as joined)

    class Meta:
        indexes = [models.Index(fields=["account_id"], name="metrics_keptmrrmove_account")]

    def __str__(self):
        return f"{self.account_id} in {self.period_kind} {self.period_start}"


class KeptMrrMovement(models.Model):
    """The accounts' MRR movements (KeptMrrMove) summed per calendar period and cut value (kind
    all, segment, industry or channel; an account with no such value is in "all" only): a
    standard period's movements are its row. A row may hold zeros (its accounts taken out)."""

    period_kind = models.CharField(max_length=10)
    period_start = models.DateField()
    kind = models.CharField(max_length=20)
    value = models.CharField(max_length=255)  # "" for "all"
    new = models.BigIntegerField()
    reactivation = models.BigIntegerField()
    expansion = models.BigIntegerField()
    contraction = models.BigIntegerField()
    churn = models.BigIntegerField()
    churned_customers = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "kind", "value"],
                name="metrics_keptmrrmovement_unique",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.value!r} in {self.period_kind} {self.period_start}"
