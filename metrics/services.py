"""Metric runs: request a recomputation, compute a run, sweep runs the broker never got.

A run writes its MetricValue rows (in value sets of its own, metrics/run_values.py) while it is
"running"; pages read only the latest SUCCEEDED run, so its figures become visible at once when
it is marked succeeded, and a run that fails or is killed part-way leaves the previous run's
figures in place (it never writes into a set another run shows).
"""

from __future__ import annotations

import logging
import os
import time
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import calculations, catalog, incremental, queueing, run_values, signals
from .cuts import Cut
from .models import (
    Forecast,
    Lead,
    MetricRun,
    Opportunity,
    Spend,
    Subscription,
    WeeklyReview,
)
from .periods import (
    CUSTOM,
    STANDARD_KINDS,
    WEEK,
    WEEKS_COMPUTED,
    Period,
    covering,
    plausible_range,
)

logger = logging.getLogger(__name__)

KEEP_SUCCEEDED_RUNS = 3
# A run's periods are stored in this many transactions, a COPY each, its progress moving after
# each: not one a period (a lock, a commit and a progress update each: 77 took 0.2 s at 1m).
STORES_PER_RUN = 10
# A run of this many periods or fewer (a day's import) is stored in one: its commits and
# progress updates would cost more than the progress they show (6 stores 45 ms, one 33, at 1m).
ONE_STORE_UP_TO = 8
_A_WEEK = timedelta(days=7)


def request_recompute(*, trigger: str, requested_by=None, changes: list | None = None) -> MetricRun:
    """The queued run that will recompute every metric; sent to the workers on commit.

    `changes`: the date ranges the records changed in (metrics/incremental.py), so that the
    run computes only the periods they can move; None (unknown): every period.

    Coalesced: at most one run waits in the queue (a database constraint), and it computes
    from the records as they are when it starts, so it covers every import that finished
    before then. A request while a run waits returns that run; a request while a run is
    computing queues one follow-up (the running one may have read the records before the
    change), which later requests share.

    Never raises for a broker fault: the run then stays queued with no `enqueued_at`, and
    `sweep_stale_runs` sends it when the broker is back.
    """
    for _attempt in range(5):
        try:
            with transaction.atomic():
                waiting = (
                    MetricRun.objects.select_for_update()
                    .filter(status=MetricRun.Status.QUEUED)
                    .first()
                )
                if waiting is not None:
                    combined = incremental.union(waiting.changes, changes)
                    if combined != waiting.changes:
                        waiting.changes = combined
                        waiting.save(update_fields=["changes"])
                    queueing.send_again_if_lost(queueing.COMPUTE_METRICS_RUN, MetricRun, waiting.pk)
                    return waiting
                run = MetricRun(trigger=trigger, requested_by=requested_by, changes=changes)
                # The one-queued-run constraint is the database's to enforce, at the insert.
                run.full_clean(validate_constraints=False)
                run.save()
                queueing.enqueue_on_commit(queueing.COMPUTE_METRICS_RUN, MetricRun, run.pk)
                return run
        except IntegrityError:
            continue  # another request queued one first: share it
    raise RuntimeError("Could not queue a recomputation: the queue kept changing.")


# --- Computing a run --------------------------------------------------------------------------


def data_range(*, today: date | None = None) -> tuple[date, date] | None:
    """The first and last record dates, or None when there are no records.

    Bounded by the plausible range (a stray record dated 0001-01-01 or 9999-12-31 moves
    neither end past it) and the last day capped at today.
    """
    today = today or timezone.localdate()
    earliest, latest = plausible_range(today)
    found = []
    for model, fields in [
        (Opportunity, ["created_date", "close_date"]),
        (Subscription, ["start_date", "end_date"]),
        (Spend, ["month"]),
        (Forecast, ["period_start", "period_end"]),
        (Lead, ["created_date", "converted_date"]),
    ]:
        aggregates = {}
        for field in fields:
            aggregates[f"min_{field}"] = Min(field)
            aggregates[f"max_{field}"] = Max(field)
        found += [v for v in model.objects.aggregate(**aggregates).values() if v is not None]
    if not found:
        return None
    first = min(max(min(found), earliest), latest)
    last = min(max(found), today, latest)
    return first, max(first, last)


def periods_to_compute(*, today: date | None = None, extra: Period | None = None) -> list[Period]:
    """Every month, quarter and year the records cover, their last WEEKS_COMPUTED ISO weeks
    (plus an extra standard period)."""
    span = data_range(today=today)
    periods: list[Period] = []
    if span is not None:
        first, last = span
        for kind in STANDARD_KINDS:
            if kind == WEEK:
                # A run's time grows with its periods: every week of the records would
                # quadruple it, so runs keep the recent weeks the weekly review and charts use.
                first_week = Period.containing(last, WEEK).start - (WEEKS_COMPUTED - 1) * _A_WEEK
                periods += covering(WEEK, max(first, first_week), last)
            else:
                periods += covering(kind, first, last)
    if extra is not None and extra.kind != CUSTOM and extra not in periods:
        periods.append(extra)
    return periods


