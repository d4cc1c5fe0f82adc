"""CRM records (the canonical kinds of docs/metrics.md, "Records") and computed metric values."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Trim

from .catalog import BY_KEY, CUT_KINDS
from .names import normalised_company_name, website_domain
from .periods import STANDARD_KINDS

MONEY = {"max_digits": 18, "decimal_places": 2}


class JobStatus(models.TextChoices):
    """Where a background job stands: a metric run or a portal import."""

    PENDING = "pending", "Awaiting start"  # imports only: uploaded and previewed, not started
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


# A metric run is queued as soon as it exists: it is never pending.
RUN_STATUSES = [choice for choice in JobStatus.choices if choice[0] != JobStatus.PENDING]

# Stored period and cut kinds: the names periods.py and catalog.py define ("month" → "Month").
PeriodKind = models.TextChoices("PeriodKind", [(kind.upper(), kind) for kind in STANDARD_KINDS])
CutKind = models.TextChoices("CutKind", [(kind.upper(), kind) for kind in CUT_KINDS])


class AccountQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, update_fields=None, **kwargs):
        """Imports and the demo write accounts here: their match keys are set with them."""
        objs = list(objs)
        for account in objs:
            account.set_match_keys()
        if update_fields is not None:
            update_fields = list(update_fields)
            for source, key in Account.MATCH_KEYS.items():
                if source in update_fields and key not in update_fields:
                    update_fields.append(key)
        return super().bulk_create(objs, *args, update_fields=update_fields, **kwargs)


class Account(models.Model):
    external_id = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=255)
    segment = models.CharField(max_length=100, blank=True, db_index=True)
    industry = models.CharField(max_length=100, blank=True)
    website = models.CharField(max_length=255, blank=True)
    created_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Match keys (metrics/names.py), derived from name and website on every save and bulk write,
    # so the data-quality check finds probable duplicates with a GROUP BY.
    name_key = models.CharField(max_length=255, blank=True, editable=False, db_index=True)
    website_domain = models.CharField(max_length=255, blank=True, editable=False, db_index=True)

    MATCH_KEYS = {"name": "name_key", "website": "website_domain"}

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.set_match_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *self.MATCH_KEYS.values()}
        super().save(*args, **kwargs)

    def set_match_keys(self) -> None:
        self.name_key, self.website_domain = self.match_keys(self.name, self.website)

    @staticmethod
    def match_keys(name: str, website: str) -> tuple[str, str]:
        """(name_key, website_domain) of a name and a website (imports stage them so)."""
        return normalised_company_name(name)[:255], website_domain(website)[:255]


class Opportunity(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    class Type(models.TextChoices):
        NEW_BUSINESS = "new_business", "New business"
        EXPANSION = "expansion", "Expansion"
        RENEWAL = "renewal", "Renewal"

    external_id = models.CharField(max_length=255, unique=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    name = models.CharField(max_length=255, blank=True)
    owner = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    stage = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices)
    created_date = models.DateField()
    close_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.NEW_BUSINESS)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["status", "close_date"]),
            models.Index(fields=["created_date"]),
            models.Index(fields=["account", "status", "close_date"]),
            # The drill-downs' keyset orders (metrics/keyset.py): a page is an index range.
            models.Index(fields=["close_date", "external_id"]),
            models.Index(fields=["created_date", "external_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(close_date__isnull=False),
                name="opportunity_closed_has_close_date",
            ),
        ]

    def __str__(self):
        return self.name or self.external_id


class Subscription(models.Model):
    external_id = models.CharField(max_length=255, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="subscriptions")
    plan = models.CharField(max_length=255, blank=True)
    mrr = models.DecimalField(**MONEY)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="First day without service.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "start_date"]),
            models.Index(fields=["start_date", "end_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="subscription_end_not_before_start",
            ),
        ]

    def __str__(self):
        return self.external_id


class Spend(models.Model):
    class Category(models.TextChoices):
        MARKETING = "marketing", "Marketing"
        SALES = "sales", "Sales"

    month = models.DateField(help_text="The first day of the month.")
    channel = models.CharField(max_length=100)
    category = models.CharField(max_length=10, choices=Category.choices)
    amount = models.DecimalField(**MONEY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "spend"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "channel", "category"], name="spend_unique_month_channel_category"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.channel} {self.category}"


class Forecast(models.Model):
    period_start = models.DateField()
    period_end = models.DateField(help_text="The period's last day.")
    amount = models.DecimalField(**MONEY)
    recorded_on = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "recorded_on"],
                name="forecast_unique_period_recorded_on",
            ),
        ]

    def __str__(self):
        return f"{self.period_start}..{self.period_end} recorded {self.recorded_on}"


class QueuedJob(models.Model):
    """What a job queued for the worker records (a metric run, a data-quality check, a CRM
    sync): where it stands, who asked, when it was queued, sent, started and finished, and why
    it failed. `trigger` is each job's own (its choices say what can start it). Portal imports
    (ImportJob) have a pending status and `created_by`, so they stand apart."""

    Status = JobStatus

    status = models.CharField(max_length=10, choices=RUN_STATUSES, default=JobStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the task reached the broker; a queued job without it is sent again
    # (queueing.send_again_if_lost, the runs' sweep).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        abstract = True


class MetricRun(QueuedJob):
    class Trigger(models.TextChoices):
        MANUAL = "manual", "Recompute now"
        IMPORT = "import", "After an import"
        NIGHTLY = "nightly", "Nightly schedule"
        COMMAND = "command", "Command line"
        SYNC = "sync", "After a CRM sync"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    attempts = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    # The days the records changed since the latest run, as [first day, first day after or
    # null] ranges (metrics/incremental.py): the run recomputes only the periods they overlap.
    # Null: unknown (every period).
    changes = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "finished_at"])]
        constraints = [
            # Recomputations coalesce: a queued run covers every request made before it starts.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="queued"),
                name="metric_run_one_queued",
            ),
        ]

    def __str__(self):
        return f"Run {self.pk} ({self.status})"


class MetricValue(models.Model):
    PeriodKind = PeriodKind
    CutKind = CutKind

    run = models.ForeignKey(MetricRun, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(max_length=40)
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text="Exclusive: the first day after the period.")
    cut_kind = models.CharField(max_length=8, choices=CutKind.choices, default=CutKind.ALL)
    cut_value = models.CharField(max_length=100, blank=True)
    value = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    numerator = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    denominator = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    undefined_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "key", "period_start", "period_end", "cut_kind", "cut_value"],
                name="metric_value_unique_per_run",
            ),
        ]
        indexes = [
            models.Index(
                fields=["run", "key", "cut_kind", "cut_value", "period_kind", "period_start"]
            ),
            models.Index(fields=["run", "period_start", "period_end", "cut_kind", "cut_value"]),
        ]

    def __str__(self):
        return f"{self.key} {self.period_start}..{self.period_end} {self.cut_kind}={self.cut_value}"


class MetricTarget(models.Model):
    """A metric's target for one cut (the whole business, a segment, a team …: keyed like the
    stored values) and one period kind, or every period kind: a level or a ratio holds in any
    period, a flow (new MRR, won amount, leads) needs one target per kind (a week's new MRR is a
    quarter of a month's). A target for the period kind shown wins over one for any kind."""

    ANY_PERIOD = ""

    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    key = models.CharField(max_length=40)
    cut_kind = models.CharField(max_length=8, choices=CutKind.choices, default=CutKind.ALL)
    cut_value = models.CharField(
        max_length=100,
        blank=True,
        help_text="Empty for the whole business; else the segment, team …",
    )
    period_kind = models.CharField(
        max_length=8,
        choices=[(ANY_PERIOD, "Any period"), *PeriodKind.choices],
        blank=True,
        default=ANY_PERIOD,
        help_text="The period kind the target is for; empty: every kind.",
    )
    value = models.DecimalField(max_digits=30, decimal_places=10)
    direction = models.CharField(max_length=6, choices=Direction.choices)
    amber_band = models.DecimalField(
        max_digits=30,
        decimal_places=10,
        default=0,
        help_text="How far on the wrong side of the target still counts as amber, in the metric's unit.",
    )
    # Who set the target and when (the admin records them on every save).
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    set_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "cut_kind", "cut_value", "period_kind"],
                name="metric_target_unique_key_cut_period",
            ),
            models.CheckConstraint(
                condition=Q(cut_kind="all", cut_value="") | (~Q(cut_kind="all") & ~Q(cut_value="")),
                name="metric_target_cut_value_iff_not_all",
            ),
        ]

    def __str__(self):
        cut = "all" if self.cut_kind == CutKind.ALL else f"{self.cut_kind}={self.cut_value}"
        return f"Target {self.key} {cut} {self.period_kind or 'any period'}"

    def clean(self):
        """The admin's checks: a cut value exactly when the cut is not "all", and only a cut the
        metric has (a target on a cut no figure is stored for would never show)."""
        self.cut_value = self.cut_value.strip()
        if (self.cut_kind == CutKind.ALL) != (self.cut_value == ""):
            raise ValidationError(
                {"cut_value": "Give a value for a segment, team … cut, and none for all."}
            )
        definition = BY_KEY.get(self.key)
        if definition is not None and self.cut_kind not in definition.cuts:
            raise ValidationError(
                {
                    "cut_kind": f"{definition.name} has no {self.cut_kind} cut: choose one of "
                    f"{', '.join(definition.cuts)}."
                }
            )


