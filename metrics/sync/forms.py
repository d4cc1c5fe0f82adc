"""The connection form: what a RevOps manager enters. Secrets are write-only: never rendered back."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from metrics.importing.errors import ImportFileError
from metrics.importing.options import ImportOptions, parse_mapping, parse_status_map
from metrics.importing.schema import KIND_LABELS

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
    "access_token": gettext_lazy("Access token (HubSpot private app)"),
    "client_secret": gettext_lazy("Consumer secret (Salesforce client credentials)"),
    "private_key": gettext_lazy("Private key, PEM (Salesforce JWT bearer)"),
    "password": gettext_lazy("Password (Salesforce username-password)"),
    "security_token": gettext_lazy("Security token (Salesforce username-password)"),
}


def _with_code(text, **typed) -> SafeString:
    """A help text in the reader's language whose {placeholders} are what the person types,
    shown as code and left untranslated (translate="no")."""
    return format_html(
        str(text),
        **{
            name: format_html('<code translate="no">{}</code>', value)
            for name, value in typed.items()
        },
    )


_with_code_lazy = lazy(_with_code, SafeString)  # for fields declared on the class


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never shows its value again (a private key)."""

    def format_value(self, value):
        return None


def _mapping_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{name}={prop}" for name, prop in mapping.items())


class ConnectionForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Kinds"),
        choices=[(kind, capfirst(KIND_LABELS[kind])) for kind in SYNCABLE_KINDS],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Accounts are synced first, then the records that name them."),
    )
    status_map_text = forms.CharField(
        label=gettext_lazy("Status from stage (optional)"),
        required=False,
        max_length=2000,
        help_text=_with_code_lazy(
            gettext_lazy(
                "Stages outside the CRM's default pipeline: {pair} pairs, e.g. {example}."
            ),
            pair="STAGE=STATUS",
            example="Won=won, Lost=lost, *=open",
        ),
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
            "name": pgettext_lazy("CRM connection", "Name"),
            "crm": "CRM",
            "auth": gettext_lazy("Sign in with"),
            "domain": gettext_lazy("Salesforce domain"),
            "username": gettext_lazy("Salesforce user name"),
            "schedule_minutes": gettext_lazy("Sync every (minutes)"),
            "client_id": gettext_lazy("Consumer key (Salesforce connected app)"),
            "enabled": pgettext_lazy("CRM connection", "Enabled"),
        }
        help_texts = {
            "domain": _with_code_lazy(
                gettext_lazy("Salesforce: {login}, {test}, or your My Domain (e.g. {example})."),
                login="login",
                test="test",
                example="acme.my",
            ),
            "client_id": gettext_lazy("The consumer key."),
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
                help_text=_("Stored encrypted; leave blank to keep the one saved.")
                if stored
                else _("Stored encrypted, never shown again."),
            )
        for kind in SYNCABLE_KINDS:
            self.fields[f"mapping_{kind}"] = forms.CharField(
                label=_("%(kind)s: field mapping (optional)")
                % {"kind": capfirst(KIND_LABELS[kind])},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3, "class": "short"}),
                help_text=_with_code(
                    _(
                        "One {pair} per line; overrides the defaults. HubSpot: {hubspot}. "
                        "Salesforce: {salesforce}."
                    ),
                    pair="FIELD=PROPERTY",
                    hubspot=_mapping_text(default_properties("hubspot", kind)).replace("\n", ", "),
                    salesforce=_mapping_text(default_properties("salesforce", kind)).replace(
                        "\n", ", "
                    ),
                ),
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
            raise ValidationError(_("Use login, test, or your My Domain name such as acme.my."))
        return domain

    def clean_schedule_minutes(self):
        minutes = self.cleaned_data["schedule_minutes"]
        if not 5 <= minutes <= 7 * 24 * 60:
            raise ValidationError(_("Between 5 minutes and a week."))
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
            self.add_error("auth", _("This way of signing in is for the other CRM."))
        if crm == "salesforce":
            data["domain"] = data.get("domain") or "login"
            if auth == "sf_client_credentials" and data["domain"] in ("login", "test"):
                self.add_error("domain", _("The client credentials flow needs your My Domain."))
            if auth in ("sf_client_credentials", "sf_jwt") and not data.get("client_id"):
                self.add_error("client_id", _("The connected app's consumer key is required."))
            if auth in ("sf_jwt", "sf_password") and not data.get("username"):
                self.add_error("username", _("The Salesforce user name is required."))
        if auth in SECRET_FIELDS:
            stored = set(self.instance.secret_names or []) if auth == self.instance.auth else set()
            for name in SECRET_FIELDS[auth]:
                if not data.get(name) and name not in stored:
                    self.add_error(name, _("Required."))
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
                    f"mapping_{kind}",
                    _("Not a CRM property name: %(names)s.") % {"names": ", ".join(bad)[:200]},
                )
                continue
            if crm and kind in data.get("kinds", []):
                problem = mapping_problem(crm, kind, kind_mapping)
                if problem:
                    self.add_error(
                        f"mapping_{kind}",
                        _("%(problem)s Map it: FIELD=PROPERTY.") % {"problem": problem},
                    )
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
