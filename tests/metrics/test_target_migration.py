"""Migration 0017: a segment's target becomes the same target on the segment cut, for any
period kind; the whole business's stays on the "all" cut."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from metrics.models import MetricTarget


@pytest.mark.django_db(transaction=True)
def test_segment_targets_become_segment_cut_targets():
    executor = MigrationExecutor(connection)
    before = [("metrics", "0016_lead_email_queued_job")]
    executor.migrate(before)
    OldTarget = executor.loader.project_state(before).apps.get_model("metrics", "MetricTarget")
    for segment, number in (("", "0.3"), ("SMB", "0.4")):
        OldTarget.objects.create(
            key="win_rate", segment=segment, value=Decimal(number), direction="higher"
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # Every app's latest migration: those that depend on metrics (kept) went back with it, and
    # the tests that follow on this process need their tables.
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert set(
        MetricTarget.objects.values_list("cut_kind", "cut_value", "period_kind", "value")
    ) == {("all", "", "", Decimal("0.3")), ("segment", "SMB", "", Decimal("0.4"))}
