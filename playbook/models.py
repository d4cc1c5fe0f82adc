"""The playbook: ten sections, each a versioned Markdown document with an owner.

A section points at its latest revision (``current_revision``, Wagtail's
``latest_revision``); revisions are immutable rows with typed columns.
Object permissions (who may edit which section) live in the two direct
foreign-key guardian tables at the bottom; ``playbook.permissions`` decides.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from metrics.catalog import BY_KEY


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
    guiding_questions = models.TextField(
        blank=True,
        help_text="What the section should answer (Markdown): shown beside the editor and on "
        "the page while the section is empty.",
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
    # Its owner left (deactivated): the champion holds it until someone is assigned.
    needs_reassignment = models.BooleanField(default=False)
    # A metric it depends on moved past its threshold: due until reviewed after this time.
    review_requested_at = models.DateTimeField(null=True, blank=True)
    review_request_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.title

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
    # A typo fix: watchers are not told.
    minor = models.BooleanField(default=False)
    significant = models.BooleanField(
        default=False,
        help_text="People whose reading path lists the section must read it again.",
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


class Flag(models.Model):
    """A reader's report that a section is outdated or wrong; shown on it until resolved."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="flags")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(max_length=2000)
    quote = models.TextField(max_length=1000, blank=True, help_text="The passage, if any.")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.CharField(max_length=500, blank=True)
    fixed_in_revision = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["section", "resolved_at"])]

    def __str__(self):
        return f"Flag on {self.section_id} by {self.raised_by_id}"


class OwnershipChange(models.Model):
    """Every change of a section's owner: who changed it, when, from whom, to whom, why."""

    class Reason(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        OWNER_DEACTIVATED = "owner_deactivated", "Owner deactivated: fell back to the champion"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="ownership_changes")
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    new_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.ASSIGNED)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.section_id}: {self.previous_owner_id} -> {self.new_owner_id}"


class Watch(models.Model):
    """Someone who is told about every (non-minor) new revision of a section."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playbook_watches"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "user"], name="playbook_watch_once"),
        ]

    def __str__(self):
        return f"{self.user_id} watches {self.section_id}"


class SectionVisit(models.Model):
    """The revision a user last read of a section: "changed since you last read it"."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    revision_number = models.PositiveIntegerField()
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "user"], name="playbook_visit_once"),
        ]

    def __str__(self):
        return f"{self.user_id} read {self.section_id} #{self.revision_number}"


class MetricLink(models.Model):
    """A metric the section depends on: a move past the threshold between the last complete
    month and the one before makes the section due for review (playbook.metric_reviews)."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="metric_links")
    metric_key = models.CharField(max_length=40)
    threshold = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Rates: points (default 5); other metrics: percent change (default 10).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "metric_key"], name="playbook_metric_link"),
        ]

    def __str__(self):
        return f"{self.section_id} depends on {self.metric_key}"

    def clean(self):
        if self.metric_key not in BY_KEY:
            raise ValidationError({"metric_key": f"No metric {self.metric_key!r}."})


class MetricTrigger(models.Model):
    """A metric's move that made a section due: once per link and period, whichever run saw it."""

    link = models.ForeignKey(MetricLink, on_delete=models.CASCADE, related_name="triggers")
    run_id = models.PositiveBigIntegerField(help_text="The metric run that saw the move.")
    period_start = models.DateField()
    previous = models.DecimalField(max_digits=30, decimal_places=10)
    current = models.DecimalField(max_digits=30, decimal_places=10)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["link", "period_start"], name="playbook_metric_trigger_once"
            ),
        ]

    def __str__(self):
        return self.reason


class PlaybookExport(models.Model):
    """The whole playbook as a PDF or a Markdown archive, built by a Celery task; the file is
    private (PRIVATE_ROOT) and downloaded through playbook.print_views."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        MARKDOWN = "markdown", "Markdown archive (zip)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being built"
        SUCCEEDED = "succeeded", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="playbook-exports/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)  # metrics.queueing stamps it
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} export {self.pk} ({self.status})"

    @property
    def download_name(self) -> str:
        suffix = "pdf" if self.kind == self.Kind.PDF else "zip"
        return f"playbook-{self.created_at:%Y-%m-%d}.{suffix}"


class FreshnessSnapshot(models.Model):
    """How many sections were fresh on a day (written daily): the queue's trend."""

    day = models.DateField(unique=True)
    fresh = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day}: {self.fresh}/{self.total}"

    @property
    def share(self) -> float:
        return self.fresh / self.total if self.total else 0.0


class SectionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Section, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class SectionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Section, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


# --- Content assets (section 5): the library of videos, case studies, guides… ---------------


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


# --- Onboarding paths (section 6): what each role reads, and who has read what --------------


class ReadingPath(models.Model):
    """A role's onboarding path (SDR, account executive, CSM…): sections to read, in order."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ReadingPathStep(models.Model):
    path = models.ForeignKey(ReadingPath, on_delete=models.CASCADE, related_name="steps")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["path", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["path", "section"], name="playbook_step_unique_section")
        ]

    def __str__(self):
        return f"{self.path}: {self.section}"


class Reader(models.Model):
    """A person's role for onboarding: the reading path that is theirs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playbook_reader"
    )
    path = models.ForeignKey(ReadingPath, on_delete=models.CASCADE, related_name="readers")
    started_on = models.DateField(default=timezone.localdate)

    def __str__(self):
        return f"{self.user} → {self.path}"


class Reading(models.Model):
    """ "I have read this": the latest revision of a section that a person has read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playbook_readings"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "section"], name="playbook_reading_unique")
        ]

    def __str__(self):
        return f"{self.user} read {self.section} #{self.revision_id}"
