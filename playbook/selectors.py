"""Reads for playbook pages, with their joins applied: templates trigger no queries."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Flag, MetricLink, OwnershipChange, Revision, Section
from .permissions import editable_section_ids

DUE_SOON = timedelta(days=14)
SEARCH_MAX_QUERY = 200
SEARCH_MAX_TERMS = 8
SNIPPET_RADIUS = 90
# Markers around search hits: private-use characters that never occur in normal text.
MARK_START, MARK_STOP = "\ue000", "\ue001"


class ReviewStatus:
    FRESH = "fresh"
    DUE = "due"
    OVERDUE = "overdue"
    LABELS = {FRESH: "Fresh", DUE: "Review due", OVERDUE: "Overdue"}


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
    author, last reviewer (one query, and one for the viewer's edit rights)."""
    now = now or timezone.now()
    sections = list(_sections().in_outline_order())
    editable = editable_section_ids(user, sections)
    return [
        SectionRow(
            section=section,
            status=review_status(section, now=now),
            due_at=review_due_at(section),
            can_edit=section.pk in editable,
        )
        for section in sections
    ]


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
        raise Http404("No such revision.") from None


@dataclass
class SearchResult:
    section: Section
    segments: list[tuple[str, bool]]
    rank: float


def _split_marked(text: str) -> list[tuple[str, bool]]:
    """'a \ue000b\ue001 c' -> [('a ', False), ('b', True), (' c', False)]."""
    segments: list[tuple[str, bool]] = []
    for part in re.split(f"({MARK_START}.*?{MARK_STOP})", text, flags=re.DOTALL):
        if not part:
            continue
        if part.startswith(MARK_START) and part.endswith(MARK_STOP):
            segments.append((part[1:-1], True))
        else:
            segments.append((part.replace(MARK_START, "").replace(MARK_STOP, ""), False))
    return segments


def _terms(query: str) -> list[str]:
    return [term for term in query.split() if term][:SEARCH_MAX_TERMS]


def _snippet(body: str, terms: list[str]) -> list[tuple[str, bool]]:
    """A window of ``body`` around the first hit, with every term occurrence marked."""
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    first = pattern.search(body)
    start = max(0, first.start() - SNIPPET_RADIUS) if first else 0
    end = min(len(body), (first.end() if first else 0) + SNIPPET_RADIUS * 2)
    window = body[start:end]
    segments: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    position = 0
    for match in pattern.finditer(window):
        if match.start() > position:
            segments.append((window[position : match.start()], False))
        segments.append((match.group(0), True))
        position = match.end()
    if position < len(window):
        segments.append((window[position:], False))
    if end < len(body):
        segments.append(("…", False))
    return segments


def _search_postgres(query: str) -> list[SearchResult]:
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVector,
    )

    search_query = SearchQuery(query, search_type="websearch", config="english")
    vector = SearchVector("current_revision__title", weight="A", config="english") + SearchVector(
        "current_revision__body", weight="B", config="english"
    )
    sections = (
        _sections()
        .annotate(
            document=vector,
            rank=SearchRank(vector, search_query),
            headline=SearchHeadline(
                "current_revision__body",
                search_query,
                config="english",
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                max_words=40,
                min_words=15,
            ),
        )
        .filter(document=search_query)
    )
    results = [
        SearchResult(section=s, segments=_split_marked(s.headline), rank=float(s.rank))
        for s in sections
    ]
    results.sort(key=lambda r: (-r.rank, r.section.outline_key))
    return results


def _search_fallback(query: str) -> list[SearchResult]:
    terms = _terms(query)
    condition = Q()
    for term in terms:
        condition &= Q(current_revision__title__icontains=term) | Q(
            current_revision__body__icontains=term
        )
    sections = _sections().filter(condition).in_outline_order()
    results = []
    for section in sections:
        revision = section.current_revision
        haystack_title = revision.title.lower()
        rank = sum(2.0 if t.lower() in haystack_title else 1.0 for t in terms)
        results.append(
            SearchResult(section=section, segments=_snippet(revision.body, terms), rank=rank)
        )
    results.sort(key=lambda r: (-r.rank, r.section.outline_key))
    return results


def search_sections(*, query: str) -> list[SearchResult]:
    """Full-text search over the current revisions (PostgreSQL), icontains elsewhere."""
    query = (query or "").strip()[:SEARCH_MAX_QUERY]
    if not _terms(query):
        return []
    if connection.vendor == "postgresql":
        return _search_postgres(query)
    return _search_fallback(query)


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
