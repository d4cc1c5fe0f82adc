"""Reads for playbook pages, with their joins applied: templates trigger no queries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    Flag,
    MetricLink,
    OwnershipChange,
    Reading,
    Revision,
    Section,
    SectionVisit,
    Watch,
)
from .permissions import editable_section_ids

DUE_SOON = timedelta(days=14)


class ReviewStatus:
    FRESH = "fresh"
    DUE = "due"
    OVERDUE = "overdue"
    LABELS = {
        FRESH: _("Fresh"),
        DUE: _("Review due"),
        OVERDUE: _("Overdue"),
    }


def review_due_at(section: Section) -> datetime:
    """When the next review is due: the interval after the last review (or after creation)."""
    since = section.last_reviewed_at or section.created_at
    return since + timedelta(days=section.review_interval_days)


def review_requested(section: Section) -> bool:
    """A metric it depends on moved (playbook.metric_reviews) and nobody reviewed it since."""
    requested = section.review_requested_at
    reviewed = section.last_reviewed_at
    return requested is not None and (reviewed is None or reviewed < requested)


def review_status(section: Section, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    due_at = review_due_at(section)
    if now >= due_at:
        return ReviewStatus.OVERDUE
    if now >= due_at - DUE_SOON or review_requested(section):
        return ReviewStatus.DUE
    return ReviewStatus.FRESH


def status_fresh_until(sections: Iterable[Section], *, now: datetime) -> datetime | None:
    """The first moment after `now` at which the review status of one of `sections` turns
    with time alone (fresh to due, due to overdue): what shows them is right until then."""
    turns = [
        moment
        for section in sections
        for moment in (review_due_at(section) - DUE_SOON, review_due_at(section))
        if moment > now
    ]
    return min(turns, default=None)


def _sections() -> QuerySet[Section]:
    return Section.objects.select_related(
        "owner",
        "last_reviewed_by",
        "current_revision",
        "current_revision__author",
        "parent",
        "parent__owner",
    )


def sections_with_people() -> QuerySet[Section]:
    """Sections and pages with their owner, last reviewer, current revision and section joined
    (one query)."""
    return _sections()


@dataclass
class SectionRow:
    section: Section
    status: str
    due_at: datetime
    can_edit: bool
    last_read: int | None = None  # the revision the viewer last read (None: never read it)

    @property
    def changed_since_read(self) -> bool:
        return self.last_read is not None and self.last_read < self.section.current_number

    @property
    def status_label(self) -> str:
        return ReviewStatus.LABELS[self.status]

    @property
    def is_stale(self) -> bool:
        return self.status != ReviewStatus.FRESH


def table_of_contents(*, user, now: datetime | None = None) -> list[SectionRow]:
    """Every section in order, each followed by its pages, with owner, current revision and its
    author, last reviewer and the revision the viewer last read (one query, and one or two for
    the viewer's edit rights)."""
    now = now or timezone.now()
    sections = list(
        _sections()
        .in_outline_order()
        .annotate(viewer_last_read=Subquery(_visits(user).values("revision_number")[:1]))
    )
    editable = editable_section_ids(user, sections)
    return [
        SectionRow(
            section=section,
            status=review_status(section, now=now),
            due_at=review_due_at(section),
            can_edit=section.pk in editable,
            last_read=section.viewer_last_read,
        )
        for section in sections
    ]


def _visits(user) -> QuerySet[SectionVisit]:
    return SectionVisit.objects.filter(section=OuterRef("pk"), user=user)


@dataclass(frozen=True)
class ReaderState:
    """One reader's own state on a section's page."""

    last_read: int | None  # the revision they saw at their last visit (None: a first visit)
    watching: bool
    read_revision_id: int | None  # their "I have read this" (None: never marked)
    read_number: int | None


def section_for_reader(*, slug: str, user) -> tuple[Section, ReaderState]:
    """A section or page as ``section_detail`` reads it, with the reader's last visit, whether
    they watch it and their "I have read this", in the same query."""
    reading = Reading.objects.filter(section=OuterRef("pk"), user=user)
    section = get_object_or_404(
        _sections().annotate(
            reader_last_read=Subquery(_visits(user).values("revision_number")[:1]),
            reader_watching=Exists(Watch.objects.filter(section=OuterRef("pk"), user=user)),
            reader_read_revision_id=Subquery(reading.values("revision_id")[:1]),
            reader_read_number=Subquery(reading.values("revision__number")[:1]),
        ),
        slug=slug,
    )
    state = ReaderState(
        last_read=section.reader_last_read,
        watching=section.reader_watching,
        read_revision_id=section.reader_read_revision_id,
        read_number=section.reader_read_number,
    )
    return section, state


def stale_sections(*, now: datetime | None = None) -> list[Section]:
    """Sections and pages due or overdue for review, in playbook order, with their owners."""
    now = now or timezone.now()
    return [
        section
        for section in _sections().in_outline_order()
        if review_status(section, now=now) != ReviewStatus.FRESH
    ]


def recent_revisions(*, limit: int = 12) -> list[Revision]:
    """The latest changes across the playbook, newest first (one query)."""
    return list(
        Revision.objects.select_related("section", "author").order_by("-created_at", "-pk")[:limit]
    )


def pages_of(*, section: Section) -> list[Section]:
    """A section's pages in the order its owner set, with what the list shows (one query)."""
    return list(
        section.pages.select_related(
            "owner", "current_revision", "current_revision__author"
        ).order_by("position", "pk")
    )


def section_detail(*, slug: str) -> Section:
    return get_object_or_404(_sections(), slug=slug)


def section_history(*, section: Section) -> list[Revision]:
    return list(
        Revision.objects.filter(section=section)
        .select_related("author", "restored_from")
        .order_by("-number")
    )


def revision_by_number(*, section: Section, number: int) -> Revision:
    try:
        return Revision.objects.select_related("author").get(section=section, number=number)
    except Revision.DoesNotExist:
        raise Http404(_("No such revision.")) from None


def open_flags(*, section: Section) -> list[Flag]:
    """The section's unresolved flags, oldest first, with who raised them (one query)."""
    return list(
        Flag.objects.filter(section=section, resolved_at__isnull=True)
        .select_related("raised_by")
        .order_by("created_at", "pk")
    )


def ownership_history(*, section: Section) -> list[OwnershipChange]:
    """Every change of the section's owner, newest first (one query)."""
    return list(
        OwnershipChange.objects.filter(section=section)
        .select_related("previous_owner", "new_owner", "changed_by")
        .order_by("-created_at", "-pk")
    )


def metric_links(*, section: Section) -> list[MetricLink]:
    """The metrics the section depends on, in name order of their keys (one query)."""
    return list(MetricLink.objects.filter(section=section).order_by("metric_key"))
