"""Onboarding paths (section 6): a person's reading list with progress, "I have read this", and
coverage for the champions and RevOps managers, each in a fixed number of queries.

A section counts as read when the person's latest reading is of a revision at or after the
section's latest *significant* revision: marking a revision significant makes it unread again
for everyone whose path lists it (revisions that are not significant don't).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Reader, Reading, ReadingPath, ReadingPathStep, Revision, Section


def _must_read_from(section_ref) -> Coalesce:
    """The number of the section's latest significant revision (0 when none is)."""
    latest = (
        Revision.objects.filter(section=section_ref, significant=True)
        .order_by("-number")
        .values("number")[:1]
    )
    return Coalesce(Subquery(latest), Value(0))


@transaction.atomic
def record_reading(*, user, section: Section) -> Reading:
    """Record that ``user`` has read the section's current revision."""
    if section.current_revision_id is None:
        raise ValueError("The section has no revision to read.")
    reading, _ = Reading.objects.update_or_create(
        user=user,
        section=section,
        defaults={"revision_id": section.current_revision_id, "read_at": timezone.now()},
    )
    return reading


@dataclass
class Step:
    section: Section
    read_number: int | None  # the revision the person last read
    must_read_from: int

    @property
    def is_read(self) -> bool:
        return self.read_number is not None and self.read_number >= self.must_read_from

    @property
    def read_again(self) -> bool:
        """Read before, but a significant revision came since."""
        return self.read_number is not None and not self.is_read


@dataclass
class ReadingList:
    path: ReadingPath | None
    steps: list[Step]

    @property
    def read_count(self) -> int:
        return sum(step.is_read for step in self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.read_count / len(self.steps)) if self.steps else 0


def reading_list(*, user) -> ReadingList:
    """The user's path, its sections in order with what they have read (three queries)."""
    reader = Reader.objects.select_related("path").filter(user=user).first()
    if reader is None:
        return ReadingList(path=None, steps=[])
    steps = list(
        ReadingPathStep.objects.filter(path=reader.path_id)
        .select_related("section", "section__current_revision", "section__parent")
        .annotate(must_read_from=_must_read_from(OuterRef("section")))
        .order_by("position", "pk")
    )
    read = dict(
        Reading.objects.filter(user=user, section__in=[s.section_id for s in steps]).values_list(
            "section_id", "revision__number"
        )
    )
    return ReadingList(
        path=reader.path,
        steps=[Step(s.section, read.get(s.section_id), s.must_read_from) for s in steps],
    )


def _readings_that_count():
    """Readings of a section on the reader's own path, at or after its last significant revision."""
    return (
        Reading.objects.filter(user__playbook_reader__path__steps__section=F("section"))
        .annotate(must_read_from=_must_read_from(OuterRef("section")))
        .filter(revision__number__gte=F("must_read_from"))
    )


@dataclass
class SectionCoverage:
    section: Section
    read: int


@dataclass
class PathCoverage:
    path: ReadingPath
    members: int
    sections: list[SectionCoverage]


@dataclass
class MemberProgress:
    reader: Reader
    read: int
    total: int


def coverage() -> tuple[list[PathCoverage], list[MemberProgress]]:
    """Per path and section, how many of the path's people have read what they must; per
    person, how far along their path they are. Counted in the database: five queries however
    many people, paths and readings there are."""
    paths = list(ReadingPath.objects.annotate(members=Count("readers")).order_by("name"))
    steps = list(
        ReadingPathStep.objects.select_related("section__parent").order_by("position", "pk")
    )
    counts = _readings_that_count().values("user__playbook_reader__path", "section")
    by_step = {
        (row["user__playbook_reader__path"], row["section"]): row["n"]
        for row in counts.annotate(n=Count("pk", distinct=True))
    }
    by_user = dict(
        _readings_that_count()
        .values("user")
        .annotate(n=Count("pk", distinct=True))
        .values_list("user", "n")
    )
    readers = list(
        Reader.objects.select_related("user", "path")
        .annotate(total=Count("path__steps", distinct=True))
        .order_by("-started_on", "user__username")
    )
    per_path = [
        PathCoverage(
            path=path,
            members=path.members,
            sections=[
                SectionCoverage(step.section, by_step.get((path.pk, step.section_id), 0))
                for step in steps
                if step.path_id == path.pk
            ],
        )
        for path in paths
    ]
    people = [MemberProgress(r, by_user.get(r.user_id, 0), r.total) for r in readers]
    return per_path, people
