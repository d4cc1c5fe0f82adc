from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """A person's own choices that are not notification settings (those have their page)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    # Blank: follow the browser's Accept-Language, then the site's LANGUAGE_CODE. The choices'
    # labels are each language's own name (settings.LANGUAGES), as in the switcher.
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: the browser's language, else the site's default."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return _("Profile of %(user)s") % {"user": self.user}
