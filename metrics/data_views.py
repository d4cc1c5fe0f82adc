"""The Data page (/metrics/data/): freshness per record kind, the data-quality findings with their
records and CSV, a check on demand, acceptances; and setting a metric's owner. Thin views over
metrics/freshness.py, metrics/quality.py, metrics/quality_checks.py and metrics/owners.py."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import catalog, owners, params, quality, quality_checks, selectors
from .csv_export import csv_response
from .forms import MetricOwnerForm
from .freshness import freshness, stale_after
from .keyset import keyset_page
from .models import DataFinding, QualityCheck
from .permissions import can_accept_findings, can_run_quality_check, can_set_metric_owner
from .record_tables import RecordTable
from .views import answers_bad_request

FINDING_ROWS_PER_PAGE = 50


class AcceptForm(forms.Form):
    note = forms.CharField(max_length=quality_checks.NOTE_MAX_CHARS, strip=True)


@require_GET
def data_page(request):
    check = quality_checks.latest_check()
    context = {
        "freshness": freshness(),
        "stale_days": stale_after().days,
        "run": selectors.latest_successful_run(),
        "check": check,
        "check_pending": check is not None
        and check.status in (QualityCheck.Status.QUEUED, QualityCheck.Status.RUNNING),
        "findings": quality_checks.findings(),
        "can_run_check": can_run_quality_check(request.user),
        "can_accept": can_accept_findings(request.user),
        "note_max": quality_checks.NOTE_MAX_CHARS,
    }
    return render(request, "metrics/data/page.html", context)


@require_POST
def data_check(request):
    if not can_run_quality_check(request.user):
        raise PermissionDenied("Only RevOps managers can start a data-quality check.")
    quality_checks.request_check(trigger=QualityCheck.Trigger.MANUAL, requested_by=request.user)
    messages.success(request, _("A data-quality check was queued; this page shows its findings."))
    return redirect("metrics:data")


def _finding_kind(code: str) -> quality.FindingKind:
    kind = quality.by_code(code)
    if kind is None:
        raise Http404("No such finding.")
    return kind


def _table(kind: quality.FindingKind, today) -> RecordTable:
    return RecordTable(kind.code, kind.title, kind.columns, kind.queryset(today))


@require_GET
@answers_bad_request()
def finding_records(request, code: str):
    kind = _finding_kind(code)
    table = _table(kind, timezone.localdate())
    after = params.record_id(request.GET, "after")
    page = keyset_page(table.queryset, after=after, size=FINDING_ROWS_PER_PAGE)
    context = {
        "kind": kind,
        "stored": _shown(DataFinding.objects.filter(code=code).first()),
        "table": table,
        "rows": table.rows(page.objects),
        "next_after": page.next_after,
        "count": table.queryset.count(),
        "metrics": [catalog.BY_KEY[k] for k in kind.metric_keys if k in catalog.BY_KEY],
    }
    return render(request, "metrics/data/finding.html", context)


def _shown(finding):
    """A stored finding in the reader's language (it is stored in English)."""
    return quality_checks.shown(finding) if finding else None


@require_GET
def finding_csv(request, code: str):
    kind = _finding_kind(code)
    table = _table(kind, timezone.localdate())
    header = [heading for _attr, heading in table.columns]
    rows = (table.rows([obj])[0] for obj in table.queryset.iterator(chunk_size=2000))
    return csv_response(
        f"finding-{code}-{timezone.localdate().isoformat()}.csv", header, rows, for_people=True
    )


@require_POST
def finding_accept(request, code: str):
    _finding_kind(code)
    if not can_accept_findings(request.user):
        raise PermissionDenied("Only RevOps managers can accept a finding.")
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            ngettext(
                "Say why the finding is accepted (a note of up to %(count)s character).",
                "Say why the finding is accepted (a note of up to %(count)s characters).",
                quality_checks.NOTE_MAX_CHARS,
            )
            % {"count": number_format(quality_checks.NOTE_MAX_CHARS, force_grouping=True)},
        )
        return redirect(f"{reverse('metrics:data')}#finding-{code}")
    try:
        quality_checks.accept_finding(
            code=code, note=form.cleaned_data["note"], accepted_by=request.user
        )
    except DataFinding.DoesNotExist:
        raise Http404("This finding has not been checked yet.") from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{reverse('metrics:data')}#finding-{code}")


@require_POST
def metric_owner(request, key: str):
    if catalog.get(key) is None:
        raise Http404("No such metric.")
    if not can_set_metric_owner(request.user):
        raise PermissionDenied("Only RevOps managers name a metric's owner.")
    form = MetricOwnerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active user as the owner."))
    else:
        owners.set_owner(key=key, owner=form.cleaned_data["owner"], set_by=request.user)
        messages.success(request, _("The metric's owner is saved."))
    return redirect("metrics:metric", key=key)
