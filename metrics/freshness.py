"""How fresh the data is: when each record kind was last imported, by whom, how many rows, and
which figures rest on a kind not imported for longer than METRICS_STALE_AFTER_DAYS.

Every import that writes rows records a RecordImport (`record_import`: the portal's jobs, the
`import_crm` command and the demo data). Reads are a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from . import catalog
from .catalog import MetricDefinition
from .importing.schema import KINDS
from .models import ImportJob, RecordImport

# The record kinds each metric is computed from: its group's, or its own where it differs.
KINDS_OF_GROUP = {
    catalog.PIPELINE: ("opportunities",),
    catalog.RECURRING: ("subscriptions",),
    catalog.ACQUISITION: ("opportunities", "spend"),
    catalog.FUNNEL: ("leads",),
}
KINDS_OF_METRIC = {
    "forecast_amount": ("forecasts",),
    "forecast_accuracy": ("opportunities", "forecasts"),
    "new_customers": ("opportunities",),
    "ltv_cac": ("opportunities", "spend", "subscriptions"),
    "cac_payback_months": ("spend", "subscriptions"),
    "cost_per_lead": ("leads", "spend"),
}


def record_kinds(definition: MetricDefinition) -> tuple[str, ...]:
    return KINDS_OF_METRIC.get(definition.key) or KINDS_OF_GROUP.get(definition.group, ())


def stale_after() -> timedelta:
    return timedelta(days=settings.METRICS_STALE_AFTER_DAYS)


def record_import(*, kind: str, rows_written: int, via: str, imported_by=None, job=None) -> None:
    """Note an import that wrote rows (called inside the write's transaction)."""
    RecordImport.objects.create(
        kind=kind,
        rows_written=rows_written,
        via=via,
        imported_by=imported_by,
        imported_at=timezone.now(),
        job=job,
    )


@dataclass
class KindFreshness:
    kind: str
    last: RecordImport | None
    stale: bool

    @property
    def label(self) -> str:
        return ImportJob.Kind(self.kind).label


@dataclass
class Freshness:
    kinds: dict[str, KindFreshness]
    now: datetime

    @property
    def stale_days(self) -> int:
        return stale_after().days

    @property
    def stale_kinds(self) -> list[str]:
        return [kind for kind, entry in self.kinds.items() if entry.stale]

    @property
    def last_import(self) -> RecordImport | None:
        imports = [entry.last for entry in self.kinds.values() if entry.last]
        return max(imports, key=lambda i: (i.imported_at, i.pk), default=None)

    def stale_for(self, definition: MetricDefinition) -> list[str]:
        """The kinds this metric uses that are stale."""
        return [kind for kind in record_kinds(definition) if self.kinds[kind].stale]

    def stale_keys(self) -> set[str]:
        """The metrics that rest on a stale kind."""
        return {m.key for m in catalog.METRICS if self.stale_for(m)}


def latest_imports() -> dict[str, RecordImport]:
    """The last import of each record kind that has one, with who imported it (one query)."""
    latest_ids = RecordImport.objects.values("kind").annotate(last=Max("pk")).values("last")
    return {
        entry.kind: entry
        for entry in RecordImport.objects.filter(pk__in=latest_ids).select_related("imported_by")
    }


def freshness(
    *, now: datetime | None = None, latest: dict[str, RecordImport] | None = None
) -> Freshness:
    """The last import of every record kind (`latest`, read when not given: one query) and
    whether it is stale at `now`.

    A kind never imported is stale too (no import for longer than the setting), except one
    no metric uses.
    """
    now = now or timezone.now()
    if latest is None:
        latest = latest_imports()
    used = {kind for m in catalog.METRICS for kind in record_kinds(m)}
    cutoff = now - stale_after()
    kinds = {}
    for kind in KINDS:
        last = latest.get(kind)
        stale = kind in used and (last is None or last.imported_at < cutoff)
        kinds[kind] = KindFreshness(kind=kind, last=last, stale=stale)
    return Freshness(kinds=kinds, now=now)
