"""Onboarding paths: my reading list, "I have read this", coverage. Thin over ``reading``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import permissions, reading, selectors


@require_GET
def my_reading(request):
    context = {
        "reading_list": reading.reading_list(user=request.user),
        "can_see_coverage": permissions.can_see_reading_coverage(request.user),
    }
    return render(request, "playbook/reading/mine.html", context)


@require_POST
def mark_read(request, slug):
    section = selectors.section_detail(slug=slug)
    if section.current_revision_id is None:
        messages.error(request, _("There is nothing to read in this section yet."))
    else:
        reading.record_reading(user=request.user, section=section)
        messages.success(
            request, _("Marked revision %(number)s as read.") % {"number": section.current_number}
        )
    return redirect("playbook:section", slug=section.slug)


@require_GET
def coverage(request):
    if not permissions.can_see_reading_coverage(request.user):
        raise PermissionDenied(_("The champions and RevOps managers see who has read what."))
    paths, people = reading.coverage()
    return render(request, "playbook/reading/coverage.html", {"paths": paths, "people": people})
