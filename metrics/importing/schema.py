"""The record kinds an import writes: their model, canonical fields, required fields and key.

Each kind's field list is written once here; validation (which columns a file may have), the
preview (which columns it shows) and the upsert (which fields it overwrites) all read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import pgettext_lazy

from metrics.models import Account, Forecast, Lead, Opportunity, Spend, Subscription, Team

STATUSES = ("open", "won", "lost")
# A lead's status map (--qualified-status) says which CRM statuses mean "qualified" (rows.py).
QUALIFIED = "qualified"


@dataclass(frozen=True)
class RecordKind:
    name: str
    model: type[models.Model]
    fields: tuple[str, ...]  # canonical fields, stored on the model (docs/: "Records")
    required: tuple[str, ...]
    key: tuple[str, ...]  # what identifies a record: importing it again updates it
    # Read from a file but not stored: the Salesforce closed/won flags a status is derived from.
    helper_fields: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every field a file may have a column for."""
        return self.fields + self.helper_fields

    @property
    def date_fields(self) -> tuple[str, ...]:
        """The fields read as dates (their day/month order is decided per column: dates.py)."""
        return tuple(
            name
            for name in self.fields
            if isinstance(self.model._meta.get_field(name), models.DateField)
        )

    @property
    def updatable(self) -> tuple[str, ...]:
        """The fields a re-import may overwrite: all but the key."""
        return tuple(name for name in self.fields if name not in self.key)


RECORD_KINDS: dict[str, RecordKind] = {
    kind.name: kind
    for kind in (
        RecordKind(
            name="accounts",
            model=Account,
            fields=("external_id", "name", "segment", "industry", "website", "created_date"),
            required=("external_id", "name"),
            key=("external_id",),
        ),
        RecordKind(
            name="opportunities",
            model=Opportunity,
            fields=(
                "external_id",
                "account",
                "name",
                "owner",
                "amount",
                "stage",
                "status",
                "created_date",
                "close_date",
                "source",
                "type",
            ),
            # ...and a status source (a status column, stage map or flags), checked apart.
            required=("external_id", "created_date"),
            key=("external_id",),
            helper_fields=("is_closed", "is_won"),
        ),
        RecordKind(
            name="subscriptions",
            model=Subscription,
            fields=("external_id", "account", "plan", "mrr", "start_date", "end_date"),
            required=("external_id", "account", "mrr", "start_date"),
            key=("external_id",),
        ),
        RecordKind(
            name="spend",
            model=Spend,
            fields=("month", "channel", "category", "amount"),
            required=("month", "channel", "category", "amount"),
            key=("month", "channel", "category"),
        ),
        RecordKind(
            name="forecasts",
            model=Forecast,
            fields=("period_start", "period_end", "amount", "recorded_on"),
            required=("period_start", "period_end", "amount", "recorded_on"),
            key=("period_start", "period_end", "recorded_on"),
        ),
        RecordKind(
            name="teams",
            model=Team,
            fields=("owner", "team"),
            required=("owner", "team"),
            key=("owner",),
        ),
        RecordKind(
            name="leads",
            model=Lead,
            fields=(
                "external_id",
                "created_date",
                "email",
                "source",
                "owner",
                "status",
                "qualified_date",
                "converted_date",
                "account",
            ),
            required=("external_id", "created_date"),
            key=("external_id",),
        ),
    )
}
KINDS = tuple(RECORD_KINDS)

# A kind as a sentence names it ("Imported 5 of 7 opportunities rows."): the import's keys stay
# the machine names above.
KIND_LABELS = {
    "accounts": pgettext_lazy("record kind", "accounts"),
    "opportunities": pgettext_lazy("record kind", "opportunities"),
    "subscriptions": pgettext_lazy("record kind", "subscriptions"),
    "spend": pgettext_lazy("record kind", "spend"),
    "forecasts": pgettext_lazy("record kind", "forecasts"),
    "teams": pgettext_lazy("record kind", "teams"),
    "leads": pgettext_lazy("record kind", "leads"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
