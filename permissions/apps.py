from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "permissions"
    verbose_name = "Permissions"

    def ready(self) -> None:
        # A session's idle and absolute limits count from signing in (bksbmis/session_limits.py).
        from django.contrib.auth.signals import user_logged_in

        from bksbmis.session_limits import session_clock_start

        user_logged_in.connect(session_clock_start, dispatch_uid="session_clock_start")
