"""What a page says about the data behind its figures: the as-of line (last import, stale kinds,
open findings), and per metric its owner, stale kinds and open findings.

Its three reads (owners, the last import of each kind, the findings) are kept under the
dashboards' change counter (revops_portal/kept/changes.py `DASHBOARDS`: every write of owners,
imports, findings and user names moves it), so a request reads one number instead; whether a kind is stale is worked out at
each request from the kept last imports, as it changes with the time alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from revops_portal.kept import changes
from revops_portal.kept.store import kept

from . import catalog, quality_checks
from .freshness import Freshness, freshness, latest_imports
from .models import DataFinding, MetricOwner


@dataclass
class MetricTrust:
    owner: MetricOwner | None
    stale_kinds: list[str]
    findings: list[DataFinding] = field(default_factory=list)


@dataclass
class Trust:
    freshness: Freshness
    findings: list[DataFinding]
    owners: dict[str, MetricOwner]
    # The change counter it was kept under: what it shows, and the targets, are the same while
    # it is (a page's kept parts that show them can be keyed by it).
    version: changes.Version | None = None

    @property
    def open_findings(self) -> list[DataFinding]:
        return [f for f in self.findings if f.open]

    def for_key(self, key: str) -> MetricTrust:
        definition = catalog.BY_KEY[key]
        return MetricTrust(
            owner=self.owners.get(key),
            stale_kinds=self.freshness.stale_for(definition),
            findings=quality_checks.open_findings_for(key, self.findings),
        )

    def by_key(self, keys) -> dict[str, MetricTrust]:
        return {key: self.for_key(key) for key in keys}


def _read() -> tuple[dict[str, MetricOwner], dict, list[DataFinding]]:
    """Owners, the last import of each kind, the findings (in the active language): 3 queries."""
    owners = {o.key: o for o in MetricOwner.objects.select_related("owner", "set_by")}
    return owners, latest_imports(), quality_checks.findings()


def trust(*, now: datetime | None = None, version: changes.Version | None = None) -> Trust:
    """One query when kept (the change counter; none when the caller read it: `version`, of
    `changes.DASHBOARDS` or of reads that hold its tables), four when not."""
    if version is None:
        version = changes.version(changes.DASHBOARDS)
    owners, latest, findings = kept("metrics:trust", version, _read)
    return Trust(
        freshness=freshness(now=now, latest=latest),
        findings=findings,
        owners=owners,
        version=version,
    )
