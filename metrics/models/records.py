"""CRM records: the canonical kinds of docs/metrics.md, "Records"."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..names import normalised_company_name, website_domain

MONEY = {"max_digits": 18, "decimal_places": 2}


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
    external_id = models.CharField(_("external ID"), max_length=255, unique=True)
    name = models.CharField(_("name"), max_length=255)
    segment = models.CharField(_("segment"), max_length=100, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    website = models.CharField(_("website"), max_length=255, blank=True)
    created_date = models.DateField(_("created date"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Match keys (metrics/names.py), derived from name and website on every save and bulk write,
    # so the data-quality check finds probable duplicates with a GROUP BY.
    name_key = models.CharField(
        _("name match key"), max_length=255, blank=True, editable=False, db_index=True
    )
    website_domain = models.CharField(
        _("website domain"), max_length=255, blank=True, editable=False, db_index=True
    )

    MATCH_KEYS = {"name": "name_key", "website": "website_domain"}

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        # Every run lists the industries (a loose index scan: 1 ms, not a 30 ms DISTINCT).
        indexes = [models.Index(fields=["industry"], name="metrics_account_industry")]

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
        OPEN = "open", pgettext_lazy("deal state", "Open")
        WON = "won", pgettext_lazy("deal state", "Won")
        LOST = "lost", pgettext_lazy("deal state", "Lost")

    class Type(models.TextChoices):
        NEW_BUSINESS = "new_business", pgettext_lazy("deal type", "New business")
        EXPANSION = "expansion", pgettext_lazy("deal type", "Expansion")
        RENEWAL = "renewal", pgettext_lazy("deal type", "Renewal")

    # Unique by a constraint, not unique=True: on PostgreSQL that would add a second,
    # varchar_pattern_ops index for LIKE 'x%' that no query uses and every import writes.
    # Compared byte by byte (SQLite's BINARY, its default; on PostgreSQL a collation of that
    # name made from "C" by migration 0031): its B-trees build and compare faster than under a
    # locale (1m rows, the unique index 0.91 -> 0.48 s), and both databases order alike.
    external_id = models.CharField(_("external ID"), max_length=255, db_collation="BINARY")
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        verbose_name=_("account"),
        db_index=False,  # (account, status, close_date) below leads with it
    )
    name = models.CharField(_("name"), max_length=255, blank=True)
    owner = models.CharField(_("owner"), max_length=255, blank=True)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    created_date = models.DateField(_("created date"))
    close_date = models.DateField(_("close date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    type = models.CharField(
        _("type"), max_length=16, choices=Type.choices, default=Type.NEW_BUSINESS
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        # No (status, close_date): at 1m the queries that used it planned as fast or faster
        # without it (close_date's index, or one scan); every import wrote it (migration 0024).
        indexes = [
            models.Index(fields=["account", "status", "close_date"]),
            # The drill-downs' keyset orders (metrics/keyset.py): a page is an index range.
            models.Index(fields=["close_date", "external_id"]),
            models.Index(fields=["created_date", "external_id"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="opportunity_external_id_unique"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(close_date__isnull=False),
                name="opportunity_closed_has_close_date",
            ),
        ]

    def __str__(self):
        return self.name or self.external_id


class Subscription(models.Model):
    external_id = models.CharField(_("external ID"), max_length=255, unique=True)
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("account"),
    )
    plan = models.CharField(_("plan"), max_length=255, blank=True)
    mrr = models.DecimalField(_("MRR"), **MONEY)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("First day without service.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [
            models.Index(fields=["account", "start_date"]),
            models.Index(fields=["start_date", "end_date"]),
            # A run's first and last record dates (services.data_range): not a scan per run.
            models.Index(fields=["end_date"], name="metrics_subscription_end"),
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
        MARKETING = "marketing", _("Marketing")
        SALES = "sales", _("Sales")

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    channel = models.CharField(_("channel"), max_length=100)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("spend")
        verbose_name_plural = _("spend")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "channel", "category"], name="spend_unique_month_channel_category"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.channel} {self.category}"


class Forecast(models.Model):
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), help_text=_("The period's last day."))
    amount = models.DecimalField(_("amount"), **MONEY)
    recorded_on = models.DateField(_("recorded on"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "recorded_on"],
                name="forecast_unique_period_recorded_on",
            ),
        ]

    def __str__(self):
        return _("%(start)s..%(end)s recorded %(recorded)s") % {
            "start": self.period_start,
            "end": self.period_end,
            "recorded": self.recorded_on,
        }


class Team(models.Model):
    """An opportunity owner's team (the `teams` records): the `team` cut groups owners by it.

    One row per owner, so re-importing an owner moves them to the new team.
    """

    owner = models.CharField(
        _("owner"), max_length=255, unique=True, help_text=_("As in opportunities' owner.")
    )
    team = models.CharField(_("team"), max_length=100)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["team", "owner"]
        verbose_name = _("owner's team")
        verbose_name_plural = _("owners' teams")

    def __str__(self):
        return f"{self.owner} ({self.team})"


class Lead(models.Model):
    """A lead (the `leads` records): the funnel metrics count it in the period it was created in.

    Neither `qualified_date` nor `converted_date` may be before `created_date` (refused at import,
    and a database constraint).
    """

    external_id = models.CharField(_("external ID"), max_length=255, unique=True)
    created_date = models.DateField(_("created date"))
    # As the CRM has it; not needed by any metric, read by the "duplicate leads" finding. The
    # database default serves writers that name their columns (COPY loads: bench/synthetic.py).
    email = models.CharField(_("e-mail"), max_length=254, blank=True, default="", db_default="")
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("The channel cut.")
    )
    owner = models.CharField(_("owner"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=100, blank=True, help_text=_("As the CRM says it.")
    )
    qualified_date = models.DateField(_("qualified date"), null=True, blank=True)
    converted_date = models.DateField(_("converted date"), null=True, blank=True)
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("account"),
        help_text=_("The account the lead became."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
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
