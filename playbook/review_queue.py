"""The champion's review queue (/playbook/reviews/) and an owner's own (/playbook/mine/):
sections due or overdue, open flags, sections whose owner left; freshness with its trend."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from revops_portal.notifications import kinds
from revops_portal.notifications.services import notify

from .models import Flag, FreshnessSnapshot, Section
from .selectors import (
    ReviewStatus,
    review_due_at,
    review_requested,
    review_status,
    sections_with_people,
)

TREND_DAYS = (7, 30, 90)  # freshness compared with this many days ago


@dataclass
class DueRow:
    section: Section
    status: str
    due_at: datetime
    days: int  # days overdue (positive) or left until due (negative or zero)

    @property
    def status_label(self) -> str:
        return ReviewStatus.LABELS[self.status]

    @property
    def review_requested(self) -> bool:
        return review_requested(self.section)

    @property
    def owner_inactive(self) -> bool:
        return self.section.owner is not None and not self.section.owner.is_active


@dataclass
class Freshness:
    fresh: int
    total: int
    trend: list[tuple[int, FreshnessSnapshot | None]]  # (days ago, snapshot that day or None)

    @property
    def share(self) -> float:
        return self.fresh / self.total if self.total else 0.0


@dataclass
class Queue:
    sections: list[Section]  # every section and page the queue looked at, in playbook order
    due: list[DueRow]
    flags: list[Flag]
    to_reassign: list[Section]
    freshness: Freshness


def _freshness(statuses: list[str], today: date) -> Freshness:
    wanted = {today - timedelta(days=days): days for days in TREND_DAYS}
    snapshots = {s.day: s for s in FreshnessSnapshot.objects.filter(day__in=list(wanted))}
    return Freshness(
        fresh=sum(status == ReviewStatus.FRESH for status in statuses),
        total=len(statuses),
        trend=[(days, snapshots.get(day)) for day, days in wanted.items()],
    )


def review_queue(*, owner=None, now: datetime | None = None) -> Queue:
    """The queue for the champions, or only ``owner``'s sections (their own page)."""
    now = now or timezone.now()
    sections = sections_with_people()
    if owner is not None:  # theirs: what they own, and the unowned pages of their sections
        sections = sections.filter(Q(owner=owner) | Q(owner=None, parent__owner=owner))
    sections = list(sections.in_outline_order())
    statuses = [review_status(section, now=now) for section in sections]
    due = [
        DueRow(
            section=section,
            status=status,
            due_at=review_due_at(section),
            days=(now - review_due_at(section)).days,
        )
        for section, status in zip(sections, statuses, strict=True)
        if status != ReviewStatus.FRESH
    ]
    due.sort(key=lambda row: (-row.days, row.section.outline_key))
    flags = list(
        Flag.objects.filter(resolved_at__isnull=True, section__in=[s.pk for s in sections])
        .select_related("section__current_revision", "raised_by")
        .order_by("created_at", "pk")
    )
    to_reassign = [
        s for s in sections if s.needs_reassignment or (s.owner and not s.owner.is_active)
    ]
    return Queue(
        sections=sections,
        due=due,
        flags=flags,
        to_reassign=to_reassign,
        freshness=_freshness(statuses, now.date()),
    )


def record_freshness(*, now: datetime | None = None) -> FreshnessSnapshot:
    now = now or timezone.now()
    statuses = [review_status(s, now=now) for s in Section.objects.all()]
    snapshot, _created = FreshnessSnapshot.objects.update_or_create(
        day=now.date(),
        defaults={
            "fresh": sum(status == ReviewStatus.FRESH for status in statuses),
            "total": len(statuses),
        },
    )
    return snapshot


@transaction.atomic
def remind_owner(*, section: Section, reminded_by, now: datetime | None = None) -> bool:
    """Tell the section's owner to review it (once a day at most); False if nobody to tell."""
    now = now or timezone.now()
    owner = section.responsible_owner
    if owner is None or not owner.is_active:
        return False
    status = review_status(section, now=now)

    def body():  # in the owner's language, the date too (notify calls it for the recipient)
        names = {
            "person": reminded_by.get_full_name() or reminded_by.get_username(),
            "section": section.title,
            "status": ReviewStatus.LABELS[status],
            "due": date_format(review_due_at(section)),
        }
        return (
            _(
                "%(person)s asks you to review “%(section)s” (%(status)s, due %(due)s). Read it, "
                "update what changed, then press “Mark reviewed”."
            )
            % names
        )

    notify(
        recipients=[owner],
        kind=kinds.REVIEW_REMINDER,
        key=f"remind:{section.pk}:{now.date().isoformat()}",
        subject=lambda: _("Playbook: please review “%(section)s”") % {"section": section.title},
        body=body,
        url=reverse("playbook:section", args=[section.slug]),
    )
    return True
