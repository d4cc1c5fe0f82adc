"""The content-asset library's pages (/playbook/assets/). Thin: parse, ask ``permissions``,
call ``asset_library``, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import asset_library, permissions
from .asset_files import AssetFileRejected, shown_inline
from .asset_forms import AssetForm
from .models import Asset, AssetKind, AssetStage


def _require_manager(user):
    if not permissions.can_manage_assets(user):
        raise PermissionDenied(_("The champions and Marketing's section owners manage the assets."))


@require_GET
def asset_list(request):
    try:
        filters = asset_library.parse_filters(request.GET)
    except asset_library.BadFilter as bad:
        return HttpResponseBadRequest(str(bad), content_type="text/plain; charset=utf-8")
    context = {
        "filters": filters,
        "groups": asset_library.grouped_assets(filters),
        "tags": asset_library.tag_options(),
        "stages": AssetStage.choices,
        "kinds": AssetKind.choices,
        "groupings": asset_library.GROUPINGS,
        "can_manage": permissions.can_manage_assets(request.user),
    }
    return render(request, "playbook/assets/list.html", context)


def _asset_form_page(request, asset: Asset):
    _require_manager(request.user)
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if request.method == "GET":
        form = AssetForm(instance=asset, initial={"owner": asset.owner or request.user})
    else:
        form = AssetForm(request.POST, request.FILES, instance=asset)
        if form.is_valid():
            try:
                saved = asset_library.save_asset(
                    asset=form.instance,
                    personas=form.cleaned_data["personas"],
                    pain_points=form.cleaned_data["pain_points"],
                    upload=form.cleaned_data.get("upload"),
                )
            except AssetFileRejected as rejected:
                form.add_error("upload", str(rejected))
            else:
                messages.success(request, _("Saved “%(title)s”.") % {"title": saved.title})
                return redirect("playbook:assets")
    return render(request, "playbook/assets/form.html", {"form": form, "asset": asset})


def asset_new(request):
    return _asset_form_page(request, Asset())


def asset_edit(request, asset_id):
    return _asset_form_page(request, get_object_or_404(Asset, pk=asset_id))


@require_POST
def asset_delete(request, asset_id):
    _require_manager(request.user)
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None:  # a second click, or someone else was quicker: the asset is gone either way
        messages.info(request, _("That asset was already deleted."))
    else:
        asset_library.delete_asset(asset=asset)
        messages.success(request, _("Deleted “%(title)s”.") % {"title": asset.title})
    return redirect("playbook:assets")


@require_GET
def asset_download(request, asset_id):
    """An uploaded asset, from the private storage, as the type detected at upload; documents
    always as an attachment, so nothing uploaded is ever rendered as a page of this site."""
    asset = get_object_or_404(Asset, pk=asset_id)
    if not asset.file:
        raise Http404(_("This asset is a link, not a file."))
    try:
        handle = default_storage.open(asset.file.name)
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    response = FileResponse(
        handle,
        content_type=asset.file_type,
        as_attachment=not shown_inline(asset.file_type),
        filename=asset.file_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response
