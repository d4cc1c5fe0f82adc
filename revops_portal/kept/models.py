from django.db import models


class ChangeMarker(models.Model):
    """How many times one watched table was written (revops_portal/kept/changes.py). Moved by
    database triggers, never by the portal's code: a `QuerySet.update`, the admin, a migration
    or raw SQL moves it too."""

    table = models.CharField(max_length=63, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.table}: {self.version}"
