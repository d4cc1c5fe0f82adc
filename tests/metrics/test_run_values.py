"""A run's values written as they were computed (metrics/run_values.py): on PostgreSQL by COPY
(through a staging table when an overlapping attempt wrote the rows first), on SQLite by
multi-row INSERTs; both give back every column exactly."""

from decimal import Decimal

import pytest
from django.utils import timezone

from metrics import run_values
from metrics.calculations import Figure
from metrics.cuts import Cut
from metrics.models import MetricRun, MetricValue
from metrics.periods import Period

pytestmark = pytest.mark.django_db

JUNE = Period.month(2017, 6)


def test_stored_values_read_back_exactly_whatever_the_text():
    run = MetricRun.objects.create(
        trigger=MetricRun.Trigger.COMMAND,
        status=MetricRun.Status.RUNNING,
        started_at=timezone.now(),
    )
    awkward = Cut("owner", 'Ana, "the closer"\\ O\'Neil\ttab\nnew line')
    computed = {
        Cut(): {
            "win_rate": Figure(Decimal("0.4583333333"), Decimal(231), Decimal(504)),
            "mrr": Figure(Decimal("-12.5")),
        },
        awkward: {"win_rate": Figure(None, Decimal(0), Decimal(0), "no closed opportunities")},
    }

    run_values.store(run, {JUNE: computed})
    run_values.store(run, {JUNE: computed})  # an overlapping attempt: the same rows, skipped

    stored = {
        (v.key, v.cut_kind, v.cut_value): (v.value, v.numerator, v.denominator, v.undefined_reason)
        for v in MetricValue.objects.of_run(run).filter(
            period_start=JUNE.start, period_end=JUNE.end
        )
    }
    assert stored == {
        ("win_rate", "all", ""): (Decimal("0.4583333333"), Decimal(231), Decimal(504), ""),
        ("mrr", "all", ""): (Decimal("-12.5"), None, None, ""),
        ("win_rate", "owner", awkward.value): (None, 0, 0, "no closed opportunities"),
    }