class ImportPreset(models.Model):
    """A column mapping a RevOps manager saved for the next import of the same kind of file,
    used as `import_crm --preset NAME` or chosen in the portal."""

    name = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=16)
    mapping = models.JSONField(default=dict, help_text="Canonical field → column name.")
    status_map = models.JSONField(default=dict, blank=True)
    date_order = models.CharField(max_length=3, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.kind})"


class ImportJob(models.Model):
    """A CRM file uploaded in the portal, validated and written in the background."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", "Accounts"
        OPPORTUNITIES = "opportunities", "Opportunities"
        SUBSCRIPTIONS = "subscriptions", "Subscriptions"
        SPEND = "spend", "Spend"
        FORECASTS = "forecasts", "Forecasts"
        TEAMS = "teams", "Teams"
        LEADS = "leads", "Leads"

    Status = JobStatus

    kind = models.CharField(max_length=16, choices=Kind.choices)
    preset = models.CharField(max_length=16, default="generic")
    mapping = models.JSONField(default=dict, blank=True, help_text="Canonical field → column name.")
    status_map = models.JSONField(
        default=dict,
        blank=True,
        help_text="Stage value → open/won/lost, '*' for any other value (status derived from the stage).",
    )
    skip_invalid = models.BooleanField(default=False)
    date_order = models.CharField(
        max_length=3,
        blank=True,
        choices=[("MDY", "Month first"), ("DMY", "Day first")],
        help_text="The day/month order of date columns the file leaves ambiguous; blank: the preset's.",
    )
    create_accounts = models.BooleanField(
        default=False, help_text="Create the accounts that records name but none has."
    )
    file = models.FileField(upload_to="imports/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    rows_total = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    # Every bad row: [{"line": 3, "column": "amount", "value": "abc", "reason": "..."}]
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import {self.pk}: {self.kind} from {self.original_name}"


class Team(models.Model):
    """An opportunity owner's team (the `teams` records): the `team` cut groups owners by it.

    One row per owner, so re-importing an owner moves them to the new team.
    """

    owner = models.CharField(max_length=255, unique=True, help_text="As in opportunities' owner.")
    team = models.CharField(max_length=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "owner"]

    def __str__(self):
        return f"{self.owner} ({self.team})"


class Lead(models.Model):
    """A lead (the `leads` records): the funnel metrics count it in the period it was created in.

    Neither `qualified_date` nor `converted_date` may be before `created_date` (refused at import,
    and a database constraint).
    """

    external_id = models.CharField(max_length=255, unique=True)
    created_date = models.DateField()
    # As the CRM has it; not needed by any metric, read by the "duplicate leads" finding. The
    # database default serves writers that name their columns (COPY loads: bench/synthetic.py).
    email = models.CharField(max_length=254, blank=True, default="", db_default="")
    source = models.CharField(max_length=100, blank=True, help_text="The channel cut.")
    owner = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=100, blank=True, help_text="As the CRM says it.")
    qualified_date = models.DateField(null=True, blank=True)
    converted_date = models.DateField(null=True, blank=True)
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        help_text="The account the lead became.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_date"]),
            models.Index(fields=["converted_date"]),
            models.Index(fields=["source", "created_date"]),
            # The funnel drill-downs' keyset orders (metrics/keyset.py).
            models.Index(fields=["created_date", "external_id"]),
            models.Index(fields=["converted_date", "external_id"]),
            # The "duplicate leads by e-mail" finding groups by it (metrics/quality.py).
            models.Index(Lower(Trim("email")), name="lead_email_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(qualified_date__isnull=True)
                | Q(qualified_date__gte=models.F("created_date")),
                name="lead_qualified_not_before_created",
            ),
            models.CheckConstraint(
                condition=Q(converted_date__isnull=True)
                | Q(converted_date__gte=models.F("created_date")),
                name="lead_converted_not_before_created",
            ),
        ]

    def __str__(self):
        return self.external_id


# --- The weekly revenue review (metrics/reviews.py) ---------------------------------------------


class WeeklyReview(models.Model):
    """One week's meeting. `run` is frozen when the review is opened: later runs never change
    the figures it shows (and prune_old_runs keeps that run's values)."""

    week = models.CharField(max_length=8, unique=True, help_text="ISO week code, e.g. 2026-W48.")
    run = models.ForeignKey(MetricRun, on_delete=models.PROTECT, related_name="reviews")
    notes = models.TextField(blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week"]

    def __str__(self):
        return f"Weekly review {self.week}"


class Decision(models.Model):
    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:80]


class ActionItem(models.Model):
    """Created in one review; listed by every later review until it is done."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="action_items")
    text = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=4, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.text[:80]


class ReviewChange(models.Model):
    """Who changed a review, when, and what: one row per save."""

    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    what = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.what[:60]}"


class ReviewSubscription(models.Model):
    """A user's choice about the Monday review e-mail. Without a row, RevOps managers get it
    (review_email.subscribers); a row records a choice either way."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_subscription"
    )
    subscribed = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user}: {'subscribed' if self.subscribed else 'unsubscribed'}"


