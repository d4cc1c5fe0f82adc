"""Playbook pages. Thin: parse, ask ``permissions``, call one service or selector, render."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metrics.selectors import latest_run_and_changes, run_cache_key
from revops_portal.kept import changes
from revops_portal.kept.store import KeptHTML, kept, render_for_keeping, with_csrf_token

from . import (
    metric_reviews,
    page_links,
    pages,
    permissions,
    selectors,
    services,
    shortcodes,
    watching,
)
from .diffing import diff_lines
from .forms import OwnerForm, PageForm, RevisionForm
from .markdown import render_markdown
from .review_views import back
from .search import SEARCH_MAX_QUERY, search_sections
from .uploads import UploadRejected, image_storage, served_image, store_image

DIFF_CONTEXT = 3  # unchanged lines shown around each change


def _section_for_edit(request, slug):
    section = selectors.section_detail(slug=slug)
    if not permissions.can_edit(request.user, section):
        raise PermissionDenied(_("You may not edit this section."))
    return section


def _revision_form(section, *args, **kwargs):
    return RevisionForm(
        *args,
        preview_url=reverse("playbook:preview", args=[section.slug]),
        upload_url=reverse("playbook:upload", args=[section.slug]),
        **kwargs,
    )


@require_GET
def index(request):
    # Kept whole for each reader under the change counter of what it shows (changes.CONTENTS:
    # sections, revisions, people's names, the reader's rights and own visits), until a review
    # falls due: a kept request reads one number.
    contents = kept(
        "playbook:contents",
        (
            changes.version(changes.CONTENTS, reader=request.user),
            permissions.reader_key(request.user),
        ),
        lambda: _contents(request.user),
        fresh_until=lambda made: made[1],
    )[0]
    return render(request, "playbook/index.html", {"contents": contents})


def _contents(user) -> tuple[str, datetime | None]:
    """The table of contents and the recent changes as `user` sees them, and the moment a
    review status in it turns with time."""
    now = timezone.now()
    rows = selectors.table_of_contents(user=user, now=now)
    recent = selectors.recent_revisions()
    html = render_to_string("playbook/_contents.html", {"rows": rows, "recent": recent})
    return html, selectors.status_fresh_until([row.section for row in rows], now=now)


def _section_parts(section, version: changes.Version, *, with_broken_links: bool) -> dict:
    """A section's pages, open flags, metric links and (for editors) broken links: the same
    for every reader, kept under the section page's change counter without the reader's own
    rows (`version.for_everyone`: every write of sections, revisions, flags, metric links and
    user names moves it): none instead of three or four queries."""

    def read():
        return {
            "pages": [] if section.is_page else selectors.pages_of(section=section),
            "open_flags": selectors.open_flags(section=section),
            "metric_links": [  # as text in the active language (kept in it)
                (str(metric_reviews.metric_name(link)), str(metric_reviews.threshold_text(link)))
                for link in selectors.metric_links(section=section)
            ],
        }

    parts = dict(kept("playbook:section-parts", (version.for_everyone, section.pk), read))
    parts["broken_links"] = []
    if with_broken_links:  # one query, none without links: read by editors only
        parts["broken_links"] = kept(
            "playbook:broken-links",
            (version.for_everyone, section.pk),
            lambda: page_links.broken_links([section])[section.pk],
        )
    return parts


@dataclass(frozen=True)
class _SectionPage:
    """A section's or page's body as one reader sees it, kept for them (``section``)."""

    body: KeptHTML
    title: str
    section_id: int
    current_number: int
    last_read: int | None  # the revision the reader had read when it was made
    fresh_until: datetime | None  # when its review status turns with time


@require_GET
def section(request, slug):
    user = request.user
    # Kept whole for each reader under the change counter of what it shows (changes.SECTION_PAGE:
    # the section, its pages, flags, links, assets, the reader's rights and own visit, watch
    # and reading), the latest succeeded run (its figures; read in the same query, so a run's
    # progress never makes it again) and the day (the figures' "last month"), until its
    # review falls due.
    run, version = latest_run_and_changes(changes.SECTION_PAGE, reader=user)
    figures_of = run_cache_key(run) if run is not None else None
    page = kept(
        "playbook:section-page",
        (version, figures_of, slug, timezone.localdate(), permissions.reader_key(user)),
        lambda: _section_page(user, slug, version),
        fresh_until=lambda made: made.fresh_until,
    )
    if page.last_read != page.current_number:  # a first visit, or a new revision: remember it
        watching.record_visit(
            section_id=page.section_id,
            current_number=page.current_number,
            user=user,
            last_read=page.last_read,
        )
    context = {"title": page.title, "body": with_csrf_token(page.body, request)}
    return render(request, "playbook/section.html", context)


def _section_page(user, slug, version: changes.Version) -> _SectionPage:
    """What ``section`` keeps: the body rendered for `user` (no request in it)."""
    now = timezone.now()
    section, reader = selectors.section_for_reader(slug=slug, user=user)
    rights = permissions.rights_on(user, section)
    parts = _section_parts(section, version, with_broken_links=rights.edit)
    context = {
        "section": section,
        "pages": parts["pages"],
        "can_manage_pages": rights.maintain and not section.is_page,  # can_manage_pages
        # Links that lead nowhere, for whoever can fix them.
        "broken_links": parts["broken_links"] if rights.edit else [],
        "revision": section.current_revision,
        "status": selectors.review_status(section, now=now),
        "due_at": selectors.review_due_at(section),
        "status_labels": selectors.ReviewStatus.LABELS,
        "can_edit": rights.edit,
        "can_mark_reviewed": rights.maintain,  # the owner, champions, superusers
        "can_assign_owner": rights.assign_owner,
        "open_flags": parts["open_flags"],
        "reader": reader,  # their last visit, watch and "I have read this"
        "review_requested": selectors.review_requested(section),
        "metric_links": parts["metric_links"],
        "can_flag": rights.flag,
        "can_resolve_flags": rights.maintain,  # permissions.can_resolve_flag: the same people
    }
    # The body's figures and the cards: which run is the latest, asked once for the page.
    with shortcodes.figures_of_one_reading() as figures_version:
        if section.slug == "success-metrics":  # dashboards: live metric cards
            from metrics.pages import success_cards

            # Rendered once per run, day, language, time zone and change counter (targets
            # show on the cards), for every reader: read only when they are not kept yet.
            context["live_metrics"] = kept(
                "playbook:live-metrics",
                (figures_version(), version.for_everyone),
                lambda: render_to_string("playbook/_live_metrics.html", {"rows": success_cards()}),
            )
            context["links_to_reviews"] = True  # where the weekly meeting records its decisions
        body = render_for_keeping("playbook/_section_body.html", context)
    return _SectionPage(
        body=body,
        title=section.title,
        section_id=section.pk,
        current_number=section.current_number,
        last_read=reader.last_read,
        fresh_until=selectors.status_fresh_until([section], now=now),
    )


def edit(request, slug):
    section = _section_for_edit(request, slug)
    current = section.current_revision
    if request.method == "POST":
        form = _revision_form(section, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_revision(
                    section=section,
                    author=request.user,
                    title=data["title"],
                    body=data["body"],
                    change_note=data["change_note"],
                    base_number=data["base_number"],
                    minor=data["minor"],
                    significant=data["significant"],
                )
            except services.StaleEditError as conflict:
                return _conflict(request, section, data, conflict.current)
            messages.success(
                request, _("Saved revision %(number)s.") % {"number": section.current_number}
            )
            _warn_about_broken_links(request, section)
            return redirect("playbook:section", slug=section.slug)
    elif request.method == "GET":
        form = _revision_form(
            section,
            initial={
                "title": current.title if current else section.title,
                "body": current.body if current else "",
                "base_number": section.current_number,
            },
        )
    else:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(request, "playbook/edit.html", {"section": section, "form": form})


def _warn_about_broken_links(request, section):
    """Links are checked on save: the revision is kept (its target may be written next)."""
    for link in page_links.broken_links([section])[section.pk]:
        messages.warning(
            request,
            _("Broken link %(target)s: %(reason)s.")
            % {"target": link.target, "reason": link.reason},
        )


def _conflict(request, section, data, current):
    """Someone saved first: keep the user's text, rebased on the current revision, and show the diff."""
    form = _revision_form(
        section,
        initial={
            "title": data["title"],
            "body": data["body"],
            "change_note": data["change_note"],
            "base_number": current.number if current else 0,
        },
    )
    context = {
        "section": section,
        "form": form,
        "current": current,
        "their_base": data["base_number"],
        "title_changed": current is not None and current.title != data["title"].strip(),
        "diff": diff_lines(current.body if current else "", data["body"], context=DIFF_CONTEXT),
    }
    return render(request, "playbook/conflict.html", context, status=409)


