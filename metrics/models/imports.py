"""Portal imports of CRM files and their saved column mappings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .jobs import JobStatus


class ImportPreset(models.Model):
    """A column mapping a RevOps manager saved for the next import of the same kind of file,
    used as `import_crm --preset NAME` or chosen in the portal."""

    name = models.SlugField(_("name"), max_length=40, unique=True)
    kind = models.CharField(_("record kind"), max_length=16)
    mapping = models.JSONField(
        _("column mapping"), default=dict, help_text=_("Canonical field → column name.")
    )
    status_map = models.JSONField(_("status map"), default=dict, blank=True)
    date_order = models.CharField(_("date order"), max_length=3, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import preset")
        verbose_name_plural = _("import presets")

    def __str__(self):
        return f"{self.name} ({self.kind})"


class ImportJob(models.Model):
    """A CRM file uploaded in the portal, validated and written in the background."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", _("Accounts")
        OPPORTUNITIES = "opportunities", _("Opportunities")
        SUBSCRIPTIONS = "subscriptions", _("Subscriptions")
        SPEND = "spend", _("Spend")
        FORECASTS = "forecasts", _("Forecasts")
        TEAMS = "teams", _("Teams")
        LEADS = "leads", _("Leads")

    Status = JobStatus

    kind = models.CharField(_("record kind"), max_length=16, choices=Kind.choices)
    preset = models.CharField(_("preset"), max_length=16, default="generic")
    mapping = models.JSONField(
        _("column mapping"),
        default=dict,
        blank=True,
        help_text=_("Canonical field → column name."),
    )
    status_map = models.JSONField(
        _("status map"),
        default=dict,
        blank=True,
        help_text=_(
            "Stage value → open/won/lost, '*' for any other value (status derived from the stage)."
        ),
    )
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    date_order = models.CharField(
        _("date order"),
        max_length=3,
        blank=True,
        choices=[("MDY", _("Month first")), ("DMY", _("Day first"))],
        help_text=_(
            "The day/month order of date columns the file leaves ambiguous; blank: the preset's."
        ),
    )
    create_accounts = models.BooleanField(
        _("create missing accounts"),
        default=False,
        help_text=_("Create the accounts that records name but none has."),
    )
    file = models.FileField(_("file"), upload_to="imports/")
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, help_text=_("Percent done.")
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_invalid = models.PositiveIntegerField(_("invalid rows"), default=0)
    # Every bad row: [{"line": 3, "column": "amount", "value": "abc", "reason": "..."}]
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("sent to the workers at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("CRM import")
        verbose_name_plural = _("CRM imports")

    def __str__(self):
        return _("Import %(id)s: %(kind)s from %(file)s") % {
            "id": self.pk,
            "kind": self.get_kind_display(),
            "file": self.original_name,
        }
