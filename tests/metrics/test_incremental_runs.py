"""Incremental runs (issue 10): after an import, a run computes only the periods the imported
records can change and copies the others from the latest run; its values equal a full run's."""

from datetime import date

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from metrics import incremental, services
from metrics.importing.options import ImportOptions
from metrics.importing.services import import_records
from metrics.models import KeptStamp, MetricRun, MetricValue, Opportunity, Subscription
from metrics.periods import Period

from .factories import MetricValueFactory, make_book

pytestmark = pytest.mark.django_db

MARK = " [carried]"


@pytest.fixture
def book():
    make_book(12)  # 36 opportunities, 24 subscriptions, 36 leads, 36 spend rows, teams...
    return services.compute_now(trigger="command")


def _import(kind: str, csv: str) -> MetricRun:
    """Import the file as a person would; compute the run it queued, as the worker would."""
    outcome = import_records(data=csv.encode(), options=ImportOptions(kind=kind))
    assert outcome.rows_written and not outcome.errors
    run = MetricRun.objects.get(status=MetricRun.Status.QUEUED)
    assert services.compute_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == MetricRun.Status.SUCCEEDED
    return run


def _values(run) -> dict:
    return {
        (v.key, v.period_kind, v.period_start, v.period_end, v.cut_kind, v.cut_value): (
            v.value,
            v.numerator,
            v.denominator,
            v.undefined_reason.removesuffix(MARK),
        )
        for v in MetricValue.objects.of_run(run)
    }


def _mark(run) -> None:
    """Mark every value of the run: the next run's copies of them keep the mark."""
    MetricValue.objects.of_run(run).update(
        undefined_reason=Concat(F("undefined_reason"), Value(MARK))
    )


def _computed_periods(run) -> set[tuple]:
    """The periods the run computed: the values it copied carry the mark set on the base run's."""
    return set(
        MetricValue.objects.of_run(run)
        .exclude(undefined_reason__endswith=MARK)
        .values_list("period_kind", "period_start", "period_end")
        .distinct()
    )


def _periods_overlapping(*ranges) -> set[tuple]:
    return {
        (p.kind, p.start, p.end)
        for p in services.periods_to_compute()
        if incremental.overlaps(p, list(ranges))
    }


def _check(base: MetricRun, kind: str, csv: str, expected: set[tuple] | None) -> None:
    """Import `csv`: the incremental run equals a full run, and computed `expected` only (the
    rest copied)."""
    _mark(base)
    incremental_run = _import(kind, csv)
    # The full run fills the kept totals whole (the import kept them current by its keys).
    KeptStamp.objects.all().delete()
    full_run = services.compute_now(trigger="command")

    assert _values(incremental_run) == _values(full_run)
    if expected is not None:
        assert _computed_periods(incremental_run) == expected


# One record of about a hundred changes in each import below.


def test_a_lead_changes_the_periods_it_was_created_and_converted_in(book):
    csv = "external_id,created_date,source,qualified_date,converted_date\n"
    csv += "NEW-LEAD,2017-10-03,Events,2017-10-05,2017-11-20\n"
    expected = _periods_overlapping(
        (date(2017, 10, 3), date(2017, 10, 4)), (date(2017, 11, 20), date(2017, 11, 21))
    )
    _check(book, "leads", csv, expected)


def test_a_spend_row_changes_its_month_only(book):
    csv = "month,channel,category,amount\n2017-05,Events,marketing,5000\n"
    _check(book, "spend", csv, _periods_overlapping((date(2017, 5, 1), date(2017, 5, 2))))


def test_a_lost_deal_changes_the_periods_from_its_creation_on(book):
    deal = Opportunity.objects.filter(status="open").order_by("external_id").first()
    csv = "external_id,name,status,created_date,close_date,amount\n"
    csv += f"{deal.external_id},x,lost,{deal.created_date},2017-12-01,10\n"
    # Open before the change: it was in every open pipeline from its creation on.
    _check(book, "opportunities", csv, _periods_overlapping((deal.created_date, None)))


def test_a_subscription_changes_the_periods_from_its_start_on(book):
    subscription = Subscription.objects.order_by("-start_date").select_related("account").first()
    csv = "external_id,account,mrr,start_date,end_date\n"
    csv += f"{subscription.external_id},{subscription.account.external_id},1234.5,"
    csv += f"{subscription.start_date},\n"
    _check(book, "subscriptions", csv, _periods_overlapping((subscription.start_date, None)))


