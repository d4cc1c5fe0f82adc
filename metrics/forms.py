"""Forms of the metrics pages: the CRM import upload, a metric's owner."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from metrics.importing.errors import ImportFileError
from metrics.importing.options import (
    ImportOptions,
    parse_mapping,
    parse_qualified_statuses,
    parse_status_map,
)
from metrics.importing.presets import PRESETS
from metrics.importing.saved_presets import options_with_preset, saved_preset_names
from metrics.models import ImportJob

DATE_ORDER_CHOICES = [("MDY", "Month first (MM/DD/YY)"), ("DMY", "Day first (DD/MM/YY)")]
PRESET_CHOICES = [
    ("generic", "Generic: the canonical columns"),
    ("salesforce", "Salesforce export (Data Loader or report)"),
    ("hubspot", "HubSpot export"),
]


class ImportForm(forms.Form):
    """An upload with its options; `cleaned_data["options"]` is the ImportOptions."""

    kind = forms.ChoiceField(choices=ImportJob.Kind.choices)
    preset = forms.ChoiceField(choices=PRESET_CHOICES, initial="generic")
    file = forms.FileField(label="CSV file", allow_empty_file=True)  # the importer says why
    mapping = forms.CharField(
        label="Column mapping (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "short"}),
        help_text="One FIELD=COLUMN per line, e.g. created_date=engage_date. Overrides the preset.",
    )
    status_from_stage = forms.CharField(
        label="Status from stage (optional)",
        required=False,
        max_length=2000,
        help_text="For opportunities without a status column: STAGE=STATUS pairs, e.g. "
        "Won=won, Lost=lost, *=open (* is any other stage).",
    )
    qualified_statuses = forms.CharField(
        label="Qualified statuses (optional, leads)",
        required=False,
        max_length=2000,
        help_text="The lead statuses that mean qualified when a lead has no qualified date, "
        "comma-separated, e.g. Working - Contacted, Qualified. Replaces the preset's.",
    )
    date_order = forms.ChoiceField(
        label="Day/month order of ambiguous dates",
        choices=[("", "As the file shows, else the preset's (month first)"), *DATE_ORDER_CHOICES],
        required=False,
        help_text="Only for date columns where every date could be either (02/03/24); a column "
        "with a day over 12 decides for itself.",
    )
    create_accounts = forms.BooleanField(
        label="Create missing accounts named in the account column",
        required=False,
        help_text="Otherwise a record whose account is neither an imported account's external_id "
        "nor its exact name is an invalid row.",
    )
    skip_invalid = forms.BooleanField(
        label="Skip invalid rows (import the valid ones); otherwise all or nothing",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Mappings managers saved from earlier previews (saved_presets.py), by name.
        saved = [(name, f"Saved: {name}") for name in saved_preset_names()]
        self.fields["preset"].choices = [*PRESET_CHOICES, *saved]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.CSV_UPLOAD_MAX_BYTES:
            raise ValidationError(
                f"The file is larger than {settings.CSV_UPLOAD_MAX_BYTES // (1024 * 1024)} MB."
            )
        return upload

    def clean_mapping(self):
        try:
            return parse_mapping(self.cleaned_data["mapping"].splitlines())
        except ImportFileError as exc:
            raise ValidationError(str(exc)) from None

    def clean_status_from_stage(self):
        try:
            return parse_status_map(self.cleaned_data["status_from_stage"])
        except ImportFileError as exc:
            raise ValidationError(str(exc)) from None

    def clean_qualified_statuses(self):
        return parse_qualified_statuses(self.cleaned_data["qualified_statuses"])

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        preset = data["preset"]
        try:
            options = ImportOptions(
                kind=data["kind"],
                preset=preset if preset in PRESETS else "generic",
                mapping=data["mapping"],
                status_map={**data["status_from_stage"], **data["qualified_statuses"]},
                skip_invalid=data["skip_invalid"],
                date_order=data["date_order"],
                create_accounts=data["create_accounts"],
            )
        except ImportFileError as exc:  # a mapping or status map the kind does not have
            self.add_error(None, str(exc))
            return data
        try:
            data["options"] = options if preset in PRESETS else options_with_preset(preset, options)
        except ImportFileError as exc:  # a saved preset of another kind
            self.add_error("preset", str(exc))
        return data


class MetricOwnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label="(nobody)",
    )