@require_http_methods(["GET", "POST"])
def new_page(request, slug):
    section = selectors.section_detail(slug=slug)
    if not permissions.can_manage_pages(request.user, section):
        raise PermissionDenied(_("The section's owner and the champions add its pages."))
    form = PageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        page = pages.create_page(
            section=section,
            title=form.cleaned_data["title"],
            slug=form.cleaned_data["slug"],
            author=request.user,
        )
        messages.success(
            request, _("Added the page “%(title)s”: write it now.") % {"title": page.title}
        )
        return redirect("playbook:edit", slug=page.slug)
    return render(request, "playbook/new_page.html", {"section": section, "form": form})


@require_POST
def move_page(request, slug):
    """Move one of the section's pages up or down: ``page=<slug>&direction=up|down``."""
    section = selectors.section_detail(slug=slug)
    if not permissions.can_manage_pages(request.user, section):
        raise PermissionDenied(_("The section's owner and the champions order its pages."))
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        return HttpResponseBadRequest(_("The direction is up or down."))
    try:
        pages.move_page(section=section, page_slug=request.POST.get("page", ""), offset=offset)
    except pages.PageOrderError as refused:
        return HttpResponseBadRequest(str(refused))
    return redirect(reverse("playbook:section", args=[section.slug]) + "#pb-pages")


