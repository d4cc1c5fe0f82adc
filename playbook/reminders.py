"""The Monday e-mails: each active owner whose sections are due or overdue for review is told,
and the champions get a digest of the playbook's week: stale sections, the week's changes, new
and open flags, ownership changes. Sent through the notification layer (once per ISO week),
each written in its recipient's language: the week is read once, then written per person."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from revops_portal.notifications import kinds
from revops_portal.notifications.services import notify
from revops_portal.profiles.languages import in_language_of

from .models import Flag, OwnershipChange, Revision, Section
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


@dataclass(frozen=True)
class Week:
    """What the champions' digest reports, read once for every champion."""

    since: datetime
    stale: list[Section]
    changes: list[Revision]
    open_flags: list[Flag]
    ownership_changes: list[OwnershipChange]

    @property
    def is_empty(self) -> bool:
        return not (self.stale or self.changes or self.open_flags or self.ownership_changes)


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _line(section, now) -> str:
    names = {
        "section": section.full_title,
        "status": ReviewStatus.LABELS[review_status(section, now=now)],
        "due": date_format(review_due_at(section)),
    }
    url = _url(reverse("playbook:section", args=[section.slug]))
    return "- " + _("%(section)s: %(status)s (due %(due)s)") % names + f" {url}"


def _read_week(now: datetime, stale: list[Section]) -> Week:
    """The week's changes, open flags and ownership changes (three queries)."""
    since = now - WEEK
    changes = Revision.objects.filter(created_at__gte=since).select_related(
        "section__parent", "author"
    )
    flags = (
        Flag.objects.filter(resolved_at__isnull=True)
        .select_related("section", "raised_by")
        .order_by("created_at", "pk")
    )
    moves = (
        OwnershipChange.objects.filter(created_at__gte=since)
        .select_related("section", "previous_owner", "new_owner")
        .order_by("created_at", "pk")
    )
    return Week(
        since=since,
        stale=stale,
        changes=sorted(changes, key=lambda r: (r.section.outline_key, r.number)),
        open_flags=list(flags),
        ownership_changes=list(moves),
    )


def _change_line(revision: Revision) -> str:
    line = "- " + _("%(section)s #%(number)s by %(author)s") % {
        "section": revision.section.title,
        "number": revision.number,
        "author": revision.author_name,
    }
    if revision.change_note:
        line += f": {revision.change_note}"
    if revision.minor:
        line += " (" + pgettext("a minor change", "minor") + ")"
    if revision.number > 1:
        diff = _url(reverse("playbook:diff", args=[revision.section.slug]))
        line += f" {diff}?from={revision.number - 1}&to={revision.number}"
    return line


def _flag_line(flag: Flag, since: datetime) -> str:
    names = {
        "person": person(flag.raised_by, pgettext("an unknown person", "someone")),
        "date": date_format(flag.created_at, "MONTH_DAY_FORMAT"),
    }
    if flag.created_at >= since:
        who = _("%(person)s, %(date)s, new this week") % names
    else:
        who = _("%(person)s, %(date)s") % names
    return f"- {flag.section.title}: {flag.comment[:200]} ({who})"


def _ownership_line(change: OwnershipChange) -> str:
    line = f"- {change.section.title}: {person(change.previous_owner)} → {person(change.new_owner)}"
    if change.reason == change.Reason.OWNER_DEACTIVATED:
        line += " " + _("(owner deactivated: needs a new owner)")
    return line


def _digest(week: Week, now: datetime) -> tuple[str, str]:
    """The champions' digest, in the current language."""
    parts = []
    if week.stale:
        parts.append(
            _("Due or overdue for review:")
            + "\n"
            + "\n".join(
                _line(s, now)
                + " — "
                + _("owner: %(owner)s") % {"owner": person(s.responsible_owner)}
                for s in week.stale
            )
        )
    if week.changes:
        parts.append(_("Changes this week:") + "\n" + "\n".join(map(_change_line, week.changes)))
    if week.open_flags:
        parts.append(
            _("Open flags:")
            + "\n"
            + "\n".join(_flag_line(flag, week.since) for flag in week.open_flags)
        )
    if week.ownership_changes:
        parts.append(
            _("Ownership changes:") + "\n" + "\n".join(map(_ownership_line, week.ownership_changes))
        )
    count = len(week.stale)
    subject = ngettext(
        "Playbook: %(count)s section needs a review; the week in the playbook",
        "Playbook: %(count)s sections need a review; the week in the playbook",
        count,
    ) % {"count": count}
    queue = _("The review queue: %(url)s") % {"url": _url(reverse("playbook:reviews"))}
    return subject, "\n\n".join(parts) + "\n\n" + queue


def _owner_reminder(owned: list[Section], now: datetime) -> tuple[str, str]:
    """An owner's reminder, in the current language."""
    subject = ngettext(
        "Playbook: %(count)s of your sections needs a review",
        "Playbook: %(count)s of your sections need a review",
        len(owned),
    ) % {"count": len(owned)}
    body = _(
        "These playbook sections you own are due or overdue for review. Read them, update what "
        "changed, then press “Mark reviewed”:"
    )
    return subject, body + "\n\n" + "\n".join(_line(s, now) for s in owned)


def review_reminders(*, now: datetime | None = None) -> list[Reminder]:
    """What to send now: one reminder per active owner with stale sections, one digest per
    champion when anything is stale or happened this week; each in its recipient's language."""
    now = now or timezone.now()
    sections = stale_sections(now=now)
    by_owner = defaultdict(list)
    for section in sections:
        owner = section.responsible_owner  # a page without an owner: its section's
        if owner and owner.is_active:  # a leaver's sections fell back already
            by_owner[owner].append(section)
    reminders = []
    for owner, owned in sorted(by_owner.items(), key=lambda item: item[0].pk):
        with in_language_of(owner):
            reminders.append(Reminder(owner, "owner", *_owner_reminder(owned, now)))
    week = _read_week(now, sections)
    if not week.is_empty:
        for champion in sorted(active_champions(), key=lambda user: user.pk):
            with in_language_of(champion):
                reminders.append(Reminder(champion, "champion", *_digest(week, now)))
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
