"""Value sets (issue 10, benchmark 4): an incremental run shows the earlier run's value sets for
the periods it did not compute instead of copying their values. Each run stays a complete
snapshot: its figures equal a full run's, an older run keeps its own, a failed run changes no
other run's, and pruning keeps every value a kept run shows."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from metrics import run_values, services
from metrics.calculations.figures import Figure
from metrics.cuts import Cut
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.models import MetricRun, MetricRunPeriod, MetricValue, MetricValueSet, Opportunity
from metrics.periods import Period

from .conftest import snapshot
from .factories import make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    make_book(12)
    return services.compute_now(trigger="command")


def _won_deal_csv(day: str, amount: int) -> str:
    """A deal won on `day`: a change that moves a few recent periods only."""
    account = Opportunity.objects.order_by("external_id").first().account
    return (
        "external_id,account,name,status,created_date,close_date,amount,source\n"
        f"DAY-{day}-{amount},{account.external_id},x,won,{day},{day},{amount},Webinar\n"
    )


def _import_and_run(csv: str) -> MetricRun:
    outcome = import_records(data=csv.encode(), options=ImportOptions(kind="opportunities"))
    assert outcome.rows_written and not outcome.errors
    run = MetricRun.objects.get(status=MetricRun.Status.QUEUED)
    assert services.compute_run(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_an_incremental_run_writes_only_the_periods_it_computes(book):
    values_before = MetricValue.objects.count()
    run = _import_and_run(_won_deal_csv("2017-12-20", 700))
    computed = MetricRunPeriod.objects.filter(run=run).exclude(
        value_set__in=MetricRunPeriod.objects.filter(run=book).values("value_set")
    )
    # A deal won in late December moves that week, month, quarter and year; the run shows
    # every period, each from one set.
    assert computed.count() == 4
    assert MetricRunPeriod.objects.filter(run=run).count() == len(services.periods_to_compute())
    new_values = sum(MetricValue.objects.filter(value_set=p.value_set).count() for p in computed)
    assert MetricValue.objects.count() - values_before == new_values
    # Its figures equal a full run's, value for value.
    assert snapshot(run) == snapshot(services.compute_now(trigger="command"))


def test_an_older_run_keeps_its_own_figures_after_a_newer_run_shares_its_sets(book):
    before = snapshot(book)
    run = _import_and_run(_won_deal_csv("2017-12-20", 700))
    assert snapshot(run) != before  # the new deal shows in the new run ...
    assert snapshot(book) == before  # ... and not in the older one


def test_a_run_failing_half_way_leaves_every_other_runs_figures_intact(book, monkeypatch):
    before = snapshot(book)
    Opportunity.objects.filter(pk=Opportunity.objects.order_by("pk").first().pk).update(amount=1)
    run = services.request_recompute(trigger="import", changes=[["2017-01-01", None]])
    calls = []

    def fail_on_the_third(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return store(*args, **kwargs)

    store = run_values.store
    monkeypatch.setattr(run_values, "store", fail_on_the_third)
    with pytest.raises(RuntimeError):
        services.compute_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == MetricRun.Status.FAILED
    assert snapshot(book) == before
    # Pruning drops the failed run's own sets, never the base's it showed too.
    services.prune_old_runs()
    assert not MetricRunPeriod.objects.filter(run=run).exists()
    assert snapshot(book) == before


def test_pruning_keeps_every_value_a_kept_run_shows(book):
    book_sets = set(MetricRunPeriod.objects.filter(run=book).values_list("value_set", flat=True))
    runs, expected = [], {}
    for day, amount in (("2017-12-18", 100), ("2017-12-19", 200), ("2017-12-20", 300)):
        run = _import_and_run(_won_deal_csv(day, amount))  # each run prunes the runs before
        runs.append(run)
        expected[run.pk] = snapshot(run)
    # The oldest run is dropped; the sets of its periods nobody recomputed stay, shown by every
    # later run; those of the four periods the next run recomputed are gone.
    assert not MetricRunPeriod.objects.filter(run=book).exists()
    left = book_sets & set(MetricValueSet.objects.values_list("pk", flat=True))
    assert len(book_sets) - len(left) == 4
    assert {run.pk: snapshot(run) for run in runs} == expected
    # Every set left is shown by a kept run: nothing else stays behind.
    assert not MetricValueSet.objects.filter(run_periods=None).exists()
    kept_sets = MetricRunPeriod.objects.filter(run__in=runs).values("value_set")
    assert (
        MetricValue.objects.count() == MetricValue.objects.filter(value_set__in=kept_sets).count()
    )
    # Pruning again finds nothing to delete.
    assert services.prune_old_runs() == 0


def test_a_redelivered_run_drops_only_its_own_partial_sets(book):
    before = snapshot(book)
    run = services.request_recompute(trigger="import", changes=[["2017-12-20", "2017-12-21"]])
    # A first attempt died after showing the base's sets and writing one period of its own.
    shared = MetricRunPeriod.objects.filter(run=book).first()
    MetricRunPeriod.objects.create(
        run=run,
        value_set=shared.value_set,
        period_kind=shared.period_kind,
        period_start=shared.period_start,
        period_end=shared.period_end,
    )
    MetricRun.objects.filter(pk=run.pk).update(
        status=MetricRun.Status.RUNNING, started_at=timezone.now(), attempts=1
    )
    assert services.compute_run(run_id=run.pk)
    assert snapshot(book) == before
    assert snapshot(run) == before


@pytest.mark.django_db(transaction=True)
def test_the_migration_puts_each_runs_values_in_a_set_per_period():
    executor = MigrationExecutor(connection)
    before = [("metrics", "0022_opportunity_fewer_indexes")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldRun = old_apps.get_model("metrics", "MetricRun")
    OldValue = old_apps.get_model("metrics", "MetricValue")
    runs = [OldRun.objects.create(trigger="command", status="succeeded") for _ in range(2)]
    for run in runs:
        for month, key in ((6, "win_rate"), (6, "arr"), (7, "win_rate")):
            OldValue.objects.create(
                run=run,
                key=key,
                period_kind="month",
                period_start=f"2017-{month:02d}-01",
                period_end=f"2017-{month + 1:02d}-01",
                value=run.pk,
            )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    for run in runs:
        shown = MetricValue.objects.of_run(run.pk)
        assert sorted(shown.values_list("key", "period_start__month", "value")) == sorted(
            [("arr", 6, run.pk), ("win_rate", 6, run.pk), ("win_rate", 7, run.pk)]
        )
        assert MetricRunPeriod.objects.filter(run_id=run.pk).count() == 2


def test_storing_a_period_the_run_shows_from_another_run_leaves_that_runs_figures(book):
    # An overlapping attempt carried over a period this attempt computes: the base's set is
    # never written, not even a figure it lacks; a period stored with it, in the run's own
    # set, is.
    before = snapshot(book)
    run = services.request_recompute(trigger="import", changes=[])
    run_values.carry_over(run, book, skipped=[])
    shown = MetricRunPeriod.objects.filter(run=run).order_by("pk").first()
    period = Period(shown.period_start, shown.period_end, shown.period_kind)
    own = Period.month(2031, 1)  # a period the base run lacks
    figures = {Cut("segment", "Nowhere"): {"won_count": Figure(value=Decimal(99))}}
    run_values.store(run, {period: figures, own: figures})
    assert snapshot(book) == before
    written = MetricValue.objects.of_run(run).filter(cut_value="Nowhere")
    assert list(written.values_list("period_start", "value")) == [(own.start, 99)]
