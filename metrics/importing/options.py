"""What a person asks of an import: the kind, the preset, a column mapping, a stage→status map,
whether to skip invalid rows, the day/month order of ambiguous dates, whether to create missing
accounts.

They travel together as one `ImportOptions` (a portal ImportJob stores the same fields), and
are checked when it is made: an unknown kind, preset or mapped field is a file error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .dates import DATE_ORDERS
from .errors import ImportFileError
from .presets import PRESETS
from .schema import KINDS, QUALIFIED, RECORD_KINDS, STATUSES, RecordKind, kind_label


@dataclass(frozen=True)
class ImportOptions:
    kind: str
    preset: str = "generic"
    mapping: dict[str, str] = field(default_factory=dict)  # canonical field → column name
    # Opportunities: casefolded stage (or *) → status. Leads: casefolded status → "qualified".
    status_map: dict[str, str] = field(default_factory=dict)
    skip_invalid: bool = False  # write the valid rows of a file with invalid ones
    date_order: str = ""  # MDY or DMY for columns whose dates are all ambiguous; "": the preset's
    create_accounts: bool = False  # create the accounts that references name but none has

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ImportFileError(
                _("Unknown kind “%(kind)s”: use one of %(kinds)s.")
                % {"kind": self.kind, "kinds": ", ".join(KINDS)}
            )
        if self.preset not in PRESETS:
            raise ImportFileError(
                _("Unknown preset “%(preset)s”: use one of %(presets)s.")
                % {"preset": self.preset, "presets": ", ".join(PRESETS)}
            )
        if self.date_order not in ("", *DATE_ORDERS):
            raise ImportFileError(
                _("Unknown date order “%(order)s”: use MDY or DMY.") % {"order": self.date_order}
            )
        self._check_status_map()
        fields = self.record_kind.columns
        unknown = [name for name in self.mapping if name not in fields]
        if unknown:
            raise ImportFileError(
                _(
                    "Unknown field(s) in the mapping for %(kind)s: %(unknown)s. The fields are: %(fields)s."
                )
                % {
                    "kind": kind_label(self.kind),
                    "unknown": ", ".join(unknown),
                    "fields": ", ".join(fields),
                }
            )

    def _check_status_map(self) -> None:
        values = set(self.status_map.values())
        if self.kind == "leads" and values - {QUALIFIED}:
            raise ImportFileError(
                _(
                    "Leads have no stage map: say which statuses mean qualified with "
                    "--qualified-status (the portal's “Qualified statuses”)."
                )
            )
        if self.kind == "opportunities" and QUALIFIED in values:
            raise ImportFileError(_("Qualified statuses are for leads, not opportunities."))

    @property
    def record_kind(self) -> RecordKind:
        return RECORD_KINDS[self.kind]

    @classmethod
    def of_job(cls, job) -> ImportOptions:
        """The options an ImportJob was uploaded with."""
        return cls(
            kind=job.kind,
            preset=job.preset,
            mapping=job.mapping or {},
            status_map=job.status_map or {},
            skip_invalid=job.skip_invalid,
            date_order=job.date_order,
            create_accounts=job.create_accounts,
        )


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """["amount=Deal Value", ...] → {"amount": "Deal Value"}."""
    mapping = {}
    for item in items:
        item = item.strip()
        if not item:
            continue
        fieldname, sep, column = item.partition("=")
        if not sep or not fieldname.strip() or not column.strip():
            raise ImportFileError(
                _("“%(item)s” is not a mapping: write FIELD=COLUMN, e.g. amount=Value.")
                % {"item": item}
            )
        mapping[fieldname.strip()] = column.strip()
    return mapping


def parse_status_map(text: str) -> dict[str, str]:
    """ "Won=won, Lost=lost, *=open" → {"won": "won", "lost": "lost", "*": "open"} (keys casefolded)."""
    result = {}
    for item in re.split(r"[,\n]", text or ""):
        item = item.strip()
        if not item:
            continue
        stage, sep, status = item.rpartition("=")
        status = status.strip().casefold()
        if not sep or not stage.strip() or status not in STATUSES:
            raise ImportFileError(
                _(
                    "“%(item)s” is not a stage mapping: write STAGE=STATUS with STATUS one of "
                    "open, won, lost (e.g. Won=won,Lost=lost,*=open)."
                )
                % {"item": item}
            )
        result[stage.strip().casefold()] = status
    return result


def parse_qualified_statuses(text: str) -> dict[str, str]:
    """ "Qualified, Closed - Converted" → {"qualified": "qualified", "closed - converted": ...}:
    the lead statuses that mean qualified (stored as a lead import's status map)."""
    return {
        status.strip().casefold(): QUALIFIED
        for status in re.split(r"[,\n]", text or "")
        if status.strip()
    }
