from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = "Learners"

    def ready(self) -> None:
        from jobs.kinds import job_kind_register
        from learners.import_job import LEARNER_IMPORT

        job_kind_register(LEARNER_IMPORT)
