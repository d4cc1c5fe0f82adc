"""What a page says about the data behind its figures: the as-of line (last import, stale kinds,
open findings), and per metric its owner, stale kinds and open findings. Three queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from . import catalog, quality_checks
from .freshness import Freshness, freshness
from .models import DataFinding, MetricOwner


@dataclass
class MetricTrust:
    owner: MetricOwner | None
    stale_kinds: list[str]
    findings: list[DataFinding] = field(default_factory=list)

    def shown(self) -> tuple:
        """What a scorecard card prints of it (templates/metrics/_card_trust.html): the owner's
        name and e-mail, the stale kinds, the findings' titles. Kept card HTML is keyed by it."""
        person = self.owner.owner if self.owner else None
        return (
            person and (person.pk, person.get_full_name(), person.get_username(), person.email),
            tuple(self.stale_kinds),
            tuple((finding.pk, finding.code, finding.title) for finding in self.findings),
        )


@dataclass
class Trust:
    freshness: Freshness
    findings: list[DataFinding]
    owners: dict[str, MetricOwner]

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


def trust(*, now: datetime | None = None) -> Trust:
    owners = {o.key: o for o in MetricOwner.objects.select_related("owner", "set_by")}
    return Trust(freshness=freshness(now=now), findings=quality_checks.findings(), owners=owners)