def cuts_to_compute() -> list[Cut]:
    return (
        [calculations.ALL_CUT]
        + [Cut.segment(s) for s in calculations.segments()]
        # Channels: the accounts' acquisition channels, spend's and the leads' sources.
        + [Cut.channel(c) for c in sorted({*calculations.channels(), *calculations.lead_sources()})]
        + [Cut(catalog.INDUSTRY, i) for i in calculations.industries()]
        + [Cut(catalog.OWNER, o) for o in calculations.owners()]
        + [Cut(catalog.TEAM, t) for t in calculations.teams()]
    )


def _pause_between_stores() -> None:
    """Test hook: METRICS_TEST_DELAY_SECONDS (a setting, or the environment of a worker) slows
    a run down so that a test can kill its worker mid-job. Unset in real use."""
    delay = float(
        getattr(settings, "METRICS_TEST_DELAY_SECONDS", None)
        or os.environ.get("METRICS_TEST_DELAY_SECONDS")
        or 0
    )
    if delay:
        time.sleep(delay)


def stale_after() -> timedelta:
    """A run "running" for longer than this was killed: the hard time limit ends any task sooner."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 300)


class Superseded(Exception):
    """A newer attempt took the run over (a redelivery); this one stops without a trace."""


def _claim(run_id: int) -> int | None:
    """Mark the run running and return this attempt's number, or None if there is nothing to do.

    A succeeded run is never computed again. Any other run is taken over, even one that is
    "running": a message is delivered again only when its worker died (the worker-lost
    rejection, or the visibility timeout, which exceeds the hard time limit). The attempt
    number fences off an older attempt should one still be alive.
    """
    with transaction.atomic():
        run = MetricRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            logger.warning("Metric run %s does not exist (deleted?): nothing to compute.", run_id)
            return None
        if run.status == MetricRun.Status.SUCCEEDED:
            logger.info("Metric run %s already succeeded: not computed again.", run_id)
            return None
        attempt = run.attempts + 1
        MetricRun.objects.filter(pk=run_id).update(
            status=MetricRun.Status.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            attempts=attempt,
            progress=0,
            error="",
        )
        return attempt


def compute_run(
    *,
    run_id: int,
    today: date | None = None,
    extra_period: Period | None = None,
    only_period: Period | None = None,
    full: bool = False,
) -> bool:
    """Compute every metric for every covered period and cut into the run; idempotent.

    Incremental (metrics/incremental.py) unless `full`: when every change since the latest
    succeeded run is known, only the periods they can move are computed, and the others'
    values copied from that run. `only_period` is computed too (the command's --period); with
    nothing else changed, it is the only one. A redelivered run deletes its own partial values
    first; a succeeded run is left alone. Returns True when this call completed the run.
    """
    attempt = _claim(run_id)
    if attempt is None:
        return False
    run = MetricRun.objects.get(pk=run_id)
    current = MetricRun.objects.filter(pk=run_id, attempts=attempt)
    try:
        if attempt > 1:
            run_values.forget([run_id])  # a redelivered run's partial values
        periods = periods_to_compute(today=today, extra=extra_period or only_period)
        cuts = cuts_to_compute()
        base, computing, dropped = (
            (None, periods, []) if full else incremental.plan(run, periods, cuts)
        )
        if base is not None:
            if only_period is not None and only_period not in computing:
                computing.append(only_period)
            run_values.carry_over(run, base, skipped=[*computing, *dropped])
        logger.info(
            "Metric run %s computes %s of %s periods%s.",
            run_id,
            len(computing),
            len(periods),
            f" (the others from run {base.pk})" if base is not None else "",
        )
        # Every period and cut at once: six queries, however many periods and cut values.
        computed = calculations.compute_many(computing, cuts)
        sets = run_values.value_sets(run, computing)
        step = (  # periods a store, rounded up
            max(1, len(computing))
            if len(computing) <= ONE_STORE_UP_TO
            else -(-len(computing) // STORES_PER_RUN)
        )
        for first in range(0, len(computing), step):
            storing = computing[first : first + step]
            run_values.store(
                run,
                {period: {cut: computed[period, cut] for cut in cuts} for period in storing},
                sets=sets,
            )
            stored = first + len(storing)
            if not current.update(progress=min(99, stored * 100 // len(computing))):
                raise Superseded
            _pause_between_stores()
        if not current.filter(status=MetricRun.Status.RUNNING).update(
            status=MetricRun.Status.SUCCEEDED, progress=100, finished_at=timezone.now()
        ):
            raise Superseded
    except Superseded:
        logger.info("Metric run %s attempt %s was superseded by a newer one.", run_id, attempt)
        return False
    except BaseException as exc:
        logger.exception("Metric run %s failed.", run_id)
        try:
            current.update(
                status=MetricRun.Status.FAILED,
                finished_at=timezone.now(),
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        except Exception:  # the database itself may be what failed
            logger.exception("Could not record the failure of metric run %s.", run_id)
        raise
    prune_old_runs()
    # Listeners (playbook.metric_reviews) must not undo a succeeded run: their faults are logged.
    for receiver, result in signals.run_succeeded.send_robust(sender=MetricRun, run=run):
        if isinstance(result, Exception):
            logger.error("After metric run %s, %s failed: %r", run_id, receiver, result)
    return True


def prune_old_runs(*, keep: int = KEEP_SUCCEEDED_RUNS) -> int:
    """Drop failed runs, and succeeded runs other than the last `keep` and those a weekly review
    froze: their value sets that no kept run shows are deleted with their values."""
    kept = list(
        MetricRun.objects.filter(status=MetricRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .values_list("pk", flat=True)[:keep]
    )
    # A weekly review shows its frozen run's figures for good: those values stay too.
    reviewed = WeeklyReview.objects.values("run_id")
    dropped = (
        MetricRun.objects.filter(status__in=[MetricRun.Status.SUCCEEDED, MetricRun.Status.FAILED])
        .exclude(pk__in=kept)
        .exclude(pk__in=reviewed)
        .values("pk")
    )
    return run_values.forget(dropped)


def compute_now(
    *, trigger: str, requested_by=None, period: Period | None = None, only: bool = False
) -> MetricRun:
    """Compute a run here and now (the command, the demo): every period (`period` added if not
    covered), or with `only` that period and what changed since the latest run (the other
    periods carried over from it).

    Not queued, so it neither waits for nor replaces a queued run: it is running at once.
    """
    now = timezone.now()
    run = MetricRun(
        trigger=trigger,
        requested_by=requested_by,
        status=MetricRun.Status.RUNNING,
        enqueued_at=now,
        started_at=now,
        changes=[],  # requested for no change of records of its own
    )
    run.full_clean()
    run.save()
    if only and period is not None:
        compute_run(run_id=run.pk, only_period=period)
    else:
        compute_run(run_id=run.pk, extra_period=period, full=True)
    run.refresh_from_db()
    return run


def sweep_stale_runs(*, stale: timedelta | None = None) -> list[int]:
    """Re-send the queued run if the broker never got it or lost it, and deal with runs stuck
    "running" past any task's time limit.

    A run still "running" `stale` after it started (default: the hard time limit and five
    minutes) lost its worker: it goes back to the queue, or fails if another run is queued
    (that one covers it). A queued run sent longer than `stale` ago was lost by the broker.
    Returns the ids sent to the broker.
    """
    cutoff = timezone.now() - (stale_after() if stale is None else stale)
    stuck = MetricRun.objects.filter(status=MetricRun.Status.RUNNING, started_at__lte=cutoff)
    for run_id in stuck.order_by("pk").values_list("pk", flat=True):
        _requeue_or_fail(run_id)
    unsent = MetricRun.objects.filter(status=MetricRun.Status.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)
    )
    sent = []
    for run_id in unsent.order_by("pk").values_list("pk", flat=True):
        if not queueing.enqueue(queueing.COMPUTE_METRICS_RUN, MetricRun, run_id):
            break  # the broker is still down: try again at the next sweep
        sent.append(run_id)
    return sent


def _requeue_or_fail(run_id: int) -> None:
    # Written by the sweep (no request): in the site's language, LANGUAGE_CODE.
    still_running = MetricRun.objects.filter(pk=run_id, status=MetricRun.Status.RUNNING)
    try:
        with transaction.atomic():
            still_running.update(
                status=MetricRun.Status.QUEUED,
                enqueued_at=None,
                error=_("Re-queued: the worker computing it stopped."),
            )
    except IntegrityError:  # a run is queued already
        waiting = MetricRun.objects.filter(status=MetricRun.Status.QUEUED).first()
        still_running.update(
            status=MetricRun.Status.FAILED,
            finished_at=timezone.now(),
            error=(
                _("The worker computing it stopped; queued run %(run)s covers it.")
                % {"run": waiting.pk}
                if waiting
                else _("The worker computing it stopped; the run queued since covers it.")
            ),
        )
