from django import forms


class FlagForm(forms.Form):
    comment = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What is outdated or wrong, and what it should say if you know.",
    )
    quote = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: paste the passage you mean.",
    )


class ResolveFlagForm(forms.Form):
    note = forms.CharField(max_length=500, required=False)
    fixed_in_revision = forms.IntegerField(min_value=1, max_value=10**9, required=False)

    def __init__(self, *args, current_number: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_number = current_number

    def clean(self):
        data = super().clean()
        revision = data.get("fixed_in_revision")
        if revision is not None and revision > self.current_number:
            raise forms.ValidationError(
                f"There is no revision {revision} yet (the current one is {self.current_number})."
            )
        if not data.get("note") and revision is None:
            raise forms.ValidationError("Say how it was resolved, or which revision fixed it.")
        return data
