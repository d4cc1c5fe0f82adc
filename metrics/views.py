"""Dashboard pages: parse the request (`params`), call one selector or page builder, render."""

from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from revops_portal.kept import changes
from revops_portal.kept.store import kept

from . import catalog, drilldown, kept_html, pages, params, selectors, trust
from .csv_export import csv_response
from .forms import MetricOwnerForm
from .keyset import keyset_page
from .models import MetricRun
from .params import BadRequest
from .periods import STANDARD_KINDS, Period
from .permissions import can_import, can_read_records, can_recompute, can_set_metric_owner
from .services import request_recompute

RECORDS_PER_PAGE = 50


def answers_bad_request(*, json: bool = False):
    """A BadRequest raised by the view becomes a 400 with its message (a page, or JSON)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except BadRequest as exc:
                if json:
                    return JsonResponse({"error": str(exc)}, status=400)
                html = render_to_string(
                    "metrics/bad_request.html", {"message": str(exc)}, request=request
                )
                return HttpResponseBadRequest(html)

        return wrapper

    return decorate


def _definition(key: str) -> catalog.MetricDefinition:
    definition = catalog.get(key)
    if definition is None:
        raise Http404("No such metric.")
    return definition


def _switches(request, period, cut, *, extra=None):
    """Links to the same page for the previous/next period and the month/quarter/year switch."""

    def link(target):
        return f"{request.path}?{urlencode({'period': target.code(), **cut.params(), **(extra or {})})}"

    return {
        "kind_links": [
            (kind, link(Period.containing(period.start, kind)), kind == period.kind)
            for kind in STANDARD_KINDS
        ],
        "previous_link": link(period.previous()),
        "next_link": link(period.next()),
        # A period not over yet shows its figures so far: say so rather than alarm anyone.
        "period_in_progress": period.end > timezone.localdate(),
    }


def _page_place(request, period, cut, switches, shown) -> tuple:
    """What a dashboard page's kept HTML varies by besides the run and the language: the path,
    the period and cut, whether the period is still running (its notice), and what the caller
    shows of other data (`shown`)."""
    return (request.path, period.code(), cut.kind, cut.value, switches["period_in_progress"], shown)


def _trust_context(summary: trust.Trust, run, keys) -> dict:
    """The as-of line and, per metric, its owner, stale kinds and open findings (issue 11)."""
    return {"trust": summary, "trust_run": run, "card_trust": summary.by_key(keys)}


def _rights(user, version) -> dict[str, bool]:
    """What the reader may do on a dashboard page, as metrics/permissions decides, kept under
    the dashboards' change counter (every write of users' groups and permissions and of
    groups' permissions moves it: changes.RIGHTS) and the flags of the user's row, read with the session's user: no
    query when kept (Django reads the permissions, one query, for each request)."""
    return kept(
        "metrics:rights",
        (user.pk, user.is_active, user.is_superuser, user.is_staff, version),
        lambda: {
            "recompute": can_recompute(user),
            "import": can_import(user),
            "set_metric_owner": can_set_metric_owner(user),
        },
        localised=False,
    )


@require_GET
@answers_bad_request()
def scorecard(request):
    run, version = selectors.latest_run_and_changes(changes.DASHBOARDS)
    period, cut = params.period_and_cut(request.GET, run)
    run_id = params.followed_run_id(request.GET)
    switches = _switches(request, period, cut)
    # The as-of line's reads, kept under the change counter (a card's stale kinds are the
    # data line's that its metric uses: worked out in the render).
    summary = trust.trust(version=version)

    def render_figures():
        card = pages.scorecard(run=run, period=period, cut=cut)
        context = {
            "run": run,
            "card": card,
            "team_view": pages.team_view(run=run, period=period) if cut.is_all else None,
            "cut_choices": selectors.cut_values(run),
            "period": period,
            "cut": cut,
            **switches,
            **_trust_context(summary, run, pages.SCORECARD_KEYS),
        }
        return {
            "head": render_to_string("metrics/_scorecard_head.html", context),
            "nav": render_to_string("metrics/_period_nav.html", context),
            "figures": render_to_string("metrics/_scorecard_figures.html", context),
            "has_values": card.has_values,
        }

    # The cards show the targets and each metric's owner, stale flag and findings, the head
    # the last import and the open findings: the kept HTML is keyed by the change counter
    # their writes move and by the stale kinds (which change with the time alone), so a new
    # target, owner, import or finding shows at once.
    shown = (version, summary.freshness.stale_kinds)
    rights = _rights(request.user, version)
    context = {
        "run": run,
        "period": period,
        "cut": cut,
        "parts": kept_html.kept_parts(
            run,
            page="scorecard",
            vary=_page_place(request, period, cut, switches, shown),
            render=render_figures,
        ),
        "can_recompute": rights["recompute"],
        "can_import": rights["import"],
        "active_run": MetricRun.objects.filter(pk=run_id).first() if run_id else None,
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
    run = selectors.latest_successful_run()
    period, cut = params.period_and_cut(request.GET, run)
    return pages.metric_page(run=run, definition=definition, period=period, cut=cut)


@require_GET
@answers_bad_request()
def metric(request, key: str):
    definition = _definition(key)
    run, version = selectors.latest_run_and_changes(changes.DASHBOARDS)
    period, cut = params.period_and_cut(request.GET, run)
    available = cut.allows(definition)
    switches = _switches(request, period, cut)
    summary = trust.trust(version=version)  # kept under the change counter

    def render_figures():
        page = pages.metric_page(run=run, definition=definition, period=period, cut=cut)
        context = {
            "run": run,
            "page": page,
            "definition": definition,
            "target": page.target,  # who set it is shown beside the owner
            # Only the cuts this metric has are offered (owners and teams: pipeline metrics only).
            "cut_choices": {
                kind: values
                for kind, values in selectors.cut_values(run).items()
                if kind in definition.cuts
            },
            "period": period,
            "cut": cut,
            **switches,
            **_trust_context(summary, run, [key]),
        }
        return {
            "head": render_to_string("metrics/_metric_head.html", context),
            "top": render_to_string("metrics/_metric_figures_top.html", context),
            "trust": render_to_string("metrics/_metric_trust.html", context),
            "bottom": render_to_string("metrics/_metric_figures_bottom.html", context),
            "has_values": page.has_values,
        }

    # The head, the headline and the chart show the target, the owner, the last import and
    # the findings: the kept HTML is keyed by the change counter their writes move, and by
    # the stale kinds (which change with the time alone).
    shown = (version, summary.freshness.stale_kinds)
    rights = _rights(request.user, version)
    context = {
        "definition": definition,
        "period": period,
        "cut": cut,
        "run": run,
        "available": available,
        "parts": kept_html.kept_parts(
            run,
            page=f"metric:{key}",
            vary=_page_place(request, period, cut, switches, shown),
            render=render_figures,
        ),
        "can_import": rights["import"],
    }
    if rights["set_metric_owner"]:
        owner = summary.owners.get(key)
        context["owner_form"] = MetricOwnerForm(
            initial={"owner": owner.owner_id if owner else None}
        )
    return render(request, "metrics/metric.html", context)


@require_GET
@answers_bad_request()
def metric_csv(request, key: str):
    page = _metric_page(request, key)
    name = f"{key}-{page.period.kind}-{page.period.code()}"
    if not page.cut.is_all:
        name += f"-{page.cut.kind}"
    return csv_response(
        f"{name}.csv", pages.SERIES_CSV_HEADER, pages.series_rows(page), for_people=False
    )


@require_GET
@answers_bad_request(json=True)
def metric_json(request, key: str):
    definition = _definition(key)
    run = selectors.latest_successful_run()
    period, cut = params.period_and_cut(request.GET, run)
    return JsonResponse(pages.metric_report(run=run, definition=definition, period=period, cut=cut))


def _drilldown(request, key):
    if not can_read_records(request.user):
        raise PermissionDenied
    definition = _definition(key)
    run = selectors.latest_successful_run()
    period, cut = params.period_and_cut(request.GET, run)
    return definition, period, cut, drilldown.drilldown(definition, period, cut, run=run)


@require_GET
@answers_bad_request()
def records(request, key: str):
    if not can_read_records(request.user):
        raise PermissionDenied
    definition = _definition(key)
    run, version = selectors.latest_run_and_changes(changes.DRILLDOWNS)
    period, cut = params.period_and_cut(request.GET, run)
    # Keyset pages (metrics/keyset.py): ?after=<id> / ?before=<id> of the first table,
    # ?<table>_after= / ?<table>_before= of the others.
    cursors = params.record_cursors(request.GET, drilldown.TABLE_NAMES)
    switches = _switches(request, period, cut)

    def render_content():
        tables = drilldown.drilldown(definition, period, cut, run=run)
        pages_shown = []
        for table in tables:
            prefix = "" if table is tables[0] else f"{table.name}_"
            page = keyset_page(
                table.queryset,
                after=cursors.get(f"{prefix}after"),
                before=cursors.get(f"{prefix}before"),
                size=RECORDS_PER_PAGE,
            )
            rows = table.html_rows(page.objects)
            pages_shown.append({"table": table, "page": page, "rows": rows, "prefix": prefix})
        context = {
            "definition": definition,
            "period": period,
            "cut": cut,
            "pages": pages_shown,
            **switches,
        }
        return {"content": render_to_string("metrics/_records.html", context)}

    # The records are listed as they are (or, for accounts and new customers, as kept for the
    # run): every write of them moves the drill-downs' change counter (revops_portal/kept/
    # changes.py `DRILLDOWNS`: the CRM records only), so the page is kept under the run, that
    # counter, its place and its cursors. A cursor no longer listed is
    # a 400 from the render, which is then not kept.
    kept_page = kept_html.kept_parts(
        run,
        page=f"records:{key}",
        vary=(_page_place(request, period, cut, switches, version), sorted(cursors.items())),
        render=render_content,
    )
    context = {"definition": definition, "period": period, "content": kept_page["content"]}
    return render(request, "metrics/records.html", context)


@require_GET
@answers_bad_request()
def records_csv(request, key: str):
    definition, period, cut, tables = _drilldown(request, key)
    wanted = request.GET.get("table") or tables[0].name
    table = next((t for t in tables if t.name == wanted), None)
    if table is None:
        raise BadRequest(
            _("No table %(table)s behind %(metric)s.")
            % {"table": repr(wanted[:40]), "metric": definition.name}
        )
    header = [heading for _attr, heading in table.columns]
    rows = (table.rows([obj])[0] for obj in table.queryset.iterator(chunk_size=2000))
    return csv_response(
        f"{key}-records-{table.name}-{period.code()}.csv", header, rows, for_people=True
    )
