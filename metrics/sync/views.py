"""/metrics/connections/: CRM connections, their sync log and cursors. RevOps managers only;
a connection is edited, tested and synced by its owner and superusers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metrics.importing.errors import ErrorReport
from metrics.importing.schema import kind_label
from metrics.permissions import can_edit_connection, can_manage_connections

from . import connections, services
from .forms import SECRET_LABELS, ConnectionForm
from .models import CrmConnection, SyncRun
from .secrets import SecretsUnavailable

ERRORS_SHOWN = 100


def _require_manager(user) -> None:
    if not can_manage_connections(user):
        raise PermissionDenied


def _editable(request, connection_id: int) -> CrmConnection:
    _require_manager(request.user)
    connection = get_object_or_404(CrmConnection.objects.select_related("owner"), pk=connection_id)
    if not can_edit_connection(request.user, connection):
        raise PermissionDenied
    return connection


@require_GET
def connection_list(request):
    _require_manager(request.user)
    listed = connections.connection_list()
    return render(request, "metrics/connections/list.html", {"connections": listed})


def _save(request, form: ConnectionForm):
    connection = form.save()
    if connection.owner_id is None:
        connection.owner = request.user
    try:
        connections.save_connection(connection=connection, new_secrets=form.secrets())
    except SecretsUnavailable as exc:
        form.add_error(None, str(exc))
        return None
    return redirect("metrics:connection_detail", connection_id=connection.pk)


# An error report (500 e-mail, debug page) shows a request's POST data: never the secrets.
@sensitive_post_parameters(*SECRET_LABELS)
@require_http_methods(["GET", "POST"])
def connection_new(request):
    _require_manager(request.user)
    form = ConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form)
        if response:
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "metrics/connections/form.html", {"form": form}, status=status)


@sensitive_post_parameters(*SECRET_LABELS)
@require_http_methods(["GET", "POST"])
def connection_edit(request, connection_id: int):
    connection = _editable(request, connection_id)
    form = ConnectionForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form)
        if response:
            return response
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "connection": connection}
    return render(request, "metrics/connections/form.html", context, status=status)


@require_GET
def connection_detail(request, connection_id: int):
    _require_manager(request.user)
    connection = get_object_or_404(CrmConnection.objects.select_related("owner"), pk=connection_id)
    runs = connections.connection_runs(connection)
    shown = runs[0] if runs else None
    wanted = request.GET.get("run", "")
    if wanted.isdigit():
        shown = next((run for run in runs if run.pk == int(wanted)), shown)
    rejected = []
    if shown is not None:
        for kind, entries in shown.errors.items():
            report = ErrorReport.from_json(entries)
            rejected.append((kind, report.listed[:ERRORS_SHOWN], report.notes()))
    context = {
        "connection": connection,
        "cursors": list(connection.cursors.all()),
        "runs": runs,
        "shown": shown,
        "rejected": rejected,
        "waiting": connection.waiting.count(),
        "can_edit": can_edit_connection(request.user, connection),
        "active": any(run.status in ("queued", "running") for run in runs[:1]),
    }
    return render(request, "metrics/connections/detail.html", context)


@require_POST
def connection_test(request, connection_id: int):
    connection = _editable(request, connection_id)
    for line in connections.test_connection(connection=connection):
        level = messages.SUCCESS if line.ok else messages.ERROR
        text = (
            _("%(kind)s: %(text)s") % {"kind": kind_label(line.kind), "text": line.text}
            if line.kind
            else line.text
        )
        messages.add_message(request, level, text)
    return redirect("metrics:connection_detail", connection_id=connection.pk)


@require_POST
def connection_sync(request, connection_id: int):
    connection = _editable(request, connection_id)
    run = services.queue_sync(
        connection=connection, trigger=SyncRun.Trigger.MANUAL, requested_by=request.user
    )
    messages.info(
        request,
        _("Sync %(run)s is %(status)s.")
        % {"run": run.pk, "status": run.get_status_display().lower()},
    )
    return redirect("metrics:connection_detail", connection_id=connection.pk)
