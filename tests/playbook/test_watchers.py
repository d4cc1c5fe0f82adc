"""Watchers: told once per revision after commit (change note, author, diff link), minor
changes skipped; "changed since you last read it" per user; the champions' Monday digest."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from playbook import services
from playbook.models import Flag, Section, Watch
from playbook.reminders import send_review_reminders
from revops_portal.notifications.models import Notification


def save(section, author, body, minor=False, note="Updated the ICP table"):
    section = Section.objects.select_related("current_revision").get(pk=section.pk)
    return services.save_revision(
        section=section,
        author=author,
        title=section.title,
        body=body,
        change_note=note,
        base_number=section.current_number,
        minor=minor,
    )


@pytest.mark.django_db
def test_watchers_are_told_once_per_revision_after_commit_and_minor_changes_skip(
    client_as, personas, section, django_capture_on_commit_callbacks
):
    reader = personas["reader"]
    response = client_as("reader").post(reverse("playbook:watch", args=[section.slug]))
    assert response.status_code == 302
    assert Watch.objects.filter(section=section, user=personas["owner"]).exists()  # owners watch

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        revision = save(section, personas["champion"], "New text")
        assert mail.outbox == []  # not before the commit
    assert len(callbacks) == 2  # the reader and the owner; not the author
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"reader@example.com", "owner@example.com"}
    message = by_recipient["reader@example.com"]
    assert f"revision {revision.number}" in message.subject
    assert "Updated the ICP table" in message.body
    assert personas["champion"].get_full_name() in message.body
    diff = f"/playbook/target-audience/diff/?from={revision.number - 1}&to={revision.number}"
    assert diff in message.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        save(section, personas["champion"], "New text, typo fixed", minor=True)
    assert mail.outbox == []

    client_as("reader").post(reverse("playbook:watch", args=[section.slug]), {"watch": "0"})
    with django_capture_on_commit_callbacks(execute=True):
        save(section, personas["champion"], "Third")
    assert [m.to[0] for m in mail.outbox] == ["owner@example.com"]
    assert Notification.objects.filter(recipient=reader).count() == 1


@pytest.mark.django_db
def test_the_editor_saves_a_minor_change_without_telling_watchers(
    client_as, section, django_capture_on_commit_callbacks
):
    client = client_as("owner")
    client_as("reader").post(reverse("playbook:watch", args=[section.slug]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("playbook:edit", args=[section.slug]),
            {
                "title": section.title,
                "body": "typo",
                "change_note": "",
                "minor": "on",
                "base_number": section.current_number,
            },
        )
    section.refresh_from_db()
    assert section.current_revision.minor is True
    assert mail.outbox == []


@pytest.mark.django_db
def test_changed_since_you_last_read_it_is_per_user(client_as, personas, section):
    reader, other = client_as("reader"), client_as("other_owner")
    read_at = section.current_number
    reader.get(reverse("playbook:section", args=[section.slug]))  # the reader reads it
    save(section, personas["owner"], "Changed after the reader's visit")

    diff = f"/playbook/target-audience/diff/?from={read_at}&amp;to={read_at + 1}"
    toc = reader.get(reverse("playbook:index")).text
    assert "changed since you last read it" in toc and diff in toc
    assert "changed since you last read it" not in other.get(reverse("playbook:index")).text

    page = reader.get(reverse("playbook:section", args=[section.slug])).text
    assert f"you last read revision {read_at}" in page and diff in page
    again = reader.get(reverse("playbook:section", args=[section.slug])).text
    assert "changed since you last read it" not in again  # read now


@pytest.mark.django_db
def test_the_monday_digest_gains_changes_flags_and_ownership_changes(
    personas, section, django_capture_on_commit_callbacks
):
    Section.objects.update(last_reviewed_at=timezone.now(), review_interval_days=90)
    save(section, personas["owner"], "New", note="Added the EMEA segment")
    Flag.objects.create(section=section, raised_by=personas["reader"], comment="Prices changed")
    Flag.objects.create(
        section=section,
        raised_by=personas["reader"],
        comment="Old one",
        created_at=timezone.now() - timedelta(days=20),
    )
    get_user_model().objects.filter(pk=personas["other_owner"].pk).update(is_active=False)
    from playbook.leavers import release_sections_of_inactive_owners

    release_sections_of_inactive_owners()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_review_reminders()
    [digest] = [m for m in mail.outbox if m.to == ["champion@example.com"] and "week" in m.subject]
    body = digest.body
    assert "Changes this week:" in body and "Added the EMEA segment" in body
    assert "Prices changed" in body and "new this week" in body and "Old one" in body
    assert "Ownership changes:" in body
    assert "Products and services" in body and "owner deactivated" in body
