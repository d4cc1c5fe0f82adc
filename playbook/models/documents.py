"""Sections and their pages: versioned Markdown documents with an owner.

A section points at its latest revision (``current_revision``, Wagtail's
``latest_revision``); revisions are immutable rows with typed columns. A page is a
section with a ``parent``: it has every guarantee of a section (revisions, owner,
review cadence, flags, watchers, reading paths) through the same tables and code.
Object permissions (who may edit which section or page) live in the two direct
foreign-key guardian tables at the bottom; ``playbook.permissions`` decides.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Team(models.TextChoices):
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    CUSTOMER_SUCCESS = "customer_success", _("Customer success")
    REVOPS = "revops", _("RevOps")


# The playbook's own addresses under /playbook/: no section or page may take these slugs
# (tests/playbook/test_pages.py checks the list against playbook/urls.py).
RESERVED_SLUGS = frozenset(
    {"search", "reviews", "mine", "print", "exports", "flags", "reading", "assets"}
)


class SectionQuerySet(models.QuerySet):
    def in_outline_order(self):
        """Sections in playbook order, each followed by its pages in the order its owner set."""
        return self.annotate(outline=Coalesce("parent__position", "position")).order_by(
            "outline", F("parent_id").asc(nulls_first=True), "position", "pk"
        )


class Section(models.Model):
    """One of the ten sections, or a page under one (``parent`` set): the same document."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pages",
        limit_choices_to={"parent__isnull": True},
        help_text=_("The section a page belongs to (empty for the ten sections)."),
    )
    # A section's place in the playbook; a page's place among its section's pages.
    position = models.PositiveSmallIntegerField(_("position"))
    team = models.CharField(_("team"), max_length=32, choices=Team.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_playbook_sections",
    )
    guiding_questions = models.TextField(
        _("guiding questions"),
        blank=True,
        help_text=_(
            "What the section should answer (Markdown): shown beside the editor and on "
            "the page while the section is empty."
        ),
    )
    review_interval_days = models.PositiveIntegerField(
        _("review interval (days)"),
        default=90,
        validators=[MinValueValidator(1)],
        help_text=_("Days between reviews."),
    )
    last_reviewed_at = models.DateTimeField(_("last reviewed at"), null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    current_revision = models.ForeignKey(
        "Revision",
        verbose_name=_("current revision"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # Its owner left (deactivated): the champion holds it until someone is assigned.
    needs_reassignment = models.BooleanField(_("needs a new owner"), default=False)
    # A metric it depends on moved past its threshold: due until reviewed after this time.
    review_requested_at = models.DateTimeField(_("review requested at"), null=True, blank=True)
    review_request_reason = models.CharField(
        _("why a review was requested"), max_length=300, blank=True
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["position"],
                condition=models.Q(parent__isnull=True),
                name="playbook_section_unique_position",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {"slug": gettext("“%(slug)s” is taken by a playbook page.") % {"slug": self.slug}}
            )
        if self.parent_id is not None:
            if self.parent_id == self.pk or self.parent.parent_id is not None:
                raise ValidationError({"parent": gettext("A page belongs to one of the sections.")})
            self.team = self.parent.team  # a page is its section's team's

    @property
    def is_page(self) -> bool:
        return self.parent_id is not None

    @property
    def outline_label(self) -> str:
        """'8' for a section, '8.2' for its second page (``parent`` joined)."""
        if self.parent_id is None:
            return str(self.position)
        return f"{self.parent.position}.{self.position}"

    @property
    def outline_key(self) -> tuple[int, int]:
        """Sorts sections and pages in playbook order (``parent`` joined)."""
        if self.parent_id is None:
            return (self.position, 0)
        return (self.parent.position, self.position)

    @property
    def full_title(self) -> str:
        """'Processes and workflows › Lead capture' for a page (``parent`` joined)."""
        return f"{self.parent.title} › {self.title}" if self.parent_id else self.title

    @property
    def responsible_owner(self):
        """Who answers for it: its owner; for a page without one, its section's owner."""
        if self.owner_id is None and self.parent_id is not None:
            return self.parent.owner
        return self.owner

    @property
    def is_empty(self) -> bool:
        """Nothing written by a person yet: no revision, a blank one, or only the seeded one."""
        revision = self.current_revision
        return revision is None or revision.author_id is None or not revision.body.strip()

    @property
    def current_number(self) -> int:
        """The current revision's number, 0 before the first revision."""
        return self.current_revision.number if self.current_revision_id else 0


class Revision(models.Model):
    """One saved version of a section. Never updated after it is written."""

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("section")
    )
    number = models.PositiveIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    change_note = models.CharField(_("change note"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="playbook_revisions",
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now, db_index=True)
    restored_from = models.ForeignKey(
        "self",
        verbose_name=_("restored from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A typo fix: watchers are not told.
    minor = models.BooleanField(_("minor change"), default=False)
    significant = models.BooleanField(
        _("significant change"),
        default=False,
        help_text=_("People whose reading path lists the section must read it again."),
    )

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
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
            return pgettext("the author of a revision nobody wrote", "System")
        return self.author.get_full_name() or self.author.get_username()


class OwnershipChange(models.Model):
    """Every change of a section's owner: who changed it, when, from whom, to whom, why."""

    class Reason(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        OWNER_DEACTIVATED = (
            "owner_deactivated",
            _("Owner deactivated: fell back to the champion"),
        )

    section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        related_name="ownership_changes",
        verbose_name=_("section"),
    )
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    new_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=Reason.choices, default=Reason.ASSIGNED
    )
    created_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("ownership change")
        verbose_name_plural = _("ownership changes")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.section_id}: {self.previous_owner_id} -> {self.new_owner_id}"


class SectionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Section, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class SectionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Section, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
