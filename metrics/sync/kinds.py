"""Which CRM object and properties feed each record kind, per CRM.

The default property of a canonical field is the import preset's API name for it
(importing/presets.py: `Id`, `StageName`, `dealname`...), so a synced record is read exactly as
a file exported with API names; a connection's mapping (field → property) overrides it, with the
import's rules (options.ImportOptions). Subscriptions have no standard object in either CRM: the
defaults are Salesforce CPQ's and HubSpot's commerce subscriptions; MRR has to be mapped.
Leads (where the `leads` record kind exists) are Salesforce Leads and HubSpot contacts.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.importing.presets import PRESET_COLUMNS
from metrics.importing.schema import RECORD_KINDS

# Accounts first: the records that follow name them.
SYNC_ORDER = ("accounts", "opportunities", "subscriptions", "leads")
SYNCABLE_KINDS = tuple(kind for kind in SYNC_ORDER if kind in RECORD_KINDS)

# The synthetic column that carries a HubSpot record's associated company (read from the
# associations API; the import preset names it for exports too).
HUBSPOT_COMPANY = "associatedcompanyid"

OBJECTS = {
    "hubspot": {
        "accounts": "companies",
        "opportunities": "deals",
        "subscriptions": "subscriptions",
        "leads": "contacts",
    },
    "salesforce": {
        "accounts": "Account",
        "opportunities": "Opportunity",
        "subscriptions": "SBQQ__Subscription__c",
        "leads": "Lead",
    },
}
EXTRA_DEFAULTS = {
    "hubspot": {
        "accounts": {"created_date": "createdate"},
        "leads": {"account": HUBSPOT_COMPANY},
        "subscriptions": {
            "external_id": "hs_object_id",
            "account": HUBSPOT_COMPANY,
            "plan": "hs_name",
        },
    },
    "salesforce": {
        # The owner's name reads better in the owner cut than an id.
        "opportunities": {"owner": "Owner.Name"},
        "leads": {"owner": "Owner.Name"},
        "subscriptions": {
            "external_id": "Id",
            "account": "SBQQ__Account__c",
            "plan": "SBQQ__ProductName__c",
            "start_date": "SBQQ__StartDate__c",
            "end_date": "SBQQ__EndDate__c",
        },
    },
}


def _api_name(candidates: list[str]) -> str | None:
    """The preset's API name among its candidates: the one without spaces (not a report label)."""
    for name in candidates:
        if " " not in name:
            return name
    return None


@dataclass(frozen=True)
class KindSource:
    crm: str
    kind: str
    object_name: str  # a fixed name (OBJECTS), never a person's input
    properties: dict[str, str]  # canonical field → CRM property

    @property
    def columns(self) -> list[str]:
        """The properties read, in a fixed order (the table's header)."""
        return list(dict.fromkeys(self.properties.values()))

    @property
    def fetched(self) -> list[str]:
        """The properties asked of the API (HubSpot's company comes from the associations)."""
        return [name for name in self.columns if name != HUBSPOT_COMPANY or self.crm != "hubspot"]


def default_properties(crm: str, kind: str) -> dict[str, str]:
    preset = PRESET_COLUMNS.get(crm, {}).get(kind, {})
    properties = {}
    for fieldname in RECORD_KINDS[kind].columns:
        name = _api_name(preset.get(fieldname, []))
        if name:
            properties[fieldname] = name.lower() if crm == "hubspot" else name
    properties.update(EXTRA_DEFAULTS.get(crm, {}).get(kind, {}))
    return properties


def kind_source(crm: str, kind: str, mapping: dict[str, str] | None = None) -> KindSource:
    properties = {**default_properties(crm, kind), **(mapping or {})}
    return KindSource(crm=crm, kind=kind, object_name=OBJECTS[crm][kind], properties=properties)
