"""The whole playbook on one page, and its PDF / Markdown exports (built by a Celery task).
Thin: ask ``permissions``, call ``printing``, render."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import permissions, printing
from .models import PlaybookExport


@require_GET
def print_page(request):
    context = {**printing.print_context(), "can_export": permissions.can_export(request.user)}
    return render(request, "playbook/print.html", context)


@require_POST
def export(request):
    if not permissions.can_export(request.user):
        raise PermissionDenied(_("Exports are for the playbook champions and RevOps managers."))
    kind = request.POST.get("kind", "")
    if kind not in PlaybookExport.Kind.values:
        return HttpResponseBadRequest(_("Choose kind=pdf or kind=markdown."))
    made = printing.request_export(kind=kind, requested_by=request.user)
    return redirect("playbook:export_detail", export_id=made.pk)


def _export_for(request, export_id) -> PlaybookExport:
    made = get_object_or_404(PlaybookExport, pk=export_id)
    if not permissions.can_download_export(request.user, made):
        raise PermissionDenied(_("This export belongs to someone else."))
    return made


@require_GET
def export_detail(request, export_id):
    made = _export_for(request, export_id)
    return render(request, "playbook/export.html", {"export": made})


@require_GET
def export_download(request, export_id):
    made = _export_for(request, export_id)
    if made.status != PlaybookExport.Status.SUCCEEDED or not made.file:
        raise Http404(_("This export is not ready."))
    content_type = "application/pdf" if made.kind == PlaybookExport.Kind.PDF else "application/zip"
    return FileResponse(
        made.file.open("rb"),
        as_attachment=True,
        filename=made.download_name,
        content_type=content_type,
    )
