from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from markdownx.widgets import MarkdownxWidget

from .models import Section
from .models.documents import RESERVED_SLUGS


class SectionMarkdownWidget(MarkdownxWidget):
    """The markdownx editor, pointed at this section's own preview and upload views."""

    def __init__(self, *, preview_url: str, upload_url: str, attrs=None):
        super().__init__(attrs=attrs)
        self.preview_url = preview_url
        self.upload_url = upload_url

    def add_markdownx_attrs(self, attrs):
        attrs = MarkdownxWidget.add_markdownx_attrs(attrs)
        attrs["data-markdownx-urls-path"] = self.preview_url
        attrs["data-markdownx-upload-urls-path"] = self.upload_url
        return attrs


class RevisionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), required=False, strip=False)
    change_note = forms.CharField(
        label=_("Change note"),
        max_length=300,
        required=False,
        help_text=_("What changed, and why (shown in the history)."),
    )
    minor = forms.BooleanField(
        required=False,
        label=_("Minor change"),
        help_text=_("A typo fix or the like: watchers are not notified."),
    )
    base_number = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    significant = forms.BooleanField(
        required=False,
        label=_("Significant change"),
        help_text=_("Everyone whose reading path lists this section must read it again."),
    )

    def clean(self):
        data = super().clean()
        if data.get("minor") and data.get("significant"):
            raise forms.ValidationError(gettext("A change is minor or significant, not both."))
        return data

    def __init__(self, *args, preview_url: str, upload_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"] = forms.CharField(
            label=_("Text"),
            required=False,
            strip=False,
            max_length=settings.MARKDOWN_PREVIEW_MAX_CHARS,
            widget=SectionMarkdownWidget(
                preview_url=preview_url, upload_url=upload_url, attrs={"rows": 24}
            ),
        )


class PageForm(forms.Form):
    """A new page under a section: its title, and the slug that names it in links."""

    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Slug"),
        max_length=80,
        required=False,
        help_text=_(
            "Its address and the name other pages link it by ([[slug]]); "
            "made from the title if left empty."
        ),
    )

    def clean(self):
        data = super().clean()
        slug = data.get("slug") or slugify(data.get("title", ""))[:80].strip("-")
        if not slug:
            raise forms.ValidationError(gettext("Give the page a title with letters or digits."))
        if slug in RESERVED_SLUGS or Section.objects.filter(slug=slug).exists():
            self.add_error(
                "slug", gettext("“%(slug)s” is taken: choose another slug.") % {"slug": slug}
            )
        data["slug"] = slug
        return data


class UserChoiceField(forms.ModelChoiceField):
    """People by name and username: written as they are in every language."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.Select(attrs={"translate": "no", "dir": "auto"}))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} ({user.get_username()})" if name else user.get_username()


class OwnerForm(forms.Form):
    owner = UserChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("first_name", "username"),
        required=False,
        empty_label=_("Nobody (unassigned)"),
        help_text=_("The owner edits the section and is reminded when its review is due."),
    )
