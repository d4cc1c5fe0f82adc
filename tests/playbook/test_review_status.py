"""Review cadence: fresh, due within 14 days of the due date, overdue; marking reviewed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from playbook import selectors, services
from playbook.models import Section

NOW = timezone.now()


def section_reviewed(days_ago, interval=90):
    return Section(
        review_interval_days=interval,
        last_reviewed_at=NOW - timedelta(days=days_ago),
        created_at=NOW - timedelta(days=400),
    )


@pytest.mark.parametrize(
    ("days_ago", "status"),
    [
        (0, "fresh"),
        (75, "fresh"),  # due in 15 days
        (76, "due"),  # due in 14 days
        (89, "due"),
        (90, "overdue"),  # due today
        (200, "overdue"),
    ],
)
def test_the_status_follows_the_interval_since_the_last_review(days_ago, status):
    assert selectors.review_status(section_reviewed(days_ago), now=NOW) == status


def test_a_never_reviewed_section_counts_from_its_creation():
    section = Section(
        review_interval_days=30, last_reviewed_at=None, created_at=NOW - timedelta(days=31)
    )
    assert selectors.review_status(section, now=NOW) == "overdue"
    section.created_at = NOW - timedelta(days=1)
    assert selectors.review_status(section, now=NOW) == "fresh"


@pytest.mark.django_db
def test_the_table_of_contents_flags_stale_sections(client_as, section, other_section):
    Section.objects.filter(pk=section.pk).update(last_reviewed_at=NOW - timedelta(days=100))
    Section.objects.filter(pk=other_section.pk).update(last_reviewed_at=NOW - timedelta(days=80))
    html = client_as("reader").get(reverse("playbook:index")).content.decode()
    assert html.count('class="stale stale-overdue"') == 1
    assert html.count('class="stale stale-due"') == 1
    assert html.count('<span class="badge fresh"') == 8


@pytest.mark.django_db
def test_marking_reviewed_records_who_and_when_and_makes_the_section_fresh(
    client_as, section, personas
):
    Section.objects.filter(pk=section.pk).update(last_reviewed_at=NOW - timedelta(days=100))
    response = client_as("owner").post(reverse("playbook:review", args=[section.slug]))
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.last_reviewed_by == personas["owner"]
    assert timezone.now() - section.last_reviewed_at < timedelta(minutes=1)
    assert selectors.review_status(section) == "fresh"


@pytest.mark.django_db
def test_the_service_marks_reviewed(section, personas):
    services.mark_reviewed(section=section, reviewer=personas["champion"])
    assert Section.objects.get(pk=section.pk).last_reviewed_by == personas["champion"]
