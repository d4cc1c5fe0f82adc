from django import forms

from . import webhooks
from .kinds import KINDS, Delivery
from .models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    """The webhook and one "how" choice per kind (stored in ``deliveries``)."""

    class Meta:
        model = NotificationSettings
        fields = ["webhook_url", "webhook_format"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, kind in KINDS.items():
            self.fields[f"kind_{key}"] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.CHOICES,
                initial=self.instance.delivery_for(key),
                widget=forms.RadioSelect,
            )

    def kind_fields(self):
        return [self[f"kind_{key}"] for key in KINDS]

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"].strip()
        if url:
            problem = webhooks.address_problem(url)
            if problem:
                raise forms.ValidationError(problem)
        return url

    def save(self, commit=True):
        self.instance.deliveries = {key: self.cleaned_data[f"kind_{key}"] for key in KINDS}
        return super().save(commit=commit)
