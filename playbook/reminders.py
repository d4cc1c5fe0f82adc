"""Chasing stale sections: a weekly e-mail to each owner whose sections are due or overdue for
review, and a summary to the playbook champions."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers
from django.urls import reverse

from .permissions import CHAMPIONS_GROUP
from .selectors import ReviewStatus, review_due_at, review_status, stale_sections


@dataclass(frozen=True)
class Reminder:
    recipient: str
    subject: str
    body: str


def _line(section, now) -> str:
    status = ReviewStatus.LABELS[review_status(section, now=now)]
    url = settings.SITE_URL.rstrip("/") + reverse("playbook:section", args=[section.slug])
    return f"- {section.title}: {status} (due {review_due_at(section):%d %b %Y}) {url}"


def review_reminders(*, now: datetime | None = None) -> list[Reminder]:
    """The e-mails to send now: one per owner with stale sections, one per champion."""
    sections = stale_sections(now=now)
    if not sections:
        return []
    by_owner = defaultdict(list)
    for section in sections:
        if section.owner and section.owner.email:
            by_owner[section.owner.email].append(section)
    reminders = [
        Reminder(
            email,
            f"Playbook: {len(owned)} of your sections need a review",
            "These playbook sections you own are due or overdue for review. Read them, "
            "update what changed, then press “Mark reviewed”:\n\n"
            + "\n".join(_line(s, now) for s in owned),
        )
        for email, owned in sorted(by_owner.items())
    ]
    champions = (
        get_user_model()
        .objects.filter(groups__name=CHAMPIONS_GROUP, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    summary = "\n".join(
        _line(s, now)
        + f" — owner: {s.owner.get_full_name() or s.owner.username if s.owner else 'nobody'}"
        for s in sections
    )
    reminders += [
        Reminder(email, f"Playbook: {len(sections)} sections need a review", summary)
        for email in sorted(champions)
    ]
    return reminders


def send_review_reminders(*, now: datetime | None = None) -> int:
    """Send the reminders; returns how many e-mails went out."""
    messages = [
        EmailMessage(r.subject, r.body, settings.DEFAULT_FROM_EMAIL, [r.recipient])
        for r in review_reminders(now=now)
    ]
    return mailers.default.send_messages(messages) if messages else 0
