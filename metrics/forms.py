"""Forms of the metrics pages: the CRM import upload, a metric's owner."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

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

DATE_ORDER_CHOICES = [
    ("MDY", _("Month first (MM/DD/YY)")),
    ("DMY", _("Day first (DD/MM/YY)")),
]
PRESET_CHOICES = [
    ("generic", _("Generic: the canonical columns")),
    ("salesforce", _("Salesforce export (Data Loader or report)")),
    ("hubspot", _("HubSpot export")),
]


def _help_with_values(message: str, **values: str):
    """A help text translated when shown, whose `{name}` parts are values typed as they are
    (field names, CRM values): each in `<code translate="no">`, so no translation touches them."""

    def render():
        codes = {
            name: format_html('<code translate="no">{}</code>', value)
            for name, value in values.items()
        }
        return format_html(gettext(message), **codes)

    return lazy(render, SafeString)()


class ImportForm(forms.Form):
    """An upload with its options; `cleaned_data["options"]` is the ImportOptions."""

    kind = forms.ChoiceField(label=_("Record kind"), choices=ImportJob.Kind.choices)
    preset = forms.ChoiceField(label=_("Preset"), choices=PRESET_CHOICES, initial="generic")
    file = forms.FileField(label=_("CSV file"), allow_empty_file=True)  # the importer says why
    mapping = forms.CharField(
        label=_("Column mapping (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "short"}),
        help_text=_help_with_values(
            gettext_noop("One {pair} per line, e.g. {example}. Overrides the preset."),
            pair="FIELD=COLUMN",
            example="created_date=engage_date",
        ),
    )
    status_from_stage = forms.CharField(
        label=_("Status from stage (optional)"),
        required=False,
        max_length=2000,
        help_text=_help_with_values(
            gettext_noop(
                "For opportunities without a status column: {pair} pairs, e.g. {example} "
                "({any} is any other stage)."
            ),
            pair="STAGE=STATUS",
            example="Won=won, Lost=lost, *=open",
            any="*",
        ),
    )
    qualified_statuses = forms.CharField(
        label=_("Qualified statuses (optional, leads)"),
        required=False,
        max_length=2000,
        help_text=_help_with_values(
            gettext_noop(
                "The lead statuses that mean qualified when a lead has no qualified date, "
                "comma-separated, e.g. {example}. Replaces the preset's."
            ),
            example="Working - Contacted, Qualified",
        ),
    )
    date_order = forms.ChoiceField(
        label=_("Day/month order of ambiguous dates"),
        choices=[
            ("", _("As the file shows, else the preset's (month first)")),
            *DATE_ORDER_CHOICES,
        ],
        required=False,
        help_text=_(
            "Only for date columns where every date could be either (02/03/24); a column "
            "with a day over 12 decides for itself."
        ),
    )
    create_accounts = forms.BooleanField(
        label=_("Create missing accounts named in the account column"),
        required=False,
        help_text=_help_with_values(
            gettext_noop(
                "Otherwise a record whose account is neither an imported account's {field} "
                "nor its exact name is an invalid row."
            ),
            field="external_id",
        ),
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows (import the valid ones); otherwise all or nothing"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Mappings managers saved from earlier previews (saved_presets.py), by name.
        saved = [
            (name, gettext("Saved: %(name)s") % {"name": name}) for name in saved_preset_names()
        ]
        self.fields["preset"].choices = [*PRESET_CHOICES, *saved]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.CSV_UPLOAD_MAX_BYTES:
            raise ValidationError(
                gettext("The file is larger than %(size)s MB.")
                % {"size": settings.CSV_UPLOAD_MAX_BYTES // (1024 * 1024)}
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
        label=_("Owner"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label=_("(nobody)"),
    )
