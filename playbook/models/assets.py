"""Content assets (section 5): the library of videos, case studies, guides…"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AssetStage(models.TextChoices):
    """Funnel stages, in funnel order (the list groups by them in this order)."""

    AWARENESS = "awareness", _("Awareness")
    CONSIDERATION = "consideration", _("Consideration")
    DECISION = "decision", _("Decision")
    ONBOARDING = "onboarding", _("Onboarding")
    EXPANSION = "expansion", _("Expansion")


class AssetKind(models.TextChoices):
    VIDEO = "video", _("Video")
    CASE_STUDY = "case_study", _("Case study")
    TESTIMONIAL = "testimonial", _("Testimonial")
    GUIDE = "guide", _("Guide")
    CATALOGUE = "catalogue", _("Product catalogue")
    EBOOK = "ebook", _("E-book")
    WHITE_PAPER = "white_paper", _("White paper")
    BROCHURE = "brochure", _("Brochure")
    BLOG_POST = "blog_post", _("Blog post")
    PRESENTATION = "presentation", _("Presentation")
    OTHER = "other", _("Other")


class WebLinkField(models.URLField):
    """A web address: http or https only (no ftp, no javascript:)."""

    default_validators = [URLValidator(schemes=["http", "https"])]


class AssetTag(models.Model):
    """A persona or a pain point an asset speaks to."""

    class Kind(models.TextChoices):
        PERSONA = "persona", _("Persona")
        PAIN_POINT = "pain_point", _("Pain point")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("asset tag")
        verbose_name_plural = _("asset tags")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="playbook_assettag_unique_name")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"


class Asset(models.Model):
    """A link or an uploaded file (kept in the private storage, served by the app)."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    link = WebLinkField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to="playbook/assets/", max_length=200, blank=True)
    file_name = models.CharField(
        _("file name"), max_length=200, blank=True, help_text=_("The name it downloads as.")
    )
    file_type = models.CharField(
        _("file type"), max_length=100, blank=True, help_text=_("Detected from the bytes.")
    )
    kind = models.CharField(_("type"), max_length=20, choices=AssetKind.choices)
    stage = models.CharField(_("funnel stage"), max_length=20, choices=AssetStage.choices)
    tags = models.ManyToManyField(
        AssetTag, blank=True, related_name="assets", verbose_name=_("tags")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="playbook_assets",
    )
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("content asset")
        verbose_name_plural = _("content assets")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(link="", file=""), name="playbook_asset_link_or_file"
            )
        ]

    def __str__(self):
        return self.title
