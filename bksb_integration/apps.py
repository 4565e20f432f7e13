from django.apps import AppConfig


class BksbIntegrationConfig(AppConfig):
    name = "bksb_integration"
    verbose_name = "BKSB API Integration"

    def ready(self) -> None:
        # Register the Celery tasks in every process (web, commands, workers), so
        # work queued by name (sync/queue.py) runs eagerly where Celery is set to.
        from bksb_integration import checks  # noqa: F401  (registers the system checks)
        from bksb_integration.sync import tasks  # noqa: F401
