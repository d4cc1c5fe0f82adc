from django import forms

from .asset_files import ALLOWED_DESCRIPTION
from .asset_library import MAX_TAGS, parse_tag_names
from .forms import UserChoiceField
from .models import Asset


class AssetForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        label="File",
        help_text=f"{ALLOWED_DESCRIPTION}. Replaces the link or the current file.",
    )
    personas = forms.CharField(
        required=False, max_length=1000, help_text=f"Comma-separated, at most {MAX_TAGS}."
    )
    pain_points = forms.CharField(
        required=False, max_length=1000, help_text=f"Comma-separated, at most {MAX_TAGS}."
    )

    class Meta:
        model = Asset
        fields = ["title", "summary", "link", "kind", "stage", "owner", "last_reviewed_on"]
        field_classes = {"owner": UserChoiceField}
        widgets = {"last_reviewed_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"link": "A web address (https://…), or upload a file below."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_active=True)
        if self.instance.pk:
            for kind, field in (("persona", "personas"), ("pain_point", "pain_points")):
                names = [t.name for t in self.instance.tags.all() if t.kind == kind]
                self.initial.setdefault(field, ", ".join(names))

    def clean(self):
        data = super().clean()
        link, upload = data.get("link"), data.get("upload")
        if link and upload:
            raise forms.ValidationError("Give a link or a file, not both.")
        if not link and not upload and not self.instance.file:
            raise forms.ValidationError("Give a link or upload a file.")
        data["personas"] = parse_tag_names(data.get("personas", ""))
        data["pain_points"] = parse_tag_names(data.get("pain_points", ""))
        return data
