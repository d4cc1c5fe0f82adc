"""Onboarding paths (section 6): what each role reads, and who has read what."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .documents import Revision, Section


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
