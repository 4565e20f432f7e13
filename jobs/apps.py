from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Register the Celery task in every process (web, commands, workers), so a
        # job queued by name runs eagerly where Celery is set to.
        from jobs import tasks  # noqa: F401
        from jobs.services import jobs_sweep
        from jobs.statuses import status_view_register
        from jobs.sweepers import sweeper_register
        from jobs.views import job_status

        sweeper_register("jobs", jobs_sweep)
        # The one status address answers for jobs; the apps above add their own kinds of work.
        status_view_register("job", job_status)
