"""The playbook: ten sections, each a versioned Markdown document with an owner.

A section points at its latest revision (``current_revision``, Wagtail's
``latest_revision``); revisions are immutable rows with typed columns.
Object permissions (who may edit which section) live in the two direct
foreign-key guardian tables at the bottom; ``playbook.permissions`` decides.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Team(models.TextChoices):
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    CUSTOMER_SUCCESS = "customer_success", "Customer success"
    REVOPS = "revops", "RevOps"


class Section(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(unique=True)
    team = models.CharField(max_length=32, choices=Team.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_playbook_sections",
    )
    review_interval_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1)], help_text="Days between reviews."
    )
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    current_revision = models.ForeignKey(
        "Revision",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.title

    @property
    def current_number(self) -> int:
        """The current revision's number, 0 before the first revision."""
        return self.current_revision.number if self.current_revision_id else 0


class Revision(models.Model):
    """One saved version of a section. Never updated after it is written."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    change_note = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="playbook_revisions",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    restored_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["section", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "number"], name="playbook_revision_unique_number"
            ),
        ]

    def __str__(self):
        return f"{self.section_id} #{self.number}"

    def save(self, *args, **kwargs):
        # Revisions are history: once written they are never changed.
        if not self._state.adding:
            raise ValidationError("A revision cannot be changed once saved.")
        super().save(*args, **kwargs)

    @property
    def author_name(self) -> str:
        if self.author_id is None:
            return "System"
        return self.author.get_full_name() or self.author.get_username()


class SectionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Section, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class SectionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Section, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
