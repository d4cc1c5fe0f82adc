"""One CSV record → an unsaved model instance and its account reference, or row errors.

Every bad cell is reported (line, column, value, reason), not only the first. Decisions:
- Opportunity status: see columns.py for where it comes from. Through a stage map, an unmapped
  stage is a row error; through the Salesforce flags, "won but not closed" is one.
- Opportunity type: blank → new_business; the CRM labels in presets.OPPORTUNITY_TYPES; anything
  else is a row error.
- A cell longer than MAX_CELL_CHARS, or holding a NUL byte, in a column that is imported: row error.
- Dates outside the plausible range (values.DateRange) are row errors.
- Then the model's own field rules (lengths, choices, digits), without database queries or
  model instances (FieldRules).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models
from django.utils import translation

from . import reasons
from .columns import Plan
from .dates import DateError
from .errors import RowError
from .presets import OPPORTUNITY_TYPES
from .schema import QUALIFIED, RECORD_KINDS, STATUSES, RecordKind
from .values import BadValue, parse_boolean, parse_month

MAX_CELL_CHARS = 10_000

REQUIRED = reasons.gettext("is required")
REQUIRED_WHEN_CLOSED = {
    "won": reasons.gettext("is required for a won opportunity"),
    "lost": reasons.gettext("is required for a lost opportunity"),
}


def _too_long(limit: int, length: int) -> reasons.Reason:
    """Django's own words for a value over a field's max_length, with the limit as the count."""
    return reasons.ngettext(
        "Ensure this value has at most %(count)s character (it has %(length)s).",
        "Ensure this value has at most %(count)s characters (it has %(length)s).",
        limit,
        length=length,
    )


def _field_reason(exc: ValidationError) -> reasons.Reason:
    """A model field's refusal as a reason translated when shown: its length rule by the same
    words as ours, any other by Django's msgid (Django's catalogues translate it)."""
    error = exc.error_list[0]
    params = error.params or {}
    if error.code == "max_length":
        return _too_long(params["limit_value"], params["show_value"])
    with translation.override("en"):  # English is the msgid itself
        msgid, words = str(error.message), " ".join(exc.messages)
    if msgid and all(isinstance(value, str | int) for value in params.values()):
        return reasons.Reason(msgid, dict(params))
    return reasons.verbatim(words)  # a rule of Django's this import never meets: as it says


Values = dict[str, object]  # a record's field values, by field name (the account apart)


class _Row:
    """One record's cells, read field by field; bad values become errors, not exceptions.
    (Run for every row of a file of millions: the reading functions come from the plan, made
    once per file, and the common cases take no detour.)"""

    __slots__ = ("_bad", "cells", "errors", "line", "plan")

    def __init__(self, plan: Plan, line: int, cells: list[str]):
        self.plan, self.line, self.cells = plan, line, cells
        self.errors: list[RowError] = []
        self._bad: set[str] = set()

    def error(self, fieldname: str, value: str, reason: reasons.Reason) -> None:
        self.errors.append(
            RowError.make(self.line, self.plan.column_name(fieldname), value, reason)
        )
        self._bad.add(fieldname)

    def raw(self, fieldname: str) -> str:
        index = self.plan.columns.get(fieldname)
        if index is None:
            return ""
        value = self.cells[index]
        if "\x00" in value:
            self.error(fieldname, value, reasons.gettext("contains a NUL byte (binary data?)"))
            return ""
        if len(value) > MAX_CELL_CHARS:
            self.error(
                fieldname,
                value,
                reasons.ngettext(
                    "is longer than %(count)s character",
                    "is longer than %(count)s characters",
                    MAX_CELL_CHARS,
                ),
            )
            return ""
        return value.strip()

    def text(self, fieldname: str, *, required: bool = False) -> str:
        """The cell's text: "" when blank, bad or absent (blank and required: an error)."""
        raw = self.raw(fieldname)
        if fieldname in self._bad:
            return ""
        if not raw and required:
            self.error(fieldname, raw, REQUIRED)
        return raw

    def _typed(self, fieldname: str, parse: Callable[[str], object], required: bool):
        raw = self.text(fieldname, required=required)
        if not raw:
            return None
        try:
            return parse(raw)
        except (BadValue, DateError) as exc:
            self.error(fieldname, raw, reasons.of(exc))
            return None

    def date(self, fieldname: str, *, required: bool = False) -> date | None:
        return self._typed(fieldname, self.plan.date_parser(fieldname), required)

    def month(self, fieldname: str) -> date | None:
        read_day, dates = self.plan.date_reader(fieldname), self.plan.dates
        return self._typed(fieldname, lambda raw: dates.check(parse_month(raw, read_day)), True)

    def money(self, fieldname: str, *, required: bool = False) -> Decimal | None:
        return self._typed(fieldname, self.plan.money_parser, required)

    def boolean(self, fieldname: str) -> bool:
        value = self._typed(fieldname, parse_boolean, False)
        return bool(value)

    def choice(
        self, fieldname: str, values: dict[str, str], reason: reasons.Reason, *, required=False
    ):
        raw = self.text(fieldname, required=required)
        if not raw:
            return None
        value = values.get(raw.casefold())
        if value is None:
            self.error(fieldname, raw, reason)
        return value

    def is_bad(self, fieldname: str) -> bool:
        return fieldname in self._bad


