from django.apps import AppConfig


class BksbIntegrationConfig(AppConfig):
    name = "bksb_integration"
    verbose_name = "BKSB API Integration"

    def ready(self) -> None:
        from bksb_integration import checks  # noqa: F401  (registers the system checks)

        # Creating bksb users for many records runs as a background job (jobs app).
        from bksb_integration.accounts.create_users import BKSB_USERS_CREATE

        # Register the Celery tasks in every process (web, commands, workers), so
        # work queued by name (sync/queue.py) runs eagerly where Celery is set to.
        from bksb_integration.sync import tasks  # noqa: F401
        from jobs.kinds import job_kind_register

        job_kind_register(BKSB_USERS_CREATE)

        # The download runs are swept with the jobs, by the one sweeper (jobs.sweepers).
        from bksb_integration.sync.get_results import runs_sweep
        from jobs.sweepers import sweeper_register

        sweeper_register("download runs", runs_sweep)

        # Matching records to existing bksb users: the run, and Link selected on its review page.
        from bksb_integration.accounts.match_links import BKSB_MATCH_LINK
        from bksb_integration.sync.matching import BKSB_MATCH

        job_kind_register(BKSB_MATCH)
        job_kind_register(BKSB_MATCH_LINK)

        # New eligible records get bksb users after each import, when an admin switched that on.
        from bksb_integration.sync.intake import after_learners_imported
        from learners.signals import learners_imported

        learners_imported.connect(after_learners_imported, dispatch_uid="bksb_auto_create_users")

        # Columns, filters and actions on the learner list (learners.listing).
        from bksb_integration.web import learner_list

        learner_list.register()

        # Levels at a glance (issue 14): recomputing many records' levels, and evidence packs for many, run as jobs;
        # the Tag filter and the Evidence packs action on the learner list.
        from bksb_integration.config.levels_job import BKSB_LEVELS_REFRESH
        from bksb_integration.results.evidence_job import BKSB_EVIDENCE_PACKS
        from bksb_integration.web import levels_list

        job_kind_register(BKSB_LEVELS_REFRESH)
        job_kind_register(BKSB_EVIDENCE_PACKS)
        levels_list.register()

        # Assessment status, Induction board (issue 13): invites again as a job; the list's column, filter, action.
        from bksb_integration.accounts.invite_jobs import BKSB_INVITES_SEND
        from bksb_integration.web import assessment_list

        job_kind_register(BKSB_INVITES_SEND)
        assessment_list.register()

        # Levels on the learner list (columns, level and flag filters, sorts) and its Reports link (issue 14).
        from bksb_integration.web.list_levels import list_levels_register

        list_levels_register()