def test_a_first_won_deal_moves_new_customers_and_the_acquisition_channel(book):
    # An earlier won deal from another channel: the account becomes a customer earlier, and
    # its recurring revenue moves to that channel in every period.
    account = Opportunity.objects.filter(status="won").order_by("external_id").first().account
    csv = "external_id,account,name,status,created_date,close_date,amount,source\n"
    csv += f"EARLY,{account.external_id},x,won,2017-01-02,2017-01-03,500,Webinar\n"
    _check(book, "opportunities", csv, None)


def test_a_first_won_deal_moved_later_to_another_channel_moves_its_account_from_before(book):
    # The account's first won deal, created later now and from another (known) channel: the
    # account's first records are read after the write (metrics/incremental.py `_first_days`),
    # and the run still equals a full one.
    first = (
        Opportunity.objects.filter(status="won", account__isnull=False)
        .order_by("account_id", "close_date", "created_date", "external_id")
        .select_related("account")
        .first()
    )
    channel = "Events" if first.source != "Events" else "Referral"
    csv = "external_id,account,name,status,created_date,close_date,amount,source\n"
    csv += f"{first.external_id},{first.account.external_id},x,won,{first.close_date},"
    csv += f"{first.close_date},{first.amount},{channel}\n"
    _check(book, "opportunities", csv, None)


def test_a_segment_and_a_team_change_move_records_between_cuts(book):
    _check(book, "accounts", "external_id,name,segment\nB3,B3,Enterprise\n", None)
    base = MetricRun.objects.filter(status="succeeded").order_by("-started_at").first()
    _check(base, "teams", "owner,team\nAna,West\n", None)


def test_a_new_channel_is_a_new_cut_so_every_period_is_computed(book):
    # Spend changes its month only, but a channel no run has had yet is a cut in every period.
    csv = "month,channel,category,amount\n2017-05,Podcasts,marketing,5000\n"
    every_period = {(p.kind, p.start, p.end) for p in services.periods_to_compute()}
    _check(book, "spend", csv, every_period)


def test_importing_the_same_records_again_computes_nothing(book):
    csv = "month,channel,category,amount\n2017-05,Events,marketing,1234.56\n"  # as stored
    _mark(book)
    # Spend's key holds its month: re-importing it recomputes that month, nothing more.
    run = _import("spend", csv)
    assert _computed_periods(run) == _periods_overlapping((date(2017, 5, 1), date(2017, 5, 2)))


def test_a_run_with_unknown_changes_computes_every_period(book):
    _mark(book)
    run = services.request_recompute(trigger=MetricRun.Trigger.MANUAL)
    assert run.changes is None
    services.compute_run(run_id=run.pk)
    assert _computed_periods(run) == {
        (p.kind, p.start, p.end) for p in services.periods_to_compute()
    }


def test_changes_waiting_in_the_queue_add_up_and_unknown_ones_absorb_them():
    june = [["2017-06-01", "2017-06-02"]]
    waiting = services.request_recompute(trigger="import", changes=june)
    services.request_recompute(trigger="import", changes=[["2017-06-02", None]])
    waiting.refresh_from_db()
    assert waiting.changes == [["2017-06-01", None]]
    services.request_recompute(trigger="manual")
    waiting.refresh_from_db()
    assert waiting.changes is None


def test_a_failed_runs_changes_are_computed_by_the_next_run(book):
    _mark(book)
    # Requested after the base started, failed: the base's figures lack its changes.
    MetricRun.objects.create(
        trigger="import",
        status=MetricRun.Status.FAILED,
        started_at=timezone.now(),
        changes=[["2017-03-05", "2017-03-06"]],
    )
    run = services.request_recompute(trigger="import", changes=[["2017-08-05", "2017-08-06"]])
    services.compute_run(run_id=run.pk)
    march, august = Period.month(2017, 3), Period.month(2017, 8)
    computed = _computed_periods(run)
    assert ("month", march.start, march.end) in computed
    assert ("month", august.start, august.end) in computed


def test_periods_the_run_no_longer_covers_are_not_carried_over(book):
    gone = Period(date(2016, 1, 4), date(2016, 1, 11), "week")
    # The base run also shows a week the records no longer reach (the weeks moved on).
    MetricValueFactory(run=book, period_kind="week", period_start=gone.start, period_end=gone.end)
    run = services.request_recompute(trigger="import", changes=[])
    services.compute_run(run_id=run.pk)
    assert not MetricValue.objects.of_run(run).filter(period_start=gone.start).exists()
    assert MetricValue.objects.of_run(run).count() == MetricValue.objects.of_run(book).count() - 1
