"""Who may do what in the playbook: the one place that decides. Views never re-implement this.

* Every logged-in, active user reads every section.
* Editing a section: superusers (RevOps managers, the admins), members of the
  "Playbook champions" group, and whoever holds the ``change_section`` *object*
  permission on that section: the owner (granted by ``services.assign_owner``)
  or a user/group granted it in the admin. A model-level ``change_section``
  permission grants nothing here (``accept_global_perms=False``).
* A page under a section: the same, and whoever may edit its section (the section's owner
  edits its pages by default; a page can also have its own owner, granted on the page).
* Restoring an old revision and marking a section reviewed: the section's
  owner, champions, superusers (for a page: its owner, its section's owner too).
* Adding pages to a section and ordering them: the section's owner, champions, superusers.
* Assigning owners: champions and superusers.
* Flagging a section outdated or wrong: every active signed-in user (all are staff).
  Resolving a flag: the section's owner, champions, superusers.
* The champion's review queue (/playbook/reviews/), reminding owners: champions, superusers.
* The print page: everyone who reads. PDF / Markdown exports: champions and superusers make
  them; an export is downloaded by whoever asked for it, the champions and superusers.
* The content-asset library: everyone reads; champions, superusers and the owners of the
  Marketing team's sections add, change and delete assets.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q

from .models import Section, SectionGroupObjectPermission, SectionUserObjectPermission, Team

CHAMPIONS_GROUP = "Playbook champions"
CHANGE_SECTION = "playbook.change_section"


def _is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_champion(user) -> bool:
    if not _is_active_user(user):
        return False
    return user.groups.filter(name=CHAMPIONS_GROUP).exists()


def _edits_everything(user) -> bool:
    return user.is_superuser or is_champion(user)


def can_read(user) -> bool:
    return _is_active_user(user)


def reader_key(user) -> tuple:
    """What of the reader a page kept for them depends on besides the rows the change counter
    watches (their groups and object permissions are among those): who they are, and the flags
    of their own row that decide rights (read with the request's user, at no query)."""
    return (user.pk, user.is_active, user.is_superuser)


def _rights_on_sections(user, sections: list[Section]) -> tuple[bool, set[int]]:
    """Whether ``user`` is a champion, and the ids among ``sections`` they may edit through an
    object permission (theirs or a group's, django-guardian's tables) on them or, for a page,
    on its section: one query, where asking the group and guardian takes two."""
    wanted = {s.pk for s in sections} | {s.parent_id for s in sections if s.parent_id}
    on_row = Q(
        permission__codename=CHANGE_SECTION.split(".")[1],
        permission__content_type__app_label="playbook",
        content_object=OuterRef("pk"),
    )
    rows = (
        Section.objects.filter(pk__in=wanted)
        .annotate(
            champion=Exists(Group.objects.filter(name=CHAMPIONS_GROUP, user=user)),
            by_user=Exists(SectionUserObjectPermission.objects.filter(on_row, user=user)),
            by_group=Exists(SectionGroupObjectPermission.objects.filter(on_row, group__user=user)),
        )
        .values_list("pk", "champion", "by_user", "by_group")
    )
    champion, allowed = False, set()
    for pk, is_champion_, by_user, by_group in rows:
        champion = champion or is_champion_
        if by_user or by_group:
            allowed.add(pk)
    editable = {
        s.pk for s in sections if s.pk in allowed or (s.parent_id and s.parent_id in allowed)
    }
    return champion, editable


def editable_section_ids(user, sections: Iterable[Section]) -> set[int]:
    """The ids among ``sections`` (and pages) that ``user`` may edit, in one query: a page is
    editable with its own permission or with its section's."""
    sections = list(sections)
    ids = {section.pk for section in sections}
    if not ids or not _is_active_user(user):
        return set()
    if user.is_superuser:
        return ids
    champion, editable = _rights_on_sections(user, sections)
    return ids if champion else editable


def can_edit(user, section: Section) -> bool:
    return section.pk in editable_section_ids(user, [section])


def _is_owner(user, section: Section) -> bool:
    """The owner of the section, or of the page or of the section the page is under."""
    owners = {section.owner_id}
    if section.parent_id is not None:
        owners.add(section.parent.owner_id)
    return user.pk in owners - {None}


def can_restore(user, section: Section) -> bool:
    if not _is_active_user(user):
        return False
    return _is_owner(user, section) or _edits_everything(user)


def can_mark_reviewed(user, section: Section) -> bool:
    return can_restore(user, section)


def can_manage_pages(user, section: Section) -> bool:
    """Add pages under a section and set their order: its owner, champions, superusers."""
    return not section.is_page and can_restore(user, section)


def can_assign_owner(user) -> bool:
    return _is_active_user(user) and _edits_everything(user)


def active_champions():
    """The active members of the champions group (they are told about flags and owners)."""
    return list(get_user_model().objects.filter(groups__name=CHAMPIONS_GROUP, is_active=True))


def can_flag(user) -> bool:
    return _is_active_user(user)


def can_resolve_flag(user, section: Section) -> bool:
    return can_restore(user, section)


def can_run_review_queue(user) -> bool:
    return can_assign_owner(user)


def can_export(user) -> bool:
    return can_assign_owner(user)


def can_download_export(user, export) -> bool:
    if not _is_active_user(user):
        return False
    return export.requested_by_id == user.pk or _edits_everything(user)


@dataclass(frozen=True)
class SectionRights:
    """Everything a section's page asks about its reader, decided together (the same rules
    as ``can_edit``, ``can_mark_reviewed``, ``can_assign_owner`` and ``can_flag``)."""

    edit: bool = False
    maintain: bool = False  # mark reviewed, restore, resolve flags; manage pages of a section
    assign_owner: bool = False
    flag: bool = False


def rights_on(user, section: Section) -> SectionRights:
    """``user``'s rights on one section or page: one query (none for a superuser)."""
    if not _is_active_user(user):
        return SectionRights()
    everything = SectionRights(edit=True, maintain=True, assign_owner=True, flag=True)
    if user.is_superuser:
        return everything
    champion, editable = _rights_on_sections(user, [section])
    if champion:
        return everything
    return SectionRights(edit=section.pk in editable, maintain=_is_owner(user, section), flag=True)


def can_manage_assets(user) -> bool:
    if not _is_active_user(user):
        return False
    if _edits_everything(user):
        return True
    return Section.objects.filter(team=Team.MARKETING, owner=user, parent=None).exists()


def can_see_reading_coverage(user) -> bool:
    """Who has read what: the champions and the RevOps managers (superusers)."""
    return can_assign_owner(user)
