from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .asset_files import ALLOWED_DESCRIPTION
from .asset_library import MAX_TAGS, parse_tag_names
from .forms import UserChoiceField
from .models import Asset


class AssetForm(forms.ModelForm):
    upload = forms.FileField(required=False, label=_("File"))
    personas = forms.CharField(label=_("Personas"), required=False, max_length=1000)
    pain_points = forms.CharField(label=_("Pain points"), required=False, max_length=1000)

    class Meta:
        model = Asset
        fields = ["title", "summary", "link", "kind", "stage", "owner", "last_reviewed_on"]
        field_classes = {"owner": UserChoiceField}
        widgets = {"last_reviewed_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"link": _("A web address (https://…), or upload a file below.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = gettext(
            "%(allowed)s. Replaces the link or the current file."
        ) % {"allowed": ALLOWED_DESCRIPTION}
        tags_help = gettext("Comma-separated, at most %(count)s.") % {"count": MAX_TAGS}
        self.fields["personas"].help_text = self.fields["pain_points"].help_text = tags_help
        self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_active=True)
        if self.instance.pk:
            for kind, field in (("persona", "personas"), ("pain_point", "pain_points")):
                names = [t.name for t in self.instance.tags.all() if t.kind == kind]
                self.initial.setdefault(field, ", ".join(names))

    def clean(self):
        data = super().clean()
        link, upload = data.get("link"), data.get("upload")
        if link and upload:
            raise forms.ValidationError(gettext("Give a link or a file, not both."))
        if not link and not upload and not self.instance.file:
            raise forms.ValidationError(gettext("Give a link or upload a file."))
        data["personas"] = parse_tag_names(data.get("personas", ""))
        data["pain_points"] = parse_tag_names(data.get("pain_points", ""))
        return data