def _account(row: _Row) -> tuple[Values, str]:
    return dict(
        external_id=row.text("external_id", required=True),
        name=row.text("name", required=True),
        segment=row.text("segment"),
        industry=row.text("industry"),
        website=row.text("website"),
        created_date=row.date("created_date"),
    ), ""


def _opportunity_status(row: _Row) -> str | None:
    plan = row.plan
    if plan.status_source == "status":
        return row.choice(
            "status",
            {s: s for s in STATUSES},
            reasons.gettext("is not a status: use open, won or lost"),
            required=True,
        )
    if plan.status_source == "stage":
        stage = row.raw("stage")
        if row.is_bad("stage"):
            return None
        status = plan.stage_map.get(stage.casefold(), plan.stage_map.get("*"))
        if status is None:
            row.error(
                "stage",
                stage,
                reasons.gettext(
                    'is a stage with no status: map it, e.g. --status-from-stage "%(stage)s=open" '
                    "(or *=open for every other stage)",
                    stage=stage if 0 < len(stage) <= 60 else "STAGE",
                ),
            )
        return status
    is_closed, is_won = row.boolean("is_closed"), row.boolean("is_won")
    if row.is_bad("is_closed") or row.is_bad("is_won"):
        return None
    if is_won and not is_closed:
        row.error(
            "is_won", row.raw("is_won"), reasons.gettext("says won, but the deal is not closed")
        )
        return None
    return ("won" if is_won else "lost") if is_closed else "open"


def _opportunity(row: _Row) -> tuple[Values, str]:
    status = _opportunity_status(row)
    close_date = row.date("close_date")
    if status in ("won", "lost") and close_date is None and not row.is_bad("close_date"):
        row.error("close_date", "", REQUIRED_WHEN_CLOSED[status])
    opportunity = dict(
        external_id=row.text("external_id", required=True),
        name=row.text("name"),
        owner=row.text("owner"),
        amount=row.money("amount"),
        stage=row.text("stage"),
        status=status or "",
        created_date=row.date("created_date", required=True),
        close_date=close_date,
        source=row.text("source"),
        type=row.choice(
            "type",
            OPPORTUNITY_TYPES,
            reasons.gettext("is not an opportunity type: use new_business, expansion or renewal"),
        )
        or "new_business",
    )
    return opportunity, row.text("account")


def _subscription(row: _Row) -> tuple[Values, str]:
    start, end = row.date("start_date", required=True), row.date("end_date")
    if start and end and end < start:
        row.error(
            "end_date",
            row.raw("end_date"),
            reasons.gettext("is before start_date (%(start)s)", start=start.isoformat()),
        )
    subscription = dict(
        external_id=row.text("external_id", required=True),
        plan=row.text("plan"),
        mrr=row.money("mrr", required=True),
        start_date=start,
        end_date=end,
    )
    return subscription, row.text("account", required=True)


def _spend(row: _Row) -> tuple[Values, str]:
    return dict(
        month=row.month("month"),
        channel=row.text("channel", required=True),
        category=row.choice(
            "category",
            {"marketing": "marketing", "sales": "sales"},
            reasons.gettext("is not a spend category: use marketing or sales"),
            required=True,
        ),
        amount=row.money("amount", required=True),
    ), ""


def _forecast(row: _Row) -> tuple[Values, str]:
    start, end = row.date("period_start", required=True), row.date("period_end", required=True)
    if start and end and end < start:
        row.error(
            "period_end",
            row.raw("period_end"),
            reasons.gettext("is before period_start (%(start)s)", start=start.isoformat()),
        )
    return dict(
        period_start=start,
        period_end=end,
        amount=row.money("amount", required=True),
        recorded_on=row.date("recorded_on", required=True),
    ), ""


def _team(row: _Row) -> tuple[Values, str]:
    return dict(owner=row.text("owner", required=True), team=row.text("team", required=True)), ""


def _not_before_created(row: _Row, fieldname: str, created: date | None) -> date | None:
    day = row.date(fieldname)
    if day and created and day < created:
        row.error(
            fieldname,
            row.raw(fieldname),
            reasons.gettext("is before created_date (%(created)s)", created=created.isoformat()),
        )
    return day


