from django.conf import settings
from django.db import models


class Profile(models.Model):
    """A person's own choices that are not notification settings (those have their page)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # Blank: follow the browser's Accept-Language, then the site's LANGUAGE_CODE.
    language = models.CharField(max_length=10, blank=True, choices=settings.LANGUAGES)

    def __str__(self):
        return f"Profile of {self.user}"