@require_GET
def history(request, slug):
    section = selectors.section_detail(slug=slug)
    revisions = selectors.section_history(section=section)
    context = {
        "section": section,
        "revisions": revisions,
        "can_restore": permissions.can_restore(request.user, section),
        "ownership_changes": selectors.ownership_history(section=section),
        "default_from": revisions[1].number if len(revisions) > 1 else section.current_number,
        "default_to": section.current_number,
    }
    return render(request, "playbook/history.html", context)


@require_GET
def diff(request, slug):
    section = selectors.section_detail(slug=slug)
    try:
        from_number = int(request.GET["from"])
        to_number = int(request.GET["to"])
    except (KeyError, ValueError):
        return HttpResponseBadRequest(_("Give two revision numbers: ?from=N&to=M."))
    old = selectors.revision_by_number(section=section, number=from_number)
    new = selectors.revision_by_number(section=section, number=to_number)
    context = {
        "section": section,
        "old": old,
        "new": new,
        "title_diff": diff_lines(old.title, new.title),
        "diff": diff_lines(old.body, new.body, context=DIFF_CONTEXT),
    }
    return render(request, "playbook/diff.html", context)


@require_POST
def restore(request, slug, number):
    section = selectors.section_detail(slug=slug)
    if not permissions.can_restore(request.user, section):
        raise PermissionDenied(_("You may not restore revisions of this section."))
    old = selectors.revision_by_number(section=section, number=number)
    new = services.restore_revision(section=section, revision=old, author=request.user)
    messages.success(
        request,
        _("Restored revision %(old)s as revision %(new)s.")
        % {"old": old.number, "new": new.number},
    )
    return redirect("playbook:history", slug=section.slug)


@require_POST
def mark_reviewed(request, slug):
    section = selectors.section_detail(slug=slug)
    if not permissions.can_mark_reviewed(request.user, section):
        raise PermissionDenied(_("You may not mark this section reviewed."))
    services.mark_reviewed(section=section, reviewer=request.user)
    messages.success(request, _("Marked as reviewed."))
    return redirect("playbook:section", slug=section.slug)


def change_owner(request, slug):
    section = selectors.section_detail(slug=slug)
    if not permissions.can_assign_owner(request.user):
        raise PermissionDenied(_("Only the playbook champions and RevOps managers assign owners."))
    form = OwnerForm(request.POST or None, initial={"owner": section.owner})
    if request.method == "POST" and form.is_valid():
        services.assign_owner(
            section=section, owner=form.cleaned_data["owner"], assigned_by=request.user
        )
        owner = form.cleaned_data["owner"]
        if owner:
            who = owner.get_full_name() or owner.get_username()
            done = _("%(section)s is now owned by %(owner)s.") % {
                "section": section.title,
                "owner": who,
            }
        else:
            done = _("%(section)s has no owner now.") % {"section": section.title}
        messages.success(request, done)
        return back(request, section)  # the review queue's one-click reassign returns there
    return render(request, "playbook/owner.html", {"section": section, "form": form})


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_QUERY]
    results = search_sections(query=query) if query else []
    return render(request, "playbook/search.html", {"query": query, "results": results})


@require_POST
def preview(request, slug):
    _section_for_edit(request, slug)
    content = request.POST.get("content", "")
    if len(content) > settings.MARKDOWN_PREVIEW_MAX_CHARS:
        return HttpResponseBadRequest(
            ngettext(
                "Too long to preview (limit %(count)s character).",
                "Too long to preview (limit %(count)s characters).",
                settings.MARKDOWN_PREVIEW_MAX_CHARS,
            )
            % {"count": settings.MARKDOWN_PREVIEW_MAX_CHARS},
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(render_markdown(content), content_type="text/html; charset=utf-8")


@require_POST
def upload(request, slug):
    _section_for_edit(request, slug)
    try:
        url = store_image(request.FILES.get("image"))
    except UploadRejected as rejected:
        return JsonResponse({"error": str(rejected)}, status=400)
    return JsonResponse({"image_code": f"![]({url})"})


@require_GET
def media(request, folder, name):
    """Playbook images, to logged-in users only, always as an image (nosniff).

    Only names the playbook writes are served (``uploads.served_image``); anything else under
    MEDIA_ROOT, and the private CRM files outside it, is not found.
    """
    served = served_image(folder, name)
    if served is None:
        raise Http404(_("No such image."))
    stored_name, content_type = served
    try:
        handle = image_storage().open(stored_name)
    except FileNotFoundError:
        raise Http404(_("No such image.")) from None
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
