from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "revops_portal.profiles"
    label = "profiles"
    verbose_name = _("Profiles")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .languages import remember_at_login

        user_logged_in.connect(remember_at_login, dispatch_uid="profiles.remember_language")
