"""The living playbook's pages: flags, the champion's review queue, an owner's own queue.
Thin: parse, ask ``permissions``, call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import flags, page_links, permissions, review_queue, selectors, watching
from .flag_forms import FlagForm, ResolveFlagForm
from .models import Flag

RETURN_TO = {"queue": "playbook:reviews", "mine": "playbook:mine"}


def back(request, section):
    """Where a queue action returns: the queue it came from, else the section."""
    name = RETURN_TO.get(request.POST.get("return_to", ""))
    return redirect(name) if name else redirect("playbook:section", slug=section.slug)


def _with_broken_links(queue) -> list:
    """(section or page, its broken links) for those of the queue that have some (one query)."""
    report = page_links.broken_links(queue.sections)
    return [(section, report[section.pk]) for section in queue.sections if report[section.pk]]


def _owner_choices():
    return list(get_user_model().objects.filter(is_active=True).order_by("first_name", "username"))


@require_GET
def reviews(request):
    if not permissions.can_run_review_queue(request.user):
        raise PermissionDenied(_("The review queue is for the playbook champions."))
    queue = review_queue.review_queue()
    context = {
        "queue": queue,
        "broken_links": _with_broken_links(queue),
        "people": _owner_choices(),
        "is_champion_queue": True,
        "return_to": "queue",
    }
    return render(request, "playbook/reviews.html", context)


@require_GET
def mine(request):
    queue = review_queue.review_queue(owner=request.user)
    context = {
        "queue": queue,
        "broken_links": _with_broken_links(queue),
        "is_champion_queue": False,
        "can_run_review_queue": permissions.can_run_review_queue(request.user),
        "return_to": "mine",
    }
    return render(request, "playbook/reviews.html", context)


@require_http_methods(["GET", "POST"])
def flag(request, slug):
    section = selectors.section_detail(slug=slug)
    if not permissions.can_flag(request.user):
        raise PermissionDenied(_("You may not flag sections."))
    form = FlagForm(request.POST or None, initial={"quote": request.GET.get("quote", "")[:1000]})
    if request.method == "POST" and form.is_valid():
        flags.raise_flag(
            section=section,
            user=request.user,
            comment=form.cleaned_data["comment"],
            quote=form.cleaned_data["quote"],
        )
        messages.success(request, _("Thank you: the section is flagged and its owner told."))
        return redirect("playbook:section", slug=section.slug)
    return render(request, "playbook/flag.html", {"section": section, "form": form})


@require_POST
def resolve_flag(request, flag_id):
    flag = get_object_or_404(Flag.objects.select_related("section__current_revision"), pk=flag_id)
    section = flag.section
    if not permissions.can_resolve_flag(request.user, section):
        raise PermissionDenied(_("The section's owner or a champion resolves its flags."))
    form = ResolveFlagForm(request.POST, current_number=section.current_number)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("__all__", [])) or _("Check the form."))
        return back(request, section)
    try:
        flags.resolve_flag(
            flag=flag,
            user=request.user,
            note=form.cleaned_data["note"],
            fixed_in_revision=form.cleaned_data["fixed_in_revision"],
        )
    except flags.AlreadyResolved as done:
        messages.info(request, str(done))
    else:
        messages.success(request, _("Flag on “%(title)s” resolved.") % {"title": section.title})
    return back(request, section)


@require_POST
def watch(request, slug):
    """Watch (watch=1) or stop watching (watch=0) a section; everyone signed in may."""
    section = selectors.section_detail(slug=slug)
    if request.POST.get("watch") == "0":
        watching.unwatch(section=section, user=request.user)
        messages.success(request, _("You no longer watch “%(title)s”.") % {"title": section.title})
    else:
        watching.watch(section=section, user=request.user)
        messages.success(
            request,
            _("You watch “%(title)s”: each change is sent to you.") % {"title": section.title},
        )
    return redirect("playbook:section", slug=section.slug)


@require_POST
def remind(request, slug):
    section = selectors.section_detail(slug=slug)
    if not permissions.can_run_review_queue(request.user):
        raise PermissionDenied(_("Only the playbook champions remind owners."))
    if review_queue.remind_owner(section=section, reminded_by=request.user):
        messages.success(
            request, _("Reminded the owner of “%(title)s”.") % {"title": section.title}
        )
    else:
        messages.error(
            request,
            _("“%(title)s” has no active owner to remind: reassign it.") % {"title": section.title},
        )
    return back(request, section)
