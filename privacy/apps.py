from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Retention and subject access"

    def ready(self) -> None:
        # The Celery task in every process, so work queued by name runs eagerly where Celery is set to.
        from jobs.kinds import job_kind_register
        from permissions.audit import EntrySource, audit_entries_register
        from privacy import tasks  # noqa: F401
        from privacy.audit import privacy_entries
        from privacy.subject_access_job import SUBJECT_ACCESS_EXPORT

        job_kind_register(SUBJECT_ACCESS_EXPORT)
        audit_entries_register(EntrySource("privacy", "Retention and subject access", privacy_entries))
