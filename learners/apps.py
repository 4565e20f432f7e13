from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = "Learners"

    def ready(self) -> None:
        from jobs.kinds import job_kind_register
        from learners.import_job import LEARNER_IMPORT
        from learners.models import CaseloadGroup, Learner
        from learners.programme_filters import programme_filters_register
        from permissions.audit import LEARNER_SCAN, HistorySource, audit_history_register

        job_kind_register(LEARNER_IMPORT)
        programme_filters_register()
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
        # Who was given or lost a tutor group on Tools > Caseloads: who could see which records, and since when.
        audit_history_register(
            HistorySource(
                "caseloads",
                "Caseloads",
                CaseloadGroup,
                lambda r: f"Caseload of {r.user.get_username() if r.user else f'user #{r.user_id}'}",
                related=("user",),
            )
        )