def _lead(row: _Row) -> tuple[Values, str]:
    """A lead. With a status map (--qualified-status, the presets' own), a lead whose status is a
    qualified one and whose qualified_date cell is blank is qualified on its converted_date, else
    on its created_date: the funnel counts a qualified lead in its creation cohort, so only whether
    it has a date matters, and a lead export has no date of the status change."""
    created = row.date("created_date", required=True)
    status = row.text("status")
    qualified = _not_before_created(row, "qualified_date", created)
    converted = _not_before_created(row, "converted_date", created)
    qualified_status = row.plan.qualified_statuses and (
        row.plan.qualified_statuses.get(status.casefold()) == QUALIFIED
    )
    if qualified is None and qualified_status and not row.is_bad("qualified_date"):
        qualified = converted or created
    return dict(
        external_id=row.text("external_id", required=True),
        created_date=created,
        email=row.text("email"),
        source=row.text("source"),
        owner=row.text("owner"),
        status=status,
        qualified_date=qualified,
        converted_date=converted,
    ), row.text("account")


BUILDERS = {
    "accounts": _account,
    "opportunities": _opportunity,
    "subscriptions": _subscription,
    "spend": _spend,
    "forecasts": _forecast,
    "teams": _team,
    "leads": _lead,
}


def _check_shape(plan: Plan, line: int, cells: list[str]) -> RowError | None:
    width = len(plan.header)
    if len(cells) == width or (len(cells) > width and not any(c.strip() for c in cells[width:])):
        return None
    return RowError.make(
        line,
        "(whole row)",
        f"{len(cells)} cells",
        reasons.ngettext(
            "the header has %(width)s columns but this row has %(count)s "
            "(a missing or extra delimiter, or an unclosed quote?)",
            "the header has %(width)s columns but this row has %(count)s "
            "(a missing or extra delimiter, or an unclosed quote?)",
            len(cells),
            width=width,
        ),
    )


class FieldRules:
    """The model's own field rules (lengths, choices, digits, blank), as `clean_fields` checks
    them, without building a model instance: a value that plainly passes is not cleaned again,
    any other one gets the field's own `clean` and its message (no database queries). Amounts
    come bounded to MONEY's digits (values.parse_money), dates as dates."""

    def __init__(self, kind: RecordKind):
        model_fields = [kind.model._meta.get_field(name) for name in kind.fields]
        self.fields = {field.name: field for field in model_fields if not field.is_relation}
        plain = [field for field in self.fields.values() if _plain(field)]
        # (name, max length, the choices or None, blank allowed) of each plain text field
        self.texts = [
            (
                field.name,
                field.max_length or MAX_CELL_CHARS,
                {value for value, _ in field.flatchoices} if field.choices else None,
                field.blank,
            )
            for field in plain
            if isinstance(field, models.CharField)
        ]
        # Plain dates and amounts: only a blank one can break a rule.
        self.required = [
            field.name
            for field in plain
            if not isinstance(field, models.CharField) and not field.blank
        ]
        # Any other field (an e-mail address, one with validators of its own): always cleaned.
        self.others = [field for field in self.fields.values() if not _plain(field)]

    def errors(self, plan: Plan, line: int, values: Values) -> list[RowError]:
        unclear = [
            name
            for name, limit, choices, blank in self.texts
            if not (
                (value := values[name])
                and len(value) <= limit
                and (choices is None or value in choices)
                or (not value and blank)
            )
        ]
        unclear += [name for name in self.required if values[name] is None]
        unclear += [
            field.name
            for field in self.others
            if not (field.blank and values[field.name] in field.empty_values)
        ]
        errors = []
        for name in unclear:
            field, value = self.fields[name], values[name]
            try:
                field.clean(value, None)
            except ValidationError as exc:
                errors.append(
                    RowError.make(
                        line, plan.column_name(name), str(value or ""), _field_reason(exc)
                    )
                )
        return errors


# The validators the fast path of FieldRules stands for: lengths (checked there), NUL bytes
# (_Row.raw refuses them), MONEY's digits (values.parse_money bounds them).
_COVERED_VALIDATORS = (MaxLengthValidator, ProhibitNullCharactersValidator, DecimalValidator)


def _plain(field: models.Field) -> bool:
    return isinstance(field, models.CharField | models.DateField | models.DecimalField) and all(
        isinstance(validator, _COVERED_VALIDATORS) for validator in field.validators
    )


@cache
def field_rules(kind: str) -> FieldRules:
    return FieldRules(RECORD_KINDS[kind])


def build_row(plan: Plan, line: int, cells: list[str]) -> tuple[Values | None, str, list]:
    """One record → (its field values, account reference, errors); the values are None when
    the record is invalid. The values are those of the kind's fields but the account."""
    shape_error = _check_shape(plan, line, cells)
    if shape_error:
        return None, "", [shape_error]
    row = _Row(plan, line, cells)
    values, account_ref = BUILDERS[plan.kind](row)
    if row.errors:
        return None, account_ref, row.errors
    errors = field_rules(plan.kind).errors(plan, line, values)
    return (None if errors else values), account_ref, errors
