"""Flags (anyone raises, owner/champion resolves, told once), the champion's review queue and
an owner's own (/playbook/mine/), reminders from the queue, the freshness figure and trend."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from playbook import review_queue
from playbook.models import Flag, FreshnessSnapshot, Section
from revops_portal.notifications.models import Notification

from .conftest import PERSONAS

RESOLVERS = {"owner", "champion", "manager"}  # of section A (target-audience)


def flag_of(client, slug="target-audience", comment="The ICP table is from 2024", quote=""):
    return client.post(reverse("playbook:flag", args=[slug]), {"comment": comment, "quote": quote})


@pytest.mark.django_db
def test_a_reader_flags_a_section_the_owner_and_champion_are_told_once_and_everyone_sees_it(
    client_as, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = flag_of(client_as("reader"), quote="Mid-market, 50-500 employees")
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert flag.raised_by == personas["reader"] and flag.quote == "Mid-market, 50-500 employees"
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == ["champion@example.com", "owner@example.com"]
    assert "Mid-market, 50-500 employees" in mail.outbox[0].body
    assert Notification.objects.filter(key=f"flag:{flag.pk}").count() == 2

    page = client_as("other_owner").get(reverse("playbook:section", args=["target-audience"]))
    assert "Flagged as outdated or wrong" in page.text
    assert "The ICP table is from 2024" in page.text
    assert 'action="/playbook/flags/' not in page.text  # other_owner may not resolve
    owner_page = client_as("owner").get(reverse("playbook:section", args=["target-audience"]))
    assert f'action="/playbook/flags/{flag.pk}/resolve/"' in owner_page.text


@pytest.mark.django_db
def test_an_empty_or_overlong_flag_is_refused_with_the_form(client_as):
    client = client_as("reader")
    assert flag_of(client, comment="").status_code == 200
    assert flag_of(client, comment="x" * 2001).status_code == 200
    assert not Flag.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_owner_and_champions_resolve_and_a_refused_resolve_changes_nothing(
    client_as, personas, persona
):
    flag = Flag.objects.create(
        section=Section.objects.get(slug="target-audience"),
        raised_by=personas["reader"],
        comment="old",
    )
    response = client_as(persona).post(
        reverse("playbook:resolve_flag", args=[flag.pk]), {"note": "Updated the table"}
    )
    flag.refresh_from_db()
    if persona in RESOLVERS:
        assert response.status_code == 302
        assert flag.resolved_at is not None and flag.resolution_note == "Updated the table"
    else:
        assert response.status_code == (302 if persona == "anonymous" else 403)
        assert flag.resolved_at is None


@pytest.mark.django_db
def test_resolving_with_a_revision_tells_the_reporter_and_the_flag_disappears(
    client_as, personas, section, django_capture_on_commit_callbacks
):
    flag = Flag.objects.create(section=section, raised_by=personas["reader"], comment="old")
    client = client_as("champion")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("playbook:resolve_flag", args=[flag.pk]),
            {"fixed_in_revision": section.current_number, "return_to": "queue"},
        )
    assert response["Location"] == reverse("playbook:reviews")
    flag.refresh_from_db()
    assert flag.fixed_in_revision == section.current_number
    [message] = mail.outbox
    assert message.to == ["reader@example.com"]
    assert f"fixed in revision {section.current_number}" in message.subject
    page = client.get(reverse("playbook:section", args=[section.slug]))
    assert "Flagged as outdated or wrong" not in page.text
    # resolving again, or with a revision that does not exist, changes nothing
    client.post(reverse("playbook:resolve_flag", args=[flag.pk]), {"note": "again"})
    flag.refresh_from_db()
    assert flag.resolution_note == ""
    other = Flag.objects.create(section=section, raised_by=personas["reader"], comment="x")
    client.post(reverse("playbook:resolve_flag", args=[other.pk]), {"fixed_in_revision": 999})
    client.post(reverse("playbook:resolve_flag", args=[other.pk]), {"note": ""})
    other.refresh_from_db()
    assert other.resolved_at is None


def age_sections(days_by_slug):
    now = timezone.now()
    Section.objects.update(last_reviewed_at=now, review_interval_days=90)
    for slug, days in days_by_slug.items():
        Section.objects.filter(slug=slug).update(last_reviewed_at=now - timedelta(days=days))


@pytest.mark.django_db
def test_the_queue_lists_due_sections_with_days_open_flags_and_freshness_with_trend(
    client_as, personas, section
):
    age_sections({"target-audience": 100, "products-and-services": 80, "tone-of-voice": 95})
    Flag.objects.create(section=section, raised_by=personas["reader"], comment="Pricing moved")
    FreshnessSnapshot.objects.create(
        day=timezone.now().date() - timedelta(days=7), fresh=9, total=10
    )
    queue = review_queue.review_queue()
    assert [(row.section.slug, row.days) for row in queue.due] == [
        ("target-audience", 10),
        ("tone-of-voice", 5),
        ("products-and-services", -10),
    ]
    assert queue.freshness.fresh == 7 and queue.freshness.total == 10
    page = client_as("champion").get(reverse("playbook:reviews"))
    assert page.status_code == 200
    assert "70 % fresh" in page.text and "90 % 7 days ago" in page.text
    assert "10 overdue" in page.text and "Pricing moved" in page.text

    mine = client_as("owner").get(reverse("playbook:mine"))
    assert "Target audience" in mine.text and "Tone of voice" not in mine.text
    assert "Pricing moved" in mine.text
    assert "1 section" in mine.text  # freshness of the owner's own sections


@pytest.mark.django_db
def test_remind_from_the_queue_tells_the_owner_once_a_day(
    client_as, section, django_capture_on_commit_callbacks
):
    age_sections({"target-audience": 100})
    client = client_as("champion")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            response = client.post(
                reverse("playbook:remind", args=[section.slug]), {"return_to": "queue"}
            )
            assert response["Location"] == reverse("playbook:reviews")
    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert "please review “Target audience”" in message.subject


@pytest.mark.django_db
def test_record_freshness_writes_one_snapshot_a_day():
    age_sections({"target-audience": 100})
    review_queue.record_freshness()
    snapshot = review_queue.record_freshness()
    assert FreshnessSnapshot.objects.count() == 1
    assert (snapshot.fresh, snapshot.total) == (9, 10)
