"""Metric runs: idempotent computation, redelivery, failure part-way, sweep, pruning, and a
broker that cannot be reached (in-process; the real-worker versions are in test_worker.py)."""

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from metrics import incremental, services
from metrics.models import MetricRun, MetricValue, MetricValueSet
from metrics.periods import parse
from metrics.selectors import latest_successful_run, period_report

from .conftest import celery_pointed_at, snapshot
from .factories import (
    AccountFactory,
    MetricRunFactory,
    MetricValueFactory,
    OpportunityFactory,
    SpendFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_book():
    smb = AccountFactory(segment="SMB")
    ent = AccountFactory(segment="Enterprise")
    OpportunityFactory(
        account=smb, created_date=date(2017, 1, 5), close_date=date(2017, 2, 10), source="Events"
    )
    OpportunityFactory(
        account=ent, created_date=date(2017, 2, 1), close_date=date(2017, 3, 3), source="Referral"
    )
    OpportunityFactory(
        account=ent, status="lost", created_date=date(2017, 1, 1), close_date=date(2017, 2, 1)
    )
    SubscriptionFactory(account=smb, mrr=Decimal(100), start_date=date(2017, 2, 11))
    SubscriptionFactory(
        account=ent, mrr=Decimal(500), start_date=date(2017, 3, 4), end_date=date(2017, 5, 1)
    )
    SpendFactory(month=date(2017, 2, 1), channel="Events", amount=Decimal("250.00"))


def test_computing_twice_gives_identical_values(small_book):
    first = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    second = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    assert first.status == second.status == MetricRun.Status.SUCCEEDED
    assert snapshot(first) == snapshot(second)
    assert len(snapshot(first)) == MetricValue.objects.of_run(first).count() > 0


def test_a_full_run_stores_in_ten_transactions_and_a_few_periods_in_one(small_book, monkeypatch):
    stores = []
    monkeypatch.setattr(services, "_pause_between_stores", lambda: stores.append(1))
    full = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    periods = full.periods.count()
    per_store = -(-periods // services.STORES_PER_RUN)
    assert periods > services.ONE_STORE_UP_TO
    assert len(stores) == -(-periods // per_store)
    stores.clear()
    # A change on one day: its week, month, quarter and year, stored at once.
    day = incremental.to_json([(date(2017, 3, 6), date(2017, 3, 7))])
    run = services.request_recompute(trigger=MetricRun.Trigger.MANUAL, changes=day)
    assert services.compute_run(run_id=run.pk)
    computed = run.periods.exclude(value_set__in=full.periods.values("value_set")).count()
    assert 1 < computed <= services.ONE_STORE_UP_TO
    assert stores == [1]
    assert snapshot(run) == snapshot(full)


def test_a_run_covers_every_week_month_quarter_and_year_and_every_cut(small_book):
    run = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    # Records span 2017-01-01 (a Sunday, in 2016-W52) .. 2017-05-01 (the Monday of 2017-W18):
    # 19 ISO weeks, 5 months, 2 quarters, 1 year.
    periods = set(
        MetricValue.objects.of_run(run).values_list("period_kind", "period_start").distinct()
    )
    assert {kind for kind, _ in periods} == {"week", "month", "quarter", "year"}
    assert len([1 for kind, _ in periods if kind == "month"]) == 5
    weeks = sorted(start for kind, start in periods if kind == "week")
    assert (len(weeks), weeks[0], weeks[-1]) == (19, date(2016, 12, 26), date(2017, 5, 1))
    cuts = set(MetricValue.objects.of_run(run).values_list("cut_kind", "cut_value").distinct())
    assert cuts == {
        ("all", ""),
        ("segment", "SMB"),
        ("segment", "Enterprise"),
        ("channel", "Events"),
        ("channel", "Referral"),
        # The factories' one industry and one owner (pipeline metrics only).
        ("industry", "Software"),
        ("owner", "Alex Owner"),
    }
    assert run.progress == 100
    assert run.finished_at is not None


def test_a_redelivered_succeeded_run_is_not_computed_again(small_book):
    run = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    before = snapshot(run)
    finished_at = run.finished_at
    assert services.compute_run(run_id=run.pk) is False
    run.refresh_from_db()
    assert run.finished_at == finished_at
    assert snapshot(run) == before
    assert MetricValue.objects.of_run(run).count() == len(before)


def test_a_redelivered_half_done_run_replaces_its_partial_values(small_book):
    reference = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    # A worker died part-way long ago: the run is still "running" with a few partial values.
    stalled = MetricRunFactory(
        status=MetricRun.Status.RUNNING,
        started_at=timezone.now() - services.stale_after() - timedelta(minutes=1),
        finished_at=None,
        attempts=1,
    )
    MetricValueFactory(
        run=stalled,
        key="win_rate",
        period_start=date(2017, 2, 1),
        period_end=date(2017, 3, 1),
        value=Decimal(7),
    )
    assert services.compute_run(run_id=stalled.pk) is True
    stalled.refresh_from_db()
    assert (stalled.status, stalled.attempts) == (MetricRun.Status.SUCCEEDED, 2)
    assert snapshot(stalled) == snapshot(reference)
    assert MetricValue.objects.of_run(stalled).count() == len(snapshot(reference))


def test_a_delivery_overlapping_a_live_attempt_takes_over_and_the_older_one_stops(
    small_book, monkeypatch
):
    reference = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    run = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
    deliveries = []

    def second_delivery_mid_run():  # the same run delivered again while attempt 1 is mid-way
        if not deliveries:
            deliveries.append(None)
            deliveries[0] = services.compute_run(run_id=run.pk)

    monkeypatch.setattr(services, "_pause_between_stores", second_delivery_mid_run)
    assert services.compute_run(run_id=run.pk) is False  # attempt 1: superseded, stops quietly
    assert deliveries == [True]  # attempt 2 completed the run
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == (MetricRun.Status.SUCCEEDED, 2, "")
    assert snapshot(run) == snapshot(reference)
    assert MetricValue.objects.of_run(run).count() == len(snapshot(reference))
    # Attempt 1 wrote nothing into the sets attempt 2 dropped: every value has its set.
    assert not MetricValue.objects.exclude(value_set__in=MetricValueSet.objects.all()).exists()


def test_a_run_that_fails_part_way_leaves_the_previous_figures_visible(small_book, monkeypatch):
    previous = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    shown = period_report(parse("2017-03"))
    OpportunityFactory(created_date=date(2017, 3, 1), close_date=date(2017, 3, 2))  # changes March
    calls = []

    def crash_after_two_periods():  # simulates the process dying mid-run
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker crashed")

    monkeypatch.setattr(services, "_pause_between_stores", crash_after_two_periods)
    failing = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
    with pytest.raises(RuntimeError):
        services.compute_run(run_id=failing.pk)
    failing.refresh_from_db()
    assert failing.status == MetricRun.Status.FAILED
    assert "worker crashed" in failing.error
    assert MetricValue.objects.of_run(failing).exists()  # partial values, invisible
    assert latest_successful_run() == previous
    assert period_report(parse("2017-03")) == shown


def test_the_request_enqueues_only_after_commit(small_book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        try:
            with transaction.atomic():
                services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
    assert len(callbacks) == 1
    run.refresh_from_db()
    # Eager mode (no broker configured): the run computed in-process once it was sent.
    assert run.status == MetricRun.Status.SUCCEEDED
    assert run.enqueued_at is not None


def test_an_unreachable_broker_leaves_the_run_queued_and_answers_fast(
    small_book, django_capture_on_commit_callbacks
):
    # Nothing listens on port 1: a real connection refusal, not a mock.
    with celery_pointed_at("redis://127.0.0.1:1/0"):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            run = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
        elapsed = time.monotonic() - started
        assert elapsed < 2
        run.refresh_from_db()
        assert (run.status, run.enqueued_at) == (MetricRun.Status.QUEUED, None)
        assert services.sweep_stale_runs() == []  # still down: still waiting
    # The broker is back (eager stands in for it here; test_worker.py uses a real one).
    assert services.sweep_stale_runs() == [run.pk]
    run.refresh_from_db()
    assert run.status == MetricRun.Status.SUCCEEDED
    assert run.enqueued_at is not None


def test_recompute_now_answers_fast_without_an_error_when_the_broker_is_down(
    client, small_book, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.metrics.dashboard_support import make_persona

    client.force_login(make_persona("manager"))
    with celery_pointed_at("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("metrics:recompute"))
        elapsed = time.monotonic() - started
    assert response.status_code == 302 and elapsed < 2
    run = MetricRun.objects.get(trigger=MetricRun.Trigger.MANUAL)
    assert (run.status, run.enqueued_at) == (MetricRun.Status.QUEUED, None)  # the sweep sends it


def test_the_sweep_requeues_a_run_whose_worker_died(small_book):
    dead = MetricRunFactory(
        status=MetricRun.Status.RUNNING,
        started_at=timezone.now() - services.stale_after() - timedelta(minutes=1),
        finished_at=None,
    )
    alive = MetricRunFactory(
        status=MetricRun.Status.RUNNING, started_at=timezone.now(), finished_at=None
    )
    assert services.sweep_stale_runs() == [dead.pk]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == MetricRun.Status.SUCCEEDED
    assert alive.status == MetricRun.Status.RUNNING


def test_old_runs_values_are_pruned_keeping_the_last_three(small_book):
    runs = [services.compute_now(trigger=MetricRun.Trigger.COMMAND) for _ in range(5)]
    with_values = {run.pk for run in runs if MetricValue.objects.of_run(run).exists()}
    assert with_values == {run.pk for run in runs[-3:]}
    # Nothing else is kept: each value is in a set a kept run shows.
    assert MetricValue.objects.count() == sum(
        MetricValue.objects.of_run(run).count() for run in runs[-3:]
    )


def test_a_stray_record_dated_year_1_makes_the_run_compute_no_period_before_the_earliest_date(
    small_book, settings
):
    # Imports reject such dates; one written some other way must still not make a run
    # compute ~34,000 periods: the run stays within metrics.periods.plausible_range().
    settings.METRICS_EARLIEST_DATE = "2016-07-01"
    OpportunityFactory(created_date=date(1, 1, 1), close_date=date(1, 1, 2))
    SubscriptionFactory(start_date=date(1, 1, 1), end_date=date(2017, 3, 1))
    run = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    assert run.status == MetricRun.Status.SUCCEEDED
    values = MetricValue.objects.of_run(run)
    # Every period overlaps the plausible range; the first month is the earliest date's.
    assert min(values.values_list("period_end", flat=True)) > date(2016, 7, 1)
    assert min(values.filter(period_kind="month").values_list("period_start", flat=True)) == (
        date(2016, 7, 1)
    )
    # 2016-07 .. 2017-05, where the other records end: 11 months, 4 quarters, 2 years and
    # the last 26 weeks.
    periods = set(values.values_list("period_kind", "period_start"))
    assert len(periods) == 11 + 4 + 2 + 26


def test_records_dated_only_beyond_the_plausible_range_compute_a_bounded_run(settings):
    settings.METRICS_YEARS_AHEAD = 1
    OpportunityFactory(created_date=date(9999, 1, 1), close_date=date(9999, 2, 1))
    periods = services.periods_to_compute(today=date(2026, 6, 15))
    assert periods and len(periods) <= 4  # one week, month, quarter and year at the far end
    assert max(period.start for period in periods) <= date(2027, 6, 15)
