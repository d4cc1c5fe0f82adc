"""Chasing stale sections: owners of due/overdue sections and the champions get an e-mail."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from playbook.models import OwnershipChange, Revision, Section
from playbook.reminders import send_review_reminders


def reviewed_days_ago(slug, days):
    Section.objects.filter(slug=slug).update(
        last_reviewed_at=timezone.now() - timedelta(days=days), review_interval_days=90
    )


@pytest.fixture
def everything_fresh(db):
    Section.objects.update(last_reviewed_at=timezone.now(), review_interval_days=90)


def test_owners_of_due_or_overdue_sections_and_the_champions_are_e_mailed(
    everything_fresh, personas, django_capture_on_commit_callbacks
):
    personas["other_owner"].email = ""  # an owner without an address gets no e-mail
    personas["other_owner"].save()
    reviewed_days_ago("target-audience", 120)  # owner's: overdue
    reviewed_days_ago("products-and-services", 80)  # other_owner's: due

    with django_capture_on_commit_callbacks(execute=True):
        assert send_review_reminders() == 3  # owner, other_owner (webhook only), champion
        assert send_review_reminders() == 0  # once a week
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"owner@example.com", "champion@example.com"}
    to_owner = by_recipient["owner@example.com"]
    assert "Target audience: Overdue" in to_owner.body
    assert "Products and services" not in to_owner.body
    assert "http://127.0.0.1:8000/playbook/target-audience/" in to_owner.body
    summary = by_recipient["champion@example.com"].body
    assert "Target audience: Overdue" in summary and "Products and services: Review due" in summary


def test_nothing_is_sent_when_every_section_is_fresh_and_nothing_happened(
    everything_fresh, personas
):
    # the seeded revisions and the personas' assignment happened "this week" in a test database
    Revision.objects.update(created_at=timezone.now() - timedelta(days=30))
    OwnershipChange.objects.all().delete()
    assert send_review_reminders() == 0
    assert mail.outbox == []


def test_the_command_can_show_the_e_mails_without_sending(
    everything_fresh, personas, capsys, django_capture_on_commit_callbacks
):
    reviewed_days_ago("target-audience", 100)
    call_command("send_review_reminders", "--dry-run")
    assert "To: owner@example.com" in capsys.readouterr().out
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_review_reminders")
    assert sorted(m.to[0] for m in mail.outbox) == ["champion@example.com", "owner@example.com"]
