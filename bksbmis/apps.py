from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself as an app, so that its system checks run with every command."""

    name = "bksbmis"
    verbose_name = "bksbmis"

    def ready(self) -> None:
        # Registers bksbmis.E001 (mail is sent, not written to files, with DEBUG off).
        from bksbmis import mail  # noqa: F401
