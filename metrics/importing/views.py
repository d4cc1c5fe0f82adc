"""Portal CRM imports: upload → preview → start → progress → error report. RevOps managers only."""

from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metrics import quality_checks
from metrics.csv_export import csv_response
from metrics.forms import ImportForm
from metrics.models import ImportJob
from metrics.permissions import can_import, can_open_import_job

from . import services
from .dates import DATE_ORDERS
from .errors import ImportFileError
from .options import ImportOptions
from .saved_presets import save_preset
from .schema import RECORD_KINDS

ERRORS_SHOWN = 100


def _require_manager(user) -> None:
    if not can_import(user):
        raise PermissionDenied


def _job(job_id: int, user) -> ImportJob:
    try:
        return services.import_job_get(job_id=job_id, user=user)
    except ImportJob.DoesNotExist:
        raise Http404(_("No such import.")) from None


@require_GET
def import_list(request):
    _require_manager(request.user)
    jobs = services.import_job_list()
    openable = {job.pk for job in jobs if can_open_import_job(request.user, job)}
    return render(request, "metrics/imports/list.html", {"jobs": jobs, "openable": openable})


@require_http_methods(["GET", "POST"])
def import_new(request):
    _require_manager(request.user)
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = services.import_job_create(
                    upload=form.cleaned_data["file"],
                    options=form.cleaned_data["options"],
                    created_by=request.user,
                )
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("metrics:import_detail", job_id=job.pk)
        status = 400
    else:
        form = ImportForm()
    context = {"form": form, "max_mb": settings.CSV_UPLOAD_MAX_BYTES // (1024 * 1024)}
    return render(request, "metrics/imports/new.html", context, status=status)


@require_http_methods(["GET", "POST"])
def import_detail(request, job_id: int):
    _require_manager(request.user)
    job = _job(job_id, request.user)
    start_error = ""
    if request.method == "POST":
        try:
            services.import_job_start(job=job, started_by=request.user)
        except ValidationError as exc:
            start_error = " ".join(exc.messages)
        else:
            return redirect("metrics:import_detail", job_id=job.pk)
        job = _job(job_id, request.user)
    columns, preview_rows, date_columns, preview_error = [], [], [], ""
    header, proposal = [], []
    if job.status == ImportJob.Status.PENDING:
        try:
            columns, preview_rows, date_columns = services.import_job_preview(job=job)
        except (ImportFileError, OSError) as exc:
            preview_error = str(exc)
        if preview_error or job.mapping:
            header, proposal = _mapping_choices(job)
    report = services.import_job_error_report(job=job)
    context = {
        "job": job,
        "columns": columns,
        "preview_rows": preview_rows,
        "date_columns": date_columns,
        "header": header,
        "proposal": proposal,
        "preview_error": preview_error,
        "start_error": start_error,
        "can_start": services.import_job_can_start(job),
        "errors": report.listed[:ERRORS_SHOWN],
        "errors_hidden": max(len(report.listed) - ERRORS_SHOWN, 0),
        "errors_not_listed": report.notes(),
        "in_progress": job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
        # The data-quality check that follows every import: its findings, summarised.
        "findings": quality_checks.findings() if job.status == ImportJob.Status.SUCCEEDED else [],
    }
    return render(
        request, "metrics/imports/detail.html", context, status=400 if start_error else 200
    )


@require_POST
def import_options(request, job_id: int):
    """The preview's choices: the day/month order of ambiguous dates, or the column mapping
    (confirmed or changed from the proposal, and saved as a named preset if asked). The file is
    validated again with them."""
    _require_manager(request.user)
    job = _job(job_id, request.user)
    date_order = request.POST.get("date_order", job.date_order)
    if date_order not in ("", *DATE_ORDERS):
        return HttpResponseBadRequest(_("Unknown date order."))
    options = replace(ImportOptions.of_job(job), date_order=date_order)
    if "mapping_form" in request.POST:
        fields = RECORD_KINDS[job.kind].columns
        mapping = {f: request.POST[f"map_{f}"] for f in fields if request.POST.get(f"map_{f}")}
        options = replace(options, mapping=mapping)
    try:
        services.import_job_change_options(job=job, options=options, changed_by=request.user)
        if request.POST.get("save_as", "").strip():
            preset = save_preset(
                name=request.POST["save_as"], options=options, saved_by=request.user
            )
            messages.success(
                request,
                _("Saved as the preset “%(preset)s”: %(command)s")
                % {
                    "preset": preset.name,
                    "command": f"import_crm {job.kind} FILE --preset {preset.name}",
                },
            )
    except (ImportFileError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("metrics:import_detail", job_id=job.pk)


def _mapping_choices(job: ImportJob) -> tuple[list[str], list[dict]]:
    """The file's columns, and per field the column shown as chosen: the job's mapping, else the
    proposal's, with the proposal's confidence."""
    try:
        header, proposal = services.import_job_proposal(job=job)
    except (ImportFileError, OSError):
        return [], []
    return header, [
        {
            "field": p.field,
            "required": p.required,
            "chosen": job.mapping.get(p.field, "") if job.mapping else (p.column or ""),
            "proposed": p.column or "",
            "confidence": p.confidence,
            "why": p.why,
        }
        for p in proposal
    ]


@require_GET
def import_status(request, job_id: int):
    _require_manager(request.user)
    job = _job(job_id, request.user)
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "rows_total": job.rows_total,
            "rows_written": job.rows_written,
            "rows_invalid": job.rows_invalid,
            "message": job.message,
            "done": job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED),
        }
    )


@require_GET
def import_errors_csv(request, job_id: int):
    """The error report: the header is the canonical one (scripts read it), the reasons are in
    the reader's language (the job stores them untranslated)."""
    _require_manager(request.user)
    job = _job(job_id, request.user)
    return csv_response(
        f"import-{job.pk}-errors.csv",
        ["line", "column", "value", "reason"],
        services.import_job_error_report(job=job).csv_rows(),
        for_people=False,  # its header and layout are for scripts too; only the reasons translate
    )
