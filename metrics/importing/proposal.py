"""A mapping proposal for a file whose header matches no preset: a column for each canonical field.

Each (field, column) pair is scored from two things, each between 0 and 1:
- the header: how close the column's name is to the field's names (its canonical name, every
  preset's names for it, and the usual synonyms below), by difflib's ratio after dropping case,
  spaces and punctuation;
- the values: the share of the column's first SAMPLE_ROWS non-blank cells that look like the
  field's type: dates for date fields, amounts for money, known stage names for stage and
  status, distinct values for ids.
The score is 0.6 × header + 0.4 × values (values only count when the field has a type to check,
else the header decides). Pairs are taken best first (a required field's pairs counting
REQUIRED_FIRST more), each column and field once; a pair under MIN_SCORE is not proposed. The confidence shown: high ≥ 0.8, medium ≥ 0.6, else low.
The person confirms or changes the proposal; nothing is imported from it unseen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .dates import DateError, read_date
from .decoding import Table
from .presets import HUBSPOT_STAGES, PRESET_COLUMNS, SALESFORCE_STAGES
from .schema import RECORD_KINDS, STATUSES
from .values import BadValue, parse_money

SAMPLE_ROWS = 50
MIN_SCORE = 0.45
HEADER_WEIGHT = 0.6
REQUIRED_FIRST = 0.1  # near-equal pairs: a required field takes the column before an optional one

SYNONYMS = {
    "external_id": ["id", "record id", "key", "number", "opportunity id", "deal id", "account id"],
    "account": ["account", "company", "customer", "client", "organization", "account name"],
    "name": ["name", "title", "deal", "opportunity", "product", "company name"],
    "owner": ["owner", "rep", "sales rep", "salesperson", "sales agent", "agent", "assigned to"],
    "amount": ["amount", "value", "deal value", "close value", "revenue", "price", "deal size"],
    "stage": ["stage", "deal stage", "pipeline stage", "phase"],
    "status": ["status", "outcome", "result", "won lost"],
    "created_date": ["created", "create date", "created on", "opened", "engage date", "start"],
    "close_date": ["close date", "closed", "closed on", "won date", "expected close"],
    "source": ["source", "lead source", "channel", "origin"],
    "type": ["type", "deal type", "opportunity type"],
    "segment": ["segment", "sector", "tier", "size"],
    "industry": ["industry", "vertical", "sector"],
    "website": ["website", "web site", "domain", "url", "company domain"],
    "plan": ["plan", "product", "tier"],
    "mrr": ["mrr", "monthly revenue", "monthly recurring revenue", "monthly amount"],
    "start_date": ["start", "start date", "begins", "from"],
    "end_date": ["end", "end date", "ends", "until", "cancelled", "churn date"],
    "month": ["month", "period"],
    "channel": ["channel", "source", "campaign type"],
    "category": ["category", "type", "kind"],
    "period_start": ["period start", "from", "start"],
    "period_end": ["period end", "to", "end"],
    "recorded_on": ["recorded on", "recorded", "as of", "date"],
    "qualified_date": ["qualified date", "qualified on", "mql date", "sql date", "qualified"],
    "converted_date": ["converted date", "converted on", "conversion date", "converted"],
    "email": ["email", "e-mail", "email address", "e-mail address"],
}
KNOWN_STAGES = {*HUBSPOT_STAGES, *SALESFORCE_STAGES, "won", "lost"}
MONEY_FIELDS = {"amount", "mrr"}


@dataclass(frozen=True)
class Proposed:
    field: str
    column: str | None
    score: float
    why: str
    required: bool

    @property
    def confidence(self) -> str:
        if self.column is None:
            return ""
        return "high" if self.score >= 0.8 else "medium" if self.score >= 0.6 else "low"


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _names(kind: str, fieldname: str) -> list[str]:
    names = [fieldname, *SYNONYMS.get(fieldname, [])]
    for preset in PRESET_COLUMNS.values():
        names += preset.get(kind, {}).get(fieldname, [])
    return names


def _header_score(kind: str, fieldname: str, column: str) -> float:
    column = _normal(column)
    if not column:
        return 0.0
    return max(SequenceMatcher(None, column, _normal(n)).ratio() for n in _names(kind, fieldname))


def _is_date(raw: str) -> bool:
    try:
        read_date(raw)
    except DateError:
        return False
    return True


def _is_money(raw: str) -> bool:
    try:
        parse_money(raw, decimal_comma=False)
    except BadValue:
        return False
    return not _is_date(raw)


def _value_check(kind: str, fieldname: str):
    """A test for one cell, and what it checks, or None when the field has no checkable type."""
    record_kind = RECORD_KINDS[kind]
    if fieldname in record_kind.date_fields:
        return _is_date, SHARE_OF["dates"]
    if fieldname in MONEY_FIELDS:
        return _is_money, SHARE_OF["amounts"]
    if fieldname == "status" and kind == "opportunities":  # a lead's status is the CRM's own
        return (lambda raw: raw.casefold() in STATUSES), SHARE_OF["statuses"]
    if fieldname == "stage":
        return (lambda raw: raw.casefold() in KNOWN_STAGES), SHARE_OF["stages"]
    return None


# What share of a column's values look like the field's type, said whole.
SHARE_OF = {
    "dates": gettext_lazy("%(share)s dates"),
    "amounts": gettext_lazy("%(share)s amounts"),
    "statuses": gettext_lazy("%(share)s open/won/lost"),
    "stages": gettext_lazy("%(share)s known stage names"),
}


def _value_score(kind: str, fieldname: str, cells: list[str]) -> tuple[float | None, str]:
    if not cells:
        return 0.0, _("empty")
    if fieldname == "external_id":
        share = len(set(cells)) / len(cells)
        return share, _("%(share)s distinct") % {"share": f"{share:.0%}"}
    check = _value_check(kind, fieldname)
    if check is None:
        return None, ""
    test, what = check
    share = sum(1 for cell in cells if test(cell)) / len(cells)
    return share, what % {"share": f"{share:.0%}"}


def _samples(table: Table, index: int) -> list[str]:
    cells = []
    for _line, row in table.records:
        if index < len(row) and row[index].strip():
            cells.append(row[index].strip())
            if len(cells) == SAMPLE_ROWS:
                break
    return cells


def propose(table: Table, kind: str) -> list[Proposed]:
    """For each field of the kind, the column proposed for it (or None), best pairs first."""
    record_kind = RECORD_KINDS[kind]
    fields = [f for f in record_kind.fields if not (kind == "opportunities" and f == "status")]
    fields = ["status", *fields] if kind == "opportunities" else fields
    samples = {index: _samples(table, index) for index in range(len(table.header))}
    pairs = []
    for fieldname in fields:
        for index, column in enumerate(table.header):
            header = _header_score(kind, fieldname, column)
            values, seen = _value_score(kind, fieldname, samples[index])
            if values is None:
                score, why = header, _("header %(share)s alike") % {"share": f"{header:.0%}"}
            else:
                score = HEADER_WEIGHT * header + (1 - HEADER_WEIGHT) * values
                why = _("header %(share)s alike; values %(seen)s") % {
                    "share": f"{header:.0%}",
                    "seen": seen,
                }
            pairs.append((score, fieldname, index, why))
    pairs.sort(
        key=lambda pair: (
            -(pair[0] + (REQUIRED_FIRST if _required(kind, pair[1]) else 0)),
            fields.index(pair[1]),
            pair[2],
        )
    )
    chosen: dict[str, Proposed] = {}
    used: set[int] = set()
    for score, fieldname, index, why in pairs:
        if fieldname in chosen or index in used or score < MIN_SCORE:
            continue
        chosen[fieldname] = Proposed(
            fieldname, table.header[index], round(score, 2), why, _required(kind, fieldname)
        )
        used.add(index)
    return [
        chosen.get(f) or Proposed(f, None, 0.0, _("no column alike"), _required(kind, f))
        for f in fields
    ]


def _required(kind: str, fieldname: str) -> bool:
    # An opportunity needs a status source; a status column is the one a mapping can give.
    return fieldname in RECORD_KINDS[kind].required or (kind, fieldname) == (
        "opportunities",
        "status",
    )


def as_mapping(proposal: list[Proposed]) -> dict[str, str]:
    return {p.field: p.column for p in proposal if p.column}


def command_options(proposal: list[Proposed]) -> str:
    """The proposal as the command's --map options."""
    return " ".join(f'--map "{p.field}={p.column}"' for p in proposal if p.column)


def describe(proposal: list[Proposed]) -> list[str]:
    """One line per field (* required), for the command line."""
    lines = []
    for p in proposal:
        mark = "*" if p.required else " "
        if p.column:
            lines.append(f"{mark} {p.field} = {p.column}  ({p.confidence}, {p.score:.2f}: {p.why})")
        else:
            lines.append(f"{mark} {p.field}: no column proposed")
    return lines
