"""The playbook's models, by concern: sections and pages (documents), the living playbook
(flags, watchers, reviews), exports, content assets, onboarding paths (reading)."""

from .assets import Asset, AssetKind, AssetStage, AssetTag, WebLinkField
from .documents import (
    OwnershipChange,
    Revision,
    Section,
    SectionGroupObjectPermission,
    SectionUserObjectPermission,
    Team,
)
from .exports import PlaybookExport
from .living import Flag, FreshnessSnapshot, MetricLink, MetricTrigger, SectionVisit, Watch
from .reading import Reader, Reading, ReadingPath, ReadingPathStep

__all__ = [
    "Asset",
    "AssetKind",
    "AssetStage",
    "AssetTag",
    "Flag",
    "FreshnessSnapshot",
    "MetricLink",
    "MetricTrigger",
    "OwnershipChange",
    "PlaybookExport",
    "Reader",
    "Reading",
    "ReadingPath",
    "ReadingPathStep",
    "Revision",
    "Section",
    "SectionGroupObjectPermission",
    "SectionUserObjectPermission",
    "SectionVisit",
    "Team",
    "Watch",
    "WebLinkField",
]
