from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = "Learners"

    def ready(self) -> None:
        from jobs.kinds import job_kind_register
        from learners.import_job import LEARNER_IMPORT
        from learners.models import Learner
        from permissions.audit import LEARNER_SCAN, HistorySource, audit_history_register

        job_kind_register(LEARNER_IMPORT)
        # The audit trail shows changes to the fields that say whether and how a record is on bksb.
        audit_history_register(
            HistorySource(
                "learners",
                "Learner BKSB fields",
                Learner,
                lambda r: f"Learner {r.learner_ref} ({r.first_name} {r.last_name})",
                fields=("bksb_user", "bksb_username"),
                limit=LEARNER_SCAN,
            )
        )
