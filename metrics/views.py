"""Dashboard pages: parse the request, call one selector in `dashboards`, render. No logic here."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from . import catalog, cuts, dashboards
from .csv_export import csv_response
from .dashboards import BadRequest
from .models import MetricRun
from .permissions import can_read_records, can_recompute
from .services import request_recompute

RECORDS_PER_PAGE = 50


def _bad_request(request, message: str):
    html = render_to_string("metrics/bad_request.html", {"message": message}, request=request)
    return HttpResponseBadRequest(html)


def _definition(key: str) -> catalog.MetricDefinition:
    definition = catalog.get(key)
    if definition is None:
        raise Http404("No such metric.")
    return definition


def _choices(request, run):
    """The period and cut asked for in the query string (defaults filled in)."""
    params = request.GET
    try:
        cut = cuts.parse(segment=params.get("segment"), channel=params.get("channel"))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    kind = params.get("kind") or None
    period = dashboards.parse_period(params.get("period"), kind=kind)
    if period is None:
        period = dashboards.default_period(run, kind or dashboards.MONTH)
    return period, cut


def _switches(request, period, cut, *, extra=None):
    """Links to the same page for the previous/next period and the month/quarter/year switch."""
    from urllib.parse import urlencode

    from .periods import Period

    def link(target):
        return f"{request.path}?{urlencode({'period': target.code(), **cut.params(), **(extra or {})})}"

    return {
        "kind_links": [
            (kind, link(Period.containing(period.start, kind)), kind == period.kind)
            for kind in dashboards.PERIOD_KINDS
        ],
        "previous_link": link(period.previous()),
        "next_link": link(period.next()),
        # A period not over yet shows its figures so far: say so rather than alarm anyone.
        "period_in_progress": period.end > timezone.localdate(),
    }


@require_GET
def scorecard(request):
    run = dashboards.latest_run()
    try:
        period, cut = _choices(request, run)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    active_run = None
    if run_id := request.GET.get("run", "").strip():
        if run_id.isdigit():
            active_run = MetricRun.objects.filter(pk=int(run_id)).first()
    context = {
        "card": dashboards.scorecard(run=run, period=period, cut=cut),
        "can_recompute": can_recompute(request.user),
        "active_run": active_run,
        "cut_choices": dashboards.cut_choices(run),
        **_switches(request, period, cut),
    }
    return render(request, "metrics/scorecard.html", context)


@require_POST
def recompute(request):
    if not can_recompute(request.user):
        raise PermissionDenied("Only RevOps managers can start a recomputation.")
    run = request_recompute(trigger=MetricRun.Trigger.MANUAL, requested_by=request.user)
    return redirect(f"{reverse('metrics:scorecard')}?run={run.pk}")


@require_GET
def run_status(request, pk: int):
    run = get_object_or_404(MetricRun, pk=pk)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),
            "progress": run.progress,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "done": run.status in (MetricRun.Status.SUCCEEDED, MetricRun.Status.FAILED),
        }
    )


def _metric_page(request, key):
    definition = _definition(key)
    run = dashboards.latest_run()
    period, cut = _choices(request, run)
    return dashboards.metric_page(run=run, definition=definition, period=period, cut=cut)


@require_GET
def metric(request, key: str):
    try:
        page = _metric_page(request, key)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    context = {
        "page": page,
        "definition": page.definition,
        "cut_choices": dashboards.cut_choices(page.run),
        **_switches(request, page.period, page.cut),
    }
    return render(request, "metrics/metric.html", context)


@require_GET
def metric_csv(request, key: str):
    try:
        page = _metric_page(request, key)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    name = f"{key}-{page.period.kind}-{page.period.code()}"
    if not page.cut.is_all:
        name += f"-{page.cut.kind}"
    return csv_response(f"{name}.csv", dashboards.SERIES_CSV_HEADER, dashboards.series_rows(page))


@require_GET
def metric_json(request, key: str):
    definition = _definition(key)
    try:
        run = dashboards.latest_run()
        period, cut = _choices(request, run)
    except BadRequest as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(
        dashboards.metric_report(run=run, definition=definition, period=period, cut=cut)
    )


def _drilldown(request, key):
    if not can_read_records(request.user):
        raise PermissionDenied
    definition = _definition(key)
    run = dashboards.latest_run()
    period, cut = _choices(request, run)
    return definition, period, cut, dashboards.drilldown(definition, period, cut)


@require_GET
def records(request, key: str):
    try:
        definition, period, cut, tables = _drilldown(request, key)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    pages = []
    for table in tables:
        param = "page" if table is tables[0] else f"{table.name}_page"
        page = Paginator(table.queryset, RECORDS_PER_PAGE).get_page(request.GET.get(param))
        pages.append(
            {"table": table, "page": page, "rows": table.rows(page.object_list), "param": param}
        )
    context = {
        "definition": definition,
        "period": period,
        "cut": cut,
        "pages": pages,
        **_switches(request, period, cut),
    }
    return render(request, "metrics/records.html", context)


@require_GET
def records_csv(request, key: str):
    try:
        definition, period, cut, tables = _drilldown(request, key)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    wanted = request.GET.get("table") or tables[0].name
    table = next((t for t in tables if t.name == wanted), None)
    if table is None:
        return _bad_request(request, f"No table {wanted!r} behind {definition.name}.")
    header = [heading for _, heading in table.columns]
    rows = (table.rows([obj])[0] for obj in table.queryset.iterator(chunk_size=2000))
    return csv_response(f"{key}-records-{table.name}-{period.code()}.csv", header, rows)
