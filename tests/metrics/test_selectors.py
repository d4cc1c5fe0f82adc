"""period_report: every catalogue key, the stored figures of the latest successful run,
custom ranges computed on demand, and clear reasons for what is missing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone

from metrics import catalog, cuts, services
from metrics.cuts import Cut
from metrics.models import MetricRun
from metrics.periods import Period, parse
from metrics.selectors import (
    cut_values,
    latest_run_and_changes,
    latest_successful_run,
    number_text,
    period_report,
)
from playbook.models import Section, Watch
from revops_portal.kept import changes

from .factories import AccountFactory, MetricRunFactory, MetricValueFactory, OpportunityFactory

pytestmark = pytest.mark.django_db
JUNE = parse("2017-06")


@pytest.fixture
def june_deals():
    smb = AccountFactory(segment="SMB")
    # Won 1000 (30 days) and 2000 (10 days), lost 1, in June 2017.
    OpportunityFactory(
        account=smb,
        amount=Decimal(1000),
        created_date=date(2017, 5, 2),
        close_date=date(2017, 6, 1),
        source="Events",
    )
    OpportunityFactory(
        account=AccountFactory(segment="Enterprise"),
        amount=Decimal(2000),
        created_date=date(2017, 6, 10),
        close_date=date(2017, 6, 20),
        source="Referral",
    )
    OpportunityFactory(
        account=smb, status="lost", created_date=date(2017, 6, 1), close_date=date(2017, 6, 2)
    )


def test_the_report_has_the_agreed_shape_and_every_key(june_deals):
    run = services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    report = period_report(JUNE)
    assert set(report) == {"period", "cut", "computed_at", "metrics"}
    assert report["period"] == {"start": "2017-06-01", "end": "2017-07-01"}
    # One entry per cut kind a URL can name; only the one asked for has a value.
    assert report["cut"] == dict.fromkeys(["segment", "channel", "industry", "owner", "team"])
    assert report["computed_at"] == run.finished_at.isoformat()
    assert list(report["metrics"]) == list(catalog.KEYS)
    for entry in report["metrics"].values():
        assert set(entry) == {"value", "numerator", "denominator", "undefined_reason"}
    # 2 won of 3 closed; (1000 + 2000) / 2 = 1500; (30 + 10) / 2 = 20 days.
    assert report["metrics"]["win_rate"] == {
        "value": "0.6666666667",
        "numerator": "2",
        "denominator": "3",
        "undefined_reason": None,
    }
    assert report["metrics"]["avg_deal_size"]["value"] == "1500"
    assert report["metrics"]["sales_cycle_days"]["value"] == "20"
    assert report["metrics"]["mrr"]["value"] == "0"
    assert report["metrics"]["arpa"] == {
        "value": None,
        "numerator": "0",
        "denominator": "0",
        "undefined_reason": "no customers at the end of the period",
    }


def test_cuts_report_their_own_figures_and_mark_what_does_not_exist(june_deals):
    services.compute_now(trigger=MetricRun.Trigger.COMMAND)
    smb = period_report(JUNE, cut=Cut.segment("SMB"))
    assert smb["cut"] == {
        "segment": "SMB",
        "channel": None,
        "industry": None,
        "owner": None,
        "team": None,
    }
    assert smb["metrics"]["win_rate"]["value"] == "0.5"  # 1 won, 1 lost
    assert smb["metrics"]["spend"] == {
        "value": None,
        "numerator": None,
        "denominator": None,
        "undefined_reason": "not available for a segment cut",
    }
    events = period_report(JUNE, cut=Cut.channel("Events"))
    assert events["metrics"]["new_customers"]["value"] == "1"
    assert events["metrics"]["win_rate"]["undefined_reason"] == "not available for a channel cut"
    assert cut_values(latest_successful_run()) == {
        "segment": ["Enterprise", "SMB"],
        "channel": ["Events", "Referral"],
        "industry": ["Software"],
        "owner": ["Alex Owner"],
        "team": [],  # no teams records
    }
    with pytest.raises(ValueError):
        cuts.parse(segment="SMB", channel="Events")


def test_a_custom_range_is_computed_on_demand(june_deals):
    report = period_report(Period(date(2017, 6, 1), date(2017, 6, 15)))
    assert report["period"] == {"start": "2017-06-01", "end": "2017-06-15"}
    assert report["computed_at"] is not None
    # Only the 1000 deal (06-01) and the loss (06-02) close before 06-15.
    assert report["metrics"]["won_count"]["value"] == "1"
    assert report["metrics"]["win_rate"]["value"] == "0.5"
    assert list(report["metrics"]) == list(catalog.KEYS)


def test_the_report_reads_only_the_latest_successful_run():
    old = MetricRunFactory()
    MetricValueFactory(run=old, key="won_count", value=Decimal(5), numerator=None, denominator=None)
    MetricRunFactory(status=MetricRun.Status.FAILED)  # newer, but failed
    MetricRunFactory(status=MetricRun.Status.RUNNING)
    assert latest_successful_run() == old
    report = period_report(JUNE)
    assert report["metrics"]["won_count"]["value"] == "5"
    assert report["metrics"]["lost_count"]["undefined_reason"].startswith("not computed")


def test_a_runs_cut_values_are_read_once_and_never_served_to_another_run(
    django_assert_num_queries,
):
    cache.clear()
    first = MetricRunFactory()
    MetricValueFactory(run=first, cut_kind="segment", cut_value="SMB")
    with django_assert_num_queries(1):
        assert cut_values(first)["segment"] == ["SMB"]
    with django_assert_num_queries(0):  # the cut switcher of every later page
        assert cut_values(first)["segment"] == ["SMB"]
    # A newer run, or the same id finishing at another time (SQLite reuses a rolled-back id),
    # reads its own values.
    second = MetricRunFactory()
    MetricValueFactory(run=second, cut_kind="segment", cut_value="Enterprise")
    assert cut_values(second)["segment"] == ["Enterprise"]
    MetricValueFactory(run=first, cut_kind="industry", cut_value="Software")
    first.finished_at += timedelta(seconds=1)
    assert cut_values(first)["industry"] == ["Software"]
    # A run still writing its values is read anew each time.
    running = MetricRunFactory(status=MetricRun.Status.RUNNING)
    assert cut_values(running)["owner"] == []
    MetricValueFactory(run=running, cut_kind="owner", cut_value="Alex Owner")
    assert cut_values(running)["owner"] == ["Alex Owner"]
    cache.clear()


def test_without_any_run_every_figure_says_so():
    report = period_report(JUNE)
    assert report["computed_at"] is None
    assert {e["undefined_reason"] for e in report["metrics"].values()} == {
        "no computation has run yet"
    }


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (Decimal("0.6315005215"), "0.6315005215"),
        (Decimal("4238.0000000000"), "4238"),
        (Decimal("790"), "790"),
        (Decimal("7.9E+2"), "790"),
        (Decimal("0E-10"), "0"),
        (Decimal("-0.0927799093"), "-0.0927799093"),
        (None, None),
    ],
)
def test_numbers_are_written_without_noise(number, text):
    assert number_text(number) == text


def test_the_latest_run_and_the_change_counter_are_read_together_as_apart():
    reader = User.objects.create_user("reader")
    for reads in (changes.DASHBOARDS, changes.EVERYTHING):
        assert latest_run_and_changes(reads) == (None, changes.version(reads))
    assert latest_run_and_changes(changes.SECTION_PAGE, reader=reader) == (
        None,
        changes.version(changes.SECTION_PAGE, reader=reader),
    )
    at = timezone.now() - timedelta(days=1)
    older = MetricRunFactory(finished_at=at - timedelta(hours=1))
    tied = [MetricRunFactory(finished_at=at) for _ in range(2)]  # the higher id wins a tie
    MetricRunFactory(status=MetricRun.Status.FAILED, finished_at=at + timedelta(hours=1))
    MetricRunFactory(status=MetricRun.Status.RUNNING, finished_at=None)
    run, version = latest_run_and_changes(changes.DASHBOARDS)
    assert run == latest_successful_run() == tied[-1] != older
    assert run.finished_at == tied[-1].finished_at and run.status == MetricRun.Status.SUCCEEDED
    assert version == changes.version(changes.DASHBOARDS)
    Watch.objects.create(section=Section.objects.first(), user=reader)  # the reader's own
    run, version = latest_run_and_changes(changes.SECTION_PAGE, reader=reader)
    assert run == tied[-1] and version == changes.version(changes.SECTION_PAGE, reader=reader)
    assert version.own > 0
