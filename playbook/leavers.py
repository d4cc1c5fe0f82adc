"""Owners who leave: a deactivated owner's sections fall back to a champion, marked for
reassignment, recorded in each section's ownership history, and the champions are told.

Runs when a user is saved inactive (the admin, SSO's leaver check: a signal) and daily for
deactivations that bypassed save() (a queryset update, a database script).
"""

from django.db.models import Q

from . import services
from .models import OwnershipChange, Section
from .permissions import active_champions


def fallback_owner():
    """The champion who takes over a leaver's sections: the longest-standing active one."""
    champions = sorted(active_champions(), key=lambda user: (user.date_joined, user.pk))
    return champions[0] if champions else None


def release_sections_of_inactive_owners(*, owner=None) -> int:
    """Hand every section owned by an inactive user (or by ``owner``, if inactive) to the
    fallback champion; returns how many sections moved."""
    sections = Section.objects.filter(owner__is_active=False).select_related("owner")
    if owner is not None:
        sections = sections.filter(Q(owner=owner))
    moved = 0
    new_owner = None
    for section in sections:
        new_owner = new_owner or fallback_owner()
        services.assign_owner(
            section=section,
            owner=new_owner,
            assigned_by=None,
            reason=OwnershipChange.Reason.OWNER_DEACTIVATED,
        )
        moved += 1
    return moved
