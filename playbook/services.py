"""Writes to the playbook. Keyword-only, atomic, validated. Callers check permissions first."""

import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from revops_portal.notifications import kinds
from revops_portal.notifications.services import notify

from . import watching
from .models import OwnershipChange, Revision, Section
from .permissions import CHANGE_SECTION, active_champions
from .templatetags.playbook_people import person as _name

logger = logging.getLogger(__name__)


class StaleEditError(Exception):
    """The edit was based on an older revision than the section's current one."""

    def __init__(self, *, current: Revision | None, base_number: int):
        self.current = current
        self.base_number = base_number
        current_number = current.number if current else 0
        super().__init__(
            f"Edit based on revision {base_number}, but the current revision is {current_number}."
        )


def _lock(section: Section) -> tuple[Section, Revision | None]:
    """Lock the section row for this transaction and read its current revision."""
    locked = Section.objects.select_for_update().get(pk=section.pk)
    current = (
        Revision.objects.select_related("author").get(pk=locked.current_revision_id)
        if locked.current_revision_id
        else None
    )
    return locked, current


def _append_revision(
    *,
    locked: Section,
    current: Revision | None,
    author,
    title: str,
    body: str,
    change_note: str,
    restored_from: Revision | None = None,
    minor: bool = False,
    significant: bool = False,
) -> Revision:
    revision = Revision(
        section=locked,
        number=(current.number if current else 0) + 1,
        title=title.strip(),
        body=body,
        change_note=change_note.strip(),
        author=author,
        restored_from=restored_from,
        minor=minor,
        significant=significant,
    )
    revision.full_clean()
    try:
        with transaction.atomic():
            revision.save()
    except IntegrityError:
        # Unreachable while the row lock holds; the unique (section, number) is the backstop.
        raise StaleEditError(current=current, base_number=revision.number - 1) from None
    locked.current_revision = revision
    locked.full_clean()
    locked.save(update_fields=["current_revision"])
    if not minor:  # a typo fix tells nobody
        watching.tell_watchers(revision=revision)
    return revision


@transaction.atomic
def save_revision(
    *,
    section: Section,
    author,
    title: str,
    body: str,
    change_note: str,
    base_number: int,
    minor: bool = False,
    significant: bool = False,
) -> Revision:
    """Append a revision edited from revision ``base_number``; a ``significant`` one makes the
    section unread again for the reading paths that list it (``playbook.reading``).

    Raises ``StaleEditError`` (carrying the current revision) and writes nothing
    when someone else saved since ``base_number``.
    """
    locked, current = _lock(section)
    current_number = current.number if current else 0
    if base_number != current_number:
        raise StaleEditError(current=current, base_number=base_number)
    revision = _append_revision(
        locked=locked,
        current=current,
        author=author,
        title=title,
        body=body,
        change_note=change_note,
        minor=minor,
        significant=significant,
    )
    section.current_revision = revision
    return revision


@transaction.atomic
def restore_revision(*, section: Section, revision: Revision, author) -> Revision:
    """Append a new revision that copies ``revision`` (an older one of the same section)."""
    if revision.section_id != section.pk:
        raise ValueError("That revision belongs to another section.")
    locked, current = _lock(section)
    new = _append_revision(
        locked=locked,
        current=current,
        author=author,
        title=revision.title,
        body=revision.body,
        # Written in the restorer's language: a change note is the history's text from then on.
        change_note=_("Restored revision %(number)s") % {"number": revision.number},
        restored_from=revision,
    )
    section.current_revision = new
    return new


@transaction.atomic
def assign_owner(
    *,
    section: Section,
    owner,
    assigned_by,
    reason: str = OwnershipChange.Reason.ASSIGNED,
) -> Section:
    """Make ``owner`` (or nobody) the section's owner; edit rights follow the ownership.

    Every change is recorded (OwnershipChange) and told to the new owner and the champions.
    An owner left by a deactivation marks the section for reassignment; any other clears it.
    """
    locked, _current = _lock(section)
    previous = locked.owner
    if previous is not None and (owner is None or previous.pk != owner.pk):
        remove_perm(CHANGE_SECTION, previous, locked)
    if owner is not None:
        assign_perm(CHANGE_SECTION, owner, locked)
        watching.watch(section=locked, user=owner)  # owners watch their sections
    changed = (previous.pk if previous else None) != (owner.pk if owner else None)
    locked.owner = owner
    locked.needs_reassignment = reason == OwnershipChange.Reason.OWNER_DEACTIVATED
    locked.full_clean()
    locked.save(update_fields=["owner", "needs_reassignment"])
    section.owner = owner
    section.needs_reassignment = locked.needs_reassignment
    if changed:
        change = OwnershipChange.objects.create(
            section=locked,
            previous_owner=previous,
            new_owner=owner,
            changed_by=assigned_by,
            reason=reason,
        )

        def names():  # in each recipient's language (notify calls subject and body per recipient)
            return {
                "section": locked.title,
                "previous": _name(previous),
                "owner": _name(owner),
                "by": _name(assigned_by) if assigned_by else _("the portal"),
            }

        def body():
            if reason == OwnershipChange.Reason.OWNER_DEACTIVATED:
                text = _(
                    "%(section)s: owner %(previous)s → %(owner)s because %(previous)s was "
                    "deactivated; it needs a new owner."
                )
            else:
                text = _("%(section)s: owner %(previous)s → %(owner)s (by %(by)s).")
            return text % names()

        notify(
            recipients=[owner, *active_champions()],
            kind=kinds.OWNERSHIP,
            key=f"ownership:{change.pk}",
            subject=lambda: _("Playbook: %(section)s is now owned by %(owner)s") % names(),
            body=body,
            url=reverse("playbook:history", args=[locked.slug]),
        )
    logger.info(
        "Playbook section %s: owner %s -> %s (by %s)",
        locked.slug,
        previous.get_username() if previous else None,
        owner.get_username() if owner else None,
        assigned_by.get_username() if assigned_by else "system",
    )
    return locked


@transaction.atomic
def mark_reviewed(*, section: Section, reviewer) -> Section:
    locked, _current = _lock(section)
    locked.last_reviewed_at = timezone.now()
    locked.last_reviewed_by = reviewer
    locked.full_clean()
    locked.save(update_fields=["last_reviewed_at", "last_reviewed_by"])
    section.last_reviewed_at = locked.last_reviewed_at
    section.last_reviewed_by = reviewer
    return locked
