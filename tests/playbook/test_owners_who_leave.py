"""Owners who leave: deactivation hands their sections to a champion (marked for reassignment,
recorded in the ownership history, champions told); every owner change is recorded."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from playbook.leavers import release_sections_of_inactive_owners
from playbook.models import OwnershipChange, Section


@pytest.mark.django_db
def test_deactivating_an_owner_falls_back_to_the_champion_and_is_recorded(
    client_as, personas, section, django_capture_on_commit_callbacks
):
    owner, champion = personas["owner"], personas["champion"]
    with django_capture_on_commit_callbacks(execute=True):
        owner.is_active = False
        owner.save()  # the admin's "active" box, or SSO's leaver check
    section.refresh_from_db()
    assert section.owner == champion and section.needs_reassignment
    change = OwnershipChange.objects.filter(section=section).first()
    assert (change.previous_owner, change.new_owner, change.changed_by) == (owner, champion, None)
    assert change.reason == OwnershipChange.Reason.OWNER_DEACTIVATED
    [message] = mail.outbox  # the champion (also the new owner) is told once
    assert message.to == ["champion@example.com"]
    assert "was deactivated" in message.body

    history = client_as("reader").get(reverse("playbook:history", args=[section.slug]))
    assert "Owner deactivated: fell back to the champion" in history.text
    queue = client_as("champion").get(reverse("playbook:reviews"))
    assert 'aria-label="New owner of Target audience"' in queue.text


@pytest.mark.django_db
def test_reassigning_from_the_queue_clears_the_mark_and_records_who(
    client_as, personas, section, django_capture_on_commit_callbacks
):
    get_user_model().objects.filter(pk=personas["owner"].pk).update(is_active=False)
    assert release_sections_of_inactive_owners() == 1  # the daily check finds it
    reader = personas["reader"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("champion").post(
            reverse("playbook:owner", args=[section.slug]),
            {"owner": reader.pk, "return_to": "queue"},
        )
    assert response["Location"] == reverse("playbook:reviews")
    section.refresh_from_db()
    assert section.owner == reader and not section.needs_reassignment
    latest = OwnershipChange.objects.filter(section=section).first()
    assert (latest.new_owner, latest.changed_by) == (reader, personas["champion"])
    assert "reader@example.com" in [m.to[0] for m in mail.outbox]


@pytest.mark.django_db
def test_every_owner_change_is_recorded(personas, section):
    # the persona fixture assigned owner and other_owner; nothing else changed hands
    changes = OwnershipChange.objects.order_by("pk")
    assert [(c.section.slug, c.new_owner.username, c.changed_by.username) for c in changes] == [
        ("target-audience", "owner", "manager"),
        ("products-and-services", "other_owner", "manager"),
    ]
    assert release_sections_of_inactive_owners() == 0
    assert not Section.objects.filter(needs_reassignment=True).exists()
