"""The bksb integration: its parts, lowest first, are api, models, config, decisions, levels, accounts, sync, matching,
creation, unmatched, results, crosscheck, evidence, induction, then the screens (web/ and each feature's views/), and
on top tasks.py, urls.py, the commands and this module (see tests/architecture/test_layout.py)."""

from django.apps import AppConfig


class BksbIntegrationConfig(AppConfig):
    name = "bksb_integration"
    verbose_name = "BKSB API Integration"

    def ready(self) -> None:
        # The system checks, and the Celery tasks in every process (web, commands, workers), so that
        # work queued by name (sync/queue.py) runs eagerly where Celery is set to.
        from bksb_integration import checks, tasks  # noqa: F401
        from bksb_integration.accounts.invite_jobs import BKSB_INVITES_SEND
        from bksb_integration.audit import audit_register
        from bksb_integration.config.connection import budget_provider_register
        from bksb_integration.creation.intake import after_learners_imported
        from bksb_integration.creation.users_job import BKSB_USERS_CREATE
        from bksb_integration.crosscheck.report_job import BKSB_ILR_CROSSCHECK
        from bksb_integration.decisions.views.list_columns import list_judgements_register
        from bksb_integration.evidence.packs_job import BKSB_EVIDENCE_PACKS
        from bksb_integration.evidence.sample_job import BKSB_AUDIT_SAMPLE
        from bksb_integration.induction.status_store import status_facts_changed
        from bksb_integration.induction.views import list_status
        from bksb_integration.levels.recompute_job import BKSB_LEVELS_REFRESH
        from bksb_integration.levels.views import list_tags
        from bksb_integration.levels.views.list_columns import list_levels_register
        from bksb_integration.matching.links_job import BKSB_MATCH_LINK
        from bksb_integration.matching.match_job import BKSB_MATCH
        from bksb_integration.models.induction import assessment_facts_changed
        from bksb_integration.results.views import list_rushed
        from bksb_integration.sync.budget import budget_throttle
        from bksb_integration.sync.get_results import runs_sweep
        from bksb_integration.web import learner_list
        from bksb_integration.web.runs.views import run_status
        from jobs.kinds import job_kind_register
        from jobs.statuses import status_view_register
        from jobs.sweepers import sweeper_register
        from learners.signals import learners_imported

        # Every bksb client draws on the one request budget all workers share, at its caller's priority.
        budget_provider_register(budget_throttle)

        # The kinds of background job each feature runs (jobs app).
        for kind in (BKSB_USERS_CREATE, BKSB_MATCH, BKSB_MATCH_LINK, BKSB_LEVELS_REFRESH, BKSB_EVIDENCE_PACKS):
            job_kind_register(kind)
        job_kind_register(BKSB_INVITES_SEND)
        job_kind_register(BKSB_ILR_CROSSCHECK)
        job_kind_register(BKSB_AUDIT_SAMPLE)

        # The download runs are swept with the jobs, by the one sweeper (jobs.sweepers).
        sweeper_register("download runs", runs_sweep)
        # Their windows poll the one status address (jobs:status, work "run").
        status_view_register("run", run_status)

        # What the audit trail shows of the integration's tables.
        audit_register()

        # New eligible records get bksb users after each import, when an admin switched that on.
        learners_imported.connect(after_learners_imported, dispatch_uid="bksb_auto_create_users")

        # The stored assessment status follows every fact it rests on, in the fact's own transaction.
        assessment_facts_changed.connect(status_facts_changed, dispatch_uid="bksb_assessment_status")

        # Columns, filters, sorts and actions on the learner list (learners.listing).
        learner_list.register()
        list_tags.register()
        list_status.register()
        list_levels_register()
        list_judgements_register()
        list_rushed.register()

        # Operations (issue 22): /health/ready asks whether bksb is ready; /metrics reads the runs.
        from bksb_integration.config.health import bksb_health
        from bksb_integration.sync.run_metrics import run_metrics
        from ops.health import health_check_register
        from ops.metrics import collector_register

        health_check_register("bksb", bksb_health)
        collector_register("runs", run_metrics)
