from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class FlagForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is outdated or wrong, and what it should say if you know."),
    )
    quote = forms.CharField(
        label=_("Quoted passage"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: paste the passage you mean."),
    )


class ResolveFlagForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    fixed_in_revision = forms.IntegerField(
        label=_("Fixed in revision"), min_value=1, max_value=10**9, required=False
    )

    def __init__(self, *args, current_number: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_number = current_number

    def clean(self):
        data = super().clean()
        revision = data.get("fixed_in_revision")
        if revision is not None and revision > self.current_number:
            raise forms.ValidationError(
                gettext("There is no revision %(number)s yet (the current one is %(current)s).")
                % {"number": revision, "current": self.current_number}
            )
        if not data.get("note") and revision is None:
            raise forms.ValidationError(
                gettext("Say how it was resolved, or which revision fixed it.")
            )
        return data
