"""Flags: anyone reports a section as outdated or wrong; its owner or a champion resolves it."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from revops_portal.notifications import kinds
from revops_portal.notifications.services import notify

from .models import Flag, Section
from .permissions import active_champions
from .templatetags.playbook_people import person


def _name(user) -> str:
    return person(user, pgettext("an unknown person", "someone"))


QUOTE_SHOWN = 200  # characters of the quoted passage repeated in a notification


@transaction.atomic
def raise_flag(*, section: Section, user, comment: str, quote: str = "") -> Flag:
    """Record the flag and tell the section's owner and the champions (after commit)."""
    flag = Flag(section=section, raised_by=user, comment=comment.strip(), quote=quote.strip())
    flag.full_clean()
    flag.save()

    def body():  # written in each recipient's language (notify calls it per recipient)
        text = gettext("%(person)s flagged “%(section)s” as outdated or wrong:") % {
            "person": _name(user),
            "section": section.title,
        }
        text += f"\n{flag.comment}"
        if flag.quote:
            text += "\n\n" + gettext("About: “%(quote)s”") % {"quote": flag.quote[:QUOTE_SHOWN]}
        return text

    notify(
        recipients=[section.responsible_owner, *active_champions()],
        kind=kinds.FLAG,
        key=f"flag:{flag.pk}",
        subject=lambda: gettext("Playbook: “%(section)s” was flagged") % {"section": section.title},
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
        raise AlreadyResolved(gettext("This flag was resolved already."))
    locked.resolved_at = timezone.now()
    locked.resolved_by = user
    locked.resolution_note = note.strip()
    locked.fixed_in_revision = fixed_in_revision
    locked.full_clean()
    locked.save()
    section = locked.section
    names = {"section": section.title, "number": fixed_in_revision}

    def subject():  # in the recipient's language (notify calls it per recipient)
        if fixed_in_revision:
            return (
                gettext("Playbook: your flag on “%(section)s” was fixed in revision %(number)s")
                % names
            )
        return gettext("Playbook: your flag on “%(section)s” was resolved") % names

    def body():
        if fixed_in_revision:
            how = gettext("Fixed in revision %(number)s.") % names
        else:
            how = gettext("Resolved.")
        return f"{_name(user)}: {locked.resolution_note or how}"

    notify(
        recipients=[locked.raised_by],
        kind=kinds.FLAG,
        key=f"flag-resolved:{locked.pk}",
        subject=subject,
        body=body,
        url=reverse("playbook:section", args=[section.slug]),
    )
    return locked
