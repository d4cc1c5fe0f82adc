"""The Monday e-mails: each active owner whose sections are due or overdue for review is told,
and the champions get a digest of the playbook's week: stale sections, the week's changes, new
and open flags, ownership changes. Sent through the notification layer (once per ISO week)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from revops_portal.notifications import kinds
from revops_portal.notifications.services import notify

from .models import Flag, OwnershipChange, Revision
from .permissions import active_champions
from .selectors import ReviewStatus, review_due_at, review_status, stale_sections
from .templatetags.playbook_people import person

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Reminder:
    recipient: object  # a user
    role: str  # "owner" or "champion": one of each per user and week at most
    subject: str
    body: str


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _line(section, now) -> str:
    status = ReviewStatus.LABELS[review_status(section, now=now)]
    url = _url(reverse("playbook:section", args=[section.slug]))
    return f"- {section.full_title}: {status} (due {review_due_at(section):%d %b %Y}) {url}"


def _week_in_the_playbook(now: datetime) -> list[str]:
    """The champion digest's extra parts: changes, flags, ownership changes (a few queries)."""
    since = now - WEEK
    parts = []
    changes = Revision.objects.filter(created_at__gte=since).select_related(
        "section__parent", "author"
    )
    lines = [
        f"- {r.section.title} #{r.number} by {r.author_name}"
        + (f": {r.change_note}" if r.change_note else "")
        + (" (minor)" if r.minor else "")
        + (
            " "
            + _url(reverse("playbook:diff", args=[r.section.slug]))
            + f"?from={r.number - 1}&to={r.number}"
            if r.number > 1
            else ""
        )
        for r in sorted(changes, key=lambda r: (r.section.outline_key, r.number))
    ]
    if lines:
        parts.append("Changes this week:\n" + "\n".join(lines))
    flags = list(
        Flag.objects.filter(resolved_at__isnull=True)
        .select_related("section", "raised_by")
        .order_by("created_at", "pk")
    )
    if flags:
        parts.append(
            "Open flags:\n"
            + "\n".join(
                f"- {f.section.title}: {f.comment[:200]} ({person(f.raised_by, 'someone')}, "
                f"{f.created_at:%d %b}{', new this week' if f.created_at >= since else ''})"
                for f in flags
            )
        )
    moves = OwnershipChange.objects.filter(created_at__gte=since).select_related(
        "section", "previous_owner", "new_owner"
    )
    lines = [
        f"- {c.section.title}: {person(c.previous_owner)} → {person(c.new_owner)}"
        + (
            " (owner deactivated: needs a new owner)"
            if c.reason == c.Reason.OWNER_DEACTIVATED
            else ""
        )
        for c in moves.order_by("created_at", "pk")
    ]
    if lines:
        parts.append("Ownership changes:\n" + "\n".join(lines))
    return parts


def review_reminders(*, now: datetime | None = None) -> list[Reminder]:
    """What to send now: one reminder per active owner with stale sections, one digest per
    champion when anything is stale or happened this week."""
    now = now or timezone.now()
    sections = stale_sections(now=now)
    by_owner = defaultdict(list)
    for section in sections:
        owner = section.responsible_owner  # a page without an owner: its section's
        if owner and owner.is_active:  # a leaver's sections fell back already
            by_owner[owner].append(section)
    reminders = [
        Reminder(
            owner,
            "owner",
            f"Playbook: {len(owned)} of your sections need a review",
            "These playbook sections you own are due or overdue for review. Read them, "
            "update what changed, then press “Mark reviewed”:\n\n"
            + "\n".join(_line(s, now) for s in owned),
        )
        for owner, owned in sorted(by_owner.items(), key=lambda item: item[0].pk)
    ]
    parts = []
    if sections:
        parts.append(
            "Due or overdue for review:\n"
            + "\n".join(
                _line(s, now) + f" — owner: {person(s.responsible_owner)}" for s in sections
            )
        )
    parts += _week_in_the_playbook(now)
    if parts:
        reminders += [
            Reminder(
                champion,
                "champion",
                f"Playbook: {len(sections)} sections need a review; the week in the playbook",
                "\n\n".join(parts) + "\n\nThe review queue: " + _url(reverse("playbook:reviews")),
            )
            for champion in sorted(active_champions(), key=lambda user: user.pk)
        ]
    return reminders


def send_review_reminders(*, now: datetime | None = None) -> int:
    """Hand this week's reminders to the notification layer; returns how many were recorded
    (none the second time in a week)."""
    now = now or timezone.now()
    week = now.strftime("%G-W%V")
    recorded = 0
    for reminder in review_reminders(now=now):
        recorded += len(
            notify(
                recipients=[reminder.recipient],
                kind=kinds.REVIEW_REMINDER,
                key=f"weekly-review:{week}:{reminder.role}",
                subject=reminder.subject,
                body=reminder.body,
            )
        )
    return recorded
