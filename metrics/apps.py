from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self):
        # Register the Celery tasks in every process (web too): services enqueue them by name.
        from . import tasks  # noqa: F401
        from .sync import checks  # noqa: F401  (CRM_SECRETS_KEY, once a connection exists)
