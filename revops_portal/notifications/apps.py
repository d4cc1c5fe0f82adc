from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "revops_portal.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registered at start-up: services send the delivery task by name (metrics.queueing).
        from . import tasks  # noqa: F401
