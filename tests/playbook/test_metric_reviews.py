"""Metric-triggered reviews: a successful run that moves a linked metric past its threshold
makes the section due once, with its reason, and tells the owner; one that doesn't, doesn't."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from metrics.models import MetricRun
from metrics.periods import MONTH, last_complete
from metrics.signals import run_succeeded
from playbook.models import MetricLink, MetricTrigger, Section
from playbook.selectors import ReviewStatus, review_status
from tests.metrics.factories import MetricRunFactory, MetricValueFactory


def run_with(values: dict[str, tuple[str, str]]):
    """A succeeded run with, per metric, (month before, last complete month) values."""
    run = MetricRunFactory()
    month = last_complete(MONTH, timezone.localdate())
    for key, (before, now) in values.items():
        for period, value in ((month.previous(), before), (month, now)):
            MetricValueFactory(
                run=run, key=key, period_start=period.start, period_end=period.end, value=value
            )
    return run, month


def finish(run):
    run_succeeded.send(sender=MetricRun, run=run)  # what metrics.services.compute_run sends


@pytest.fixture
def fresh_links(db, personas, section, other_section):
    Section.objects.update(last_reviewed_at=timezone.now(), review_interval_days=90)
    MetricLink.objects.create(section=section, metric_key="win_rate")
    MetricLink.objects.create(section=other_section, metric_key="avg_deal_size")
    MetricLink.objects.create(
        section=other_section, metric_key="sales_cycle_days", threshold=Decimal("50")
    )


@pytest.mark.django_db
def test_a_run_past_the_threshold_makes_the_section_due_once_with_its_reason(
    fresh_links, client_as, section, django_capture_on_commit_callbacks
):
    run, month = run_with({"win_rate": ("0.63", "0.55")})  # 8 points down
    with django_capture_on_commit_callbacks(execute=True):
        finish(run)
        finish(run)  # the same run again: nothing more
        finish(run_with({"win_rate": ("0.63", "0.55")})[0])  # a later run, same month: nothing
    reason = f"Win rate fell from 63 % to 55 % in {month.code()}"
    assert list(MetricTrigger.objects.values_list("reason", flat=True)) == [reason]
    section.refresh_from_db()
    assert section.review_request_reason == reason
    assert review_status(section) == ReviewStatus.DUE
    [message] = mail.outbox
    assert message.to == ["owner@example.com"] and reason in message.subject

    page = client_as("reader").get(reverse("playbook:section", args=[section.slug])).text
    assert reason in page and "Win rate" in page and "more than 5 points" in page
    queue = client_as("champion").get(reverse("playbook:reviews")).text
    assert reason in queue

    client_as("owner").post(reverse("playbook:review", args=[section.slug]))
    section.refresh_from_db()
    assert review_status(section) == ReviewStatus.FRESH  # reviewed since the move


@pytest.mark.django_db
def test_moves_within_the_thresholds_change_nothing(
    fresh_links, other_section, django_capture_on_commit_callbacks
):
    run, _ = run_with(
        {
            "win_rate": ("0.63", "0.59"),  # 4 points: under 5
            "avg_deal_size": ("20000", "21900"),  # 9.5 %: under 10 %
            "sales_cycle_days": ("40", "55"),  # 37.5 %: under this link's 50 %
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        finish(run)
    assert not MetricTrigger.objects.exists()
    assert mail.outbox == []
    assert not Section.objects.filter(review_requested_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_relative_move_of_a_money_metric_triggers_and_a_review_before_it_does_not_hide_it(
    fresh_links, other_section
):
    Section.objects.filter(pk=other_section.pk).update(
        last_reviewed_at=timezone.now() - timedelta(days=1)
    )
    run, month = run_with({"avg_deal_size": ("23391.43", "30324")})
    finish(run)
    other_section.refresh_from_db()
    assert other_section.review_request_reason == (
        f"Average deal size rose from $23,391 to $30,324 in {month.code()}"
    )
    assert review_status(other_section) == ReviewStatus.DUE


@pytest.mark.django_db
def test_an_unknown_metric_key_is_refused_on_the_link(section):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        MetricLink(section=section, metric_key="vibes").full_clean()
