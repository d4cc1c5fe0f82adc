"""Onboarding paths (section 6): what each role reads, and who has read what."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .documents import Revision, Section


class ReadingPath(models.Model):
    """A role's onboarding path (SDR, account executive, CSM…): sections to read, in order."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reading path")
        verbose_name_plural = _("reading paths")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ReadingPathStep(models.Model):
    path = models.ForeignKey(
        ReadingPath, on_delete=models.CASCADE, related_name="steps", verbose_name=_("reading path")
    )
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="+", verbose_name=_("section")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("reading path step")
        verbose_name_plural = _("reading path steps")
        ordering = ["path", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["path", "section"], name="playbook_step_unique_section")
        ]

    def __str__(self):
        return f"{self.path}: {self.section}"


class Reader(models.Model):
    """A person's role for onboarding: the reading path that is theirs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="playbook_reader",
        verbose_name=_("user"),
    )
    path = models.ForeignKey(
        ReadingPath,
        on_delete=models.CASCADE,
        related_name="readers",
        verbose_name=_("reading path"),
    )
    started_on = models.DateField(_("started on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("reader")
        verbose_name_plural = _("readers")

    def __str__(self):
        return f"{self.user} → {self.path}"


class Reading(models.Model):
    """ "I have read this": the latest revision of a section that a person has read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="playbook_readings",
        verbose_name=_("user"),
    )
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="+", verbose_name=_("section")
    )
    revision = models.ForeignKey(
        Revision, on_delete=models.CASCADE, related_name="+", verbose_name=_("revision")
    )
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            models.UniqueConstraint(fields=["user", "section"], name="playbook_reading_unique")
        ]

    def __str__(self):
        return f"{self.user} read {self.section} #{self.revision_id}"
