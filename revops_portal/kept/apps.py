from django.apps import AppConfig


class KeptConfig(AppConfig):
    name = "revops_portal.kept"
    label = "kept"
    default_auto_field = "django.db.models.BigAutoField"
