from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "signin"
    verbose_name = "Sign-in"

    def ready(self) -> None:
        from signin import signals  # noqa: F401 - connects the sign-in log to user_logged_in
        from signin.audit import audit_register

        # What the audit trail shows: group claim mappings and second factor changes.
        audit_register()
