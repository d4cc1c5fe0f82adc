"""Content assets (section 5): the library of videos, case studies, guides…"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone


class AssetStage(models.TextChoices):
    """Funnel stages, in funnel order (the list groups by them in this order)."""

    AWARENESS = "awareness", "Awareness"
    CONSIDERATION = "consideration", "Consideration"
    DECISION = "decision", "Decision"
    ONBOARDING = "onboarding", "Onboarding"
    EXPANSION = "expansion", "Expansion"


class AssetKind(models.TextChoices):
    VIDEO = "video", "Video"
    CASE_STUDY = "case_study", "Case study"
    TESTIMONIAL = "testimonial", "Testimonial"
    GUIDE = "guide", "Guide"
    CATALOGUE = "catalogue", "Product catalogue"
    EBOOK = "ebook", "E-book"
    WHITE_PAPER = "white_paper", "White paper"
    BROCHURE = "brochure", "Brochure"
    BLOG_POST = "blog_post", "Blog post"
    PRESENTATION = "presentation", "Presentation"
    OTHER = "other", "Other"


class WebLinkField(models.URLField):
    """A web address: http or https only (no ftp, no javascript:)."""

    default_validators = [URLValidator(schemes=["http", "https"])]


class AssetTag(models.Model):
    """A persona or a pain point an asset speaks to."""

    class Kind(models.TextChoices):
        PERSONA = "persona", "Persona"
        PAIN_POINT = "pain_point", "Pain point"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="playbook_assettag_unique_name")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"


class Asset(models.Model):
    """A link or an uploaded file (kept in the private storage, served by the app)."""

    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    link = WebLinkField(max_length=500, blank=True)
    file = models.FileField(upload_to="playbook/assets/", max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="The name it downloads as.")
    file_type = models.CharField(max_length=100, blank=True, help_text="Detected from the bytes.")
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    stage = models.CharField(max_length=20, choices=AssetStage.choices)
    tags = models.ManyToManyField(AssetTag, blank=True, related_name="assets")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="playbook_assets",
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(link="", file=""), name="playbook_asset_link_or_file"
            )
        ]

    def __str__(self):
        return self.title