class ReviewEmail(models.Model):
    """The Monday e-mail about one week to one user: at most one row per week and user, so a
    job that runs twice sends nothing twice. `sent_at` is set once the mail server took it."""

    week = models.CharField(max_length=8, help_text="ISO week code the e-mail is about.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(MetricRun, null=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week", "user"], name="review_email_once_per_week")
        ]

    def __str__(self):
        return f"Review e-mail {self.week} to {self.user}"


# --- Data you can trust: freshness, data-quality findings, metric owners (issue 11) -------------


class RecordImport(models.Model):
    """One import that wrote records of a kind (the portal's, the command's, a CRM sync's or the
    demo's):
    the Data page's "last imported when, by whom, how many rows" (metrics/freshness.py)."""

    class Via(models.TextChoices):
        PORTAL = "portal", "Portal upload"
        COMMAND = "command", "import_crm command"
        SYNC = "sync", "CRM sync"
        DEMO = "demo", "Demo data"

    kind = models.CharField(max_length=16)
    rows_written = models.PositiveIntegerField()
    via = models.CharField(max_length=8, choices=Via.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField()
    job = models.ForeignKey(
        ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        indexes = [models.Index(fields=["kind", "imported_at"])]

    def __str__(self):
        return f"{self.kind}: {self.rows_written} rows at {self.imported_at:%Y-%m-%d %H:%M}"


class QualityCheck(QueuedJob):
    """One run of the data-quality check (metrics/quality.py): after every import, or on demand."""

    class Trigger(models.TextChoices):
        IMPORT = "import", "After an import"
        SYNC = "sync", "After a CRM sync"
        MANUAL = "manual", "Check now"
        COMMAND = "command", "Command line"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Quality check {self.pk} ({self.status})"


class DataFinding(models.Model):
    """What the latest check found for one kind of problem (`code`, metrics/quality.py).

    One row per kind, updated by every check, so a manager's acceptance outlives the checks:
    it holds while the count stays at or under the count accepted, and lapses when it grows.
    """

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    explanation = models.TextField(help_text="Why it matters, for which metrics.")
    metric_keys = models.JSONField(default=list, help_text="The metrics it touches.")
    count = models.PositiveIntegerField(default=0)
    impact = models.CharField(max_length=300, blank=True, help_text="How much of a metric.")
    quality_check = models.ForeignKey(
        QualityCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    accepted_count = models.PositiveIntegerField(null=True, blank=True)
    accepted_note = models.TextField(blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.title}: {self.count}"

    @property
    def accepted(self) -> bool:
        return self.accepted_count is not None and self.count <= self.accepted_count

    @property
    def open(self) -> bool:
        """Found and not accepted: what a metric page's badge counts."""
        return self.count > 0 and not self.accepted


class MetricOwner(models.Model):
    """The person who answers for a metric's definition and approves a change of it or its target."""

    key = models.CharField(max_length=40, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"{self.key}: {self.owner}"


# --- CRM sync (metrics/sync/) ---------------------------------------------------------------------

from metrics.sync.models import CrmConnection, SyncCursor, SyncRun, SyncWaiting  # noqa: E402, F401
