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
        indexes = [models.Index(fields=["close_date"], name="metrics_keptfirstwon_close")]

    def __str__(self):
        return f"{self.account_id}: {self.close_date} ({self.channel})"
