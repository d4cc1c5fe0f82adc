"""Watching sections and what changed: watchers are told about each new revision (after
commit; minor changes skipped); each reader's last-read revision gives the "changed since you
last read it" badge and its diff link."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from revops_portal.notifications import kinds
from revops_portal.notifications.services import notify

from .models import Revision, Section, SectionVisit, Watch
from .templatetags.playbook_people import person


def watch(*, section: Section, user) -> None:
    try:
        with transaction.atomic():
            Watch.objects.get_or_create(section=section, user=user)
    except IntegrityError:  # a double click: watched already
        pass


def unwatch(*, section: Section, user) -> None:
    Watch.objects.filter(section=section, user=user).delete()


def diff_path(section: Section, from_number: int, to_number: int) -> str:
    return reverse("playbook:diff", args=[section.slug]) + f"?from={from_number}&to={to_number}"


def tell_watchers(*, revision: Revision) -> int:
    """One notification per watcher (not the author) for this revision; sent after commit."""
    section = revision.section
    watchers = [
        w.user
        for w in Watch.objects.filter(section=section).select_related("user")
        if w.user_id != revision.author_id
    ]
    path = (
        diff_path(section, revision.number - 1, revision.number)
        if revision.number > 1
        else reverse("playbook:section", args=[section.slug])
    )
    names = {"number": revision.number, "section": section.title, "note": revision.change_note}

    def body():  # in each watcher's language (notify calls it per recipient)
        by = {"person": person(revision.author, pgettext("the author of a change", "The portal"))}
        if revision.change_note:
            return _("%(person)s saved revision %(number)s: %(note)s") % (names | by)
        return _("%(person)s saved revision %(number)s (no change note).") % (names | by)

    return len(
        notify(
            recipients=watchers,
            kind=kinds.SECTION_CHANGED,
            key=f"revision:{revision.pk}",
            subject=lambda: _("Playbook: “%(section)s” changed (revision %(number)s)") % names,
            body=body,
            url=path,
        )
    )


def record_visit(*, section_id: int, current_number: int, user, last_read: int | None) -> None:
    """Remember that ``user`` read revision ``current_number`` of the section. ``last_read`` is
    the revision they had read before (``selectors.ReaderState.last_read``, None on a first
    visit): only a first visit or a new revision writes."""
    if last_read is None:
        try:
            with transaction.atomic():
                SectionVisit.objects.create(
                    section_id=section_id, user=user, revision_number=current_number
                )
        except IntegrityError:  # two tabs at once
            pass
    elif last_read != current_number:
        SectionVisit.objects.filter(section_id=section_id, user=user).update(
            revision_number=current_number
        )
