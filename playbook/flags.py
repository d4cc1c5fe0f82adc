"""Flags: anyone reports a section as outdated or wrong; its owner or a champion resolves it."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from revops_portal.notifications import kinds
from revops_portal.notifications.services import notify

from .models import Flag, Section
from .permissions import active_champions
from .templatetags.playbook_people import person


def _name(user) -> str:
    return person(user, "someone")


QUOTE_SHOWN = 200  # characters of the quoted passage repeated in a notification


@transaction.atomic
def raise_flag(*, section: Section, user, comment: str, quote: str = "") -> Flag:
    """Record the flag and tell the section's owner and the champions (after commit)."""
    flag = Flag(section=section, raised_by=user, comment=comment.strip(), quote=quote.strip())
    flag.full_clean()
    flag.save()
    body = f"{_name(user)} flagged “{section.title}” as outdated or wrong:\n{flag.comment}"
    if flag.quote:
        body += f"\n\nAbout: “{flag.quote[:QUOTE_SHOWN]}”"
    notify(
        recipients=[section.responsible_owner, *active_champions()],
        kind=kinds.FLAG,
        key=f"flag:{flag.pk}",
        subject=f"Playbook: “{section.title}” was flagged",
        body=body,
        url=reverse("playbook:section", args=[section.slug]) + f"#flag-{flag.pk}",
    )
    return flag


class AlreadyResolved(Exception):
    pass


@transaction.atomic
def resolve_flag(*, flag: Flag, user, note: str = "", fixed_in_revision: int | None = None) -> Flag:
    """Close the flag with a note or the revision that fixed it, and tell whoever raised it."""
    locked = Flag.objects.select_for_update().select_related("section").get(pk=flag.pk)
    if locked.resolved_at is not None:
        raise AlreadyResolved("This flag was resolved already.")
    locked.resolved_at = timezone.now()
    locked.resolved_by = user
    locked.resolution_note = note.strip()
    locked.fixed_in_revision = fixed_in_revision
    locked.full_clean()
    locked.save()
    section = locked.section
    how = f"fixed in revision {fixed_in_revision}" if fixed_in_revision else "resolved"
    notify(
        recipients=[locked.raised_by],
        kind=kinds.FLAG,
        key=f"flag-resolved:{locked.pk}",
        subject=f"Playbook: your flag on “{section.title}” was {how}",
        body=f"{_name(user)}: {locked.resolution_note or how}",
        url=reverse("playbook:section", args=[section.slug]),
    )
    return locked
