"""Playbook notifications and the Monday e-mails are written in each recipient's language: the
dates below are Django's own Russian formats, so these checks hold without the portal's
catalogues."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from playbook import review_queue
from playbook.reminders import review_reminders
from playbook.selectors import review_due_at
from revops_portal.notifications.models import Notification
from revops_portal.profiles.models import Profile


def russian_date(section) -> str:
    with translation.override("ru"):
        return date_format(review_due_at(section))  # "5 ноября 2025 г."


@pytest.fixture
def overdue(section, personas):
    Profile.objects.create(user=personas["owner"], language="ru")
    section.last_reviewed_at = timezone.now() - timedelta(days=400)
    section.save(update_fields=["last_reviewed_at"])
    return section


@pytest.mark.django_db
def test_a_champions_reminder_reaches_the_owner_in_the_owners_language(overdue, personas):
    assert review_queue.remind_owner(section=overdue, reminded_by=personas["champion"])
    told = Notification.objects.get(recipient=personas["owner"], key__startswith="remind:")
    due = russian_date(overdue)
    assert " г." in due and due in told.body


@pytest.mark.django_db
def test_the_owners_monday_reminder_dates_its_sections_the_owners_way(overdue, personas):
    [reminder] = [r for r in review_reminders() if r.recipient == personas["owner"]]
    due = russian_date(overdue)
    assert " г." in due and due in reminder.body
    [digest] = [r for r in review_reminders() if r.recipient == personas["champion"]]
    assert due not in digest.body  # the champion chose no language: the site's English
