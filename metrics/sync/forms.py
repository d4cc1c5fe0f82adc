"""The connection form: what a RevOps manager enters. Secrets are write-only: never rendered back."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from metrics.importing.errors import ImportFileError
from metrics.importing.options import ImportOptions, parse_mapping, parse_status_map

from .clients import PROPERTY_NAME
from .connections import SECRET_FIELDS, mapping_problem
from .kinds import SYNCABLE_KINDS, default_properties
from .models import CrmConnection

CRM_AUTHS = {
    "hubspot": {CrmConnection.Auth.HUBSPOT_TOKEN},
    "salesforce": {
        CrmConnection.Auth.SF_CLIENT_CREDENTIALS,
        CrmConnection.Auth.SF_JWT,
        CrmConnection.Auth.SF_PASSWORD,
    },
}
SALESFORCE_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.my)?$")
SECRET_LABELS = {
    "access_token": "Access token (HubSpot private app)",
    "client_secret": "Consumer secret (Salesforce client credentials)",
    "private_key": "Private key, PEM (Salesforce JWT bearer)",
    "password": "Password (Salesforce username-password)",
    "security_token": "Security token (Salesforce username-password)",
}


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never shows its value again (a private key)."""

    def format_value(self, value):
        return None


def _mapping_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{name}={prop}" for name, prop in mapping.items())


class ConnectionForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        choices=[(kind, kind.title()) for kind in SYNCABLE_KINDS],
        widget=forms.CheckboxSelectMultiple,
        help_text="Accounts are synced first, then the records that name them.",
    )
    status_map_text = forms.CharField(
        label="Status from stage (optional)",
        required=False,
        max_length=2000,
        help_text="Stages outside the CRM's default pipeline: STAGE=STATUS pairs, e.g. "
        "Won=won, Lost=lost, *=open.",
    )

    class Meta:
        model = CrmConnection
        fields = [
            "name",
            "crm",
            "auth",
            "domain",
            "username",
            "client_id",
            "kinds",
            "schedule_minutes",
            "enabled",
        ]
        labels = {
            "crm": "CRM",
            "auth": "Sign in with",
            "domain": "Salesforce domain",
            "username": "Salesforce user name",
            "schedule_minutes": "Sync every (minutes)",
            "client_id": "Consumer key (Salesforce connected app)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        connection = self.instance
        for name, label in SECRET_LABELS.items():
            stored = name in (connection.secret_names or [])
            widget = (
                WriteOnlyTextarea(attrs={"rows": 4, "autocomplete": "off"})
                if name == "private_key"
                else forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            )
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=10_000,
                strip=True,
                widget=widget,
                help_text="Stored encrypted; leave blank to keep the one saved."
                if stored
                else "Stored encrypted, never shown again.",
            )
        for kind in SYNCABLE_KINDS:
            self.fields[f"mapping_{kind}"] = forms.CharField(
                label=f"{kind.title()}: field mapping (optional)",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3, "class": "short"}),
                help_text="One FIELD=PROPERTY per line; overrides the defaults. HubSpot: "
                + _mapping_text(default_properties("hubspot", kind)).replace("\n", ", ")
                + ". Salesforce: "
                + _mapping_text(default_properties("salesforce", kind)).replace("\n", ", ")
                + ".",
            )
            if connection.pk:
                self.initial[f"mapping_{kind}"] = _mapping_text(
                    (connection.mapping or {}).get(kind, {})
                )
        if connection.pk:
            self.initial["status_map_text"] = ", ".join(
                f"{stage}={status}" for stage, status in (connection.status_map or {}).items()
            )

    def clean_domain(self):
        domain = self.cleaned_data["domain"].strip()
        if domain and not SALESFORCE_DOMAIN.match(domain):
            raise ValidationError("Use login, test, or your My Domain name such as acme.my.")
        return domain

    def clean_schedule_minutes(self):
        minutes = self.cleaned_data["schedule_minutes"]
        if not 5 <= minutes <= 7 * 24 * 60:
            raise ValidationError("Between 5 minutes and a week.")
        return minutes

    def clean_status_map_text(self):
        try:
            return parse_status_map(self.cleaned_data["status_map_text"])
        except ImportFileError as exc:
            raise ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        crm, auth = data.get("crm"), data.get("auth")
        if crm and auth and auth not in CRM_AUTHS[crm]:
            self.add_error("auth", "This way of signing in is for the other CRM.")
        if crm == "salesforce":
            data["domain"] = data.get("domain") or "login"
            if auth == "sf_client_credentials" and data["domain"] in ("login", "test"):
                self.add_error("domain", "The client credentials flow needs your My Domain.")
            if auth in ("sf_client_credentials", "sf_jwt") and not data.get("client_id"):
                self.add_error("client_id", "The connected app's consumer key is required.")
            if auth in ("sf_jwt", "sf_password") and not data.get("username"):
                self.add_error("username", "The Salesforce user name is required.")
        if auth in SECRET_FIELDS:
            stored = set(self.instance.secret_names or []) if auth == self.instance.auth else set()
            for name in SECRET_FIELDS[auth]:
                if not data.get(name) and name not in stored:
                    self.add_error(name, "Required.")
        mapping = {}
        for kind in SYNCABLE_KINDS:
            try:
                kind_mapping = parse_mapping(data.get(f"mapping_{kind}", "").splitlines())
                ImportOptions(kind=kind, preset=crm or "generic", mapping=kind_mapping)
            except ImportFileError as exc:
                self.add_error(f"mapping_{kind}", str(exc))
                continue
            bad = [prop for prop in kind_mapping.values() if not PROPERTY_NAME.match(prop)]
            if bad:
                self.add_error(
                    f"mapping_{kind}", f"Not a CRM property name: {', '.join(bad)[:200]}."
                )
                continue
            if crm and kind in data.get("kinds", []):
                problem = mapping_problem(crm, kind, kind_mapping)
                if problem:
                    self.add_error(f"mapping_{kind}", f"{problem} Map it: FIELD=PROPERTY.")
                    continue
            if kind_mapping:
                mapping[kind] = kind_mapping
        data["mapping"] = mapping
        return data

    def secrets(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in SECRET_LABELS}

    def save(self, commit=True):
        connection = super().save(commit=False)
        connection.mapping = self.cleaned_data["mapping"]
        connection.status_map = self.cleaned_data["status_map_text"]
        return connection
