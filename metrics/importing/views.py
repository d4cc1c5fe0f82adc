"""Portal CRM imports: upload → preview → start → progress → error report. RevOps managers only."""

from dataclasses import replace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metrics.csv_export import csv_response
from metrics.forms import ImportForm
from metrics.models import ImportJob
from metrics.permissions import can_import, can_open_import_job

from . import services
from .dates import DATE_ORDERS
from .errors import ImportFileError
from .options import ImportOptions

ERRORS_SHOWN = 100


def _require_manager(user) -> None:
    if not can_import(user):
        raise PermissionDenied


def _job(job_id: int, user) -> ImportJob:
    try:
        return services.import_job_get(job_id=job_id, user=user)
    except ImportJob.DoesNotExist:
        raise Http404("No such import.") from None


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
    if job.status == ImportJob.Status.PENDING:
        try:
            columns, preview_rows, date_columns = services.import_job_preview(job=job)
        except (ImportFileError, OSError) as exc:
            preview_error = str(exc)
    report = services.import_job_error_report(job=job)
    context = {
        "job": job,
        "columns": columns,
        "preview_rows": preview_rows,
        "date_columns": date_columns,
        "preview_error": preview_error,
        "start_error": start_error,
        "can_start": services.import_job_can_start(job),
        "errors": report.listed[:ERRORS_SHOWN],
        "errors_hidden": max(len(report.listed) - ERRORS_SHOWN, 0),
        "errors_not_listed": report.notes(),
        "in_progress": job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
    }
    return render(
        request, "metrics/imports/detail.html", context, status=400 if start_error else 200
    )


@require_POST
def import_options(request, job_id: int):
    """The preview's choices (the day/month order of ambiguous dates): validate the file again."""
    _require_manager(request.user)
    job = _job(job_id, request.user)
    date_order = request.POST.get("date_order", "")
    if date_order not in ("", *DATE_ORDERS):
        return HttpResponseBadRequest("Unknown date order.")
    options = replace(ImportOptions.of_job(job), date_order=date_order)
    try:
        services.import_job_change_options(job=job, options=options, changed_by=request.user)
    except (ImportFileError, ValidationError):
        pass  # the preview shows why (the job, unchanged, still previews)
    return redirect("metrics:import_detail", job_id=job.pk)


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
    _require_manager(request.user)
    job = _job(job_id, request.user)
    return csv_response(
        f"import-{job.pk}-errors.csv",
        ["line", "column", "value", "reason"],
        services.import_job_error_report(job=job).csv_rows(),
    )
