from django.urls import path

from bksb_integration.creation.views import automatic as auto_create_page
from bksb_integration.creation.views import users
from bksb_integration.crosscheck.views import report as crosscheck
from bksb_integration.decisions.views import record as decisions
from bksb_integration.evidence import views as evidence
from bksb_integration.induction.views import board as induction_board
from bksb_integration.induction.views import list_status as assessment_list
from bksb_integration.induction.views import watch_settings
from bksb_integration.levels.views import reports
from bksb_integration.levels.views import tags as tags_page
from bksb_integration.matching.views import match as matching
from bksb_integration.matching.views import settings as matching_settings
from bksb_integration.unmatched import views as unmatched
from bksb_integration.web.runs import views as get_results
from bksb_integration.web.settings import mappings
from bksb_integration.web.settings import views as settings_page
from bksb_integration.web.tab import sessions
from bksb_integration.web.tab import views as tab

app_name = "bksb"

urlpatterns = [
    path("integrations/bksb/", settings_page.summary, name="summary"),
    # A learner's BKSB tab, the BKSB Results window, export and BKSB Tables (web/tab.py).
    path("learners/<int:pk>/bksb/", tab.tab, name="tab"),
    path("learners/<int:pk>/bksb/results/", tab.tab_results, name="tab_results"),
    path("learners/<int:pk>/bksb/link/", tab.link, name="link"),
    path("learners/<int:pk>/bksb/download/", tab.download, name="download"),
    path("learners/<int:pk>/bksb/reset/", tab.reset, name="reset"),
    path("learners/<int:pk>/bksb/export.csv", tab.export_learner, name="export_learner"),
    # English and maths decisions and judgements, added from the tab, never edited (decisions/views).
    path("learners/<int:pk>/bksb/decisions/add/", decisions.decision_add, name="decision_add"),
    path("learners/<int:pk>/bksb/judgements/add/", decisions.judgement_add, name="judgement_add"),
    path(
        "learners/<int:pk>/bksb/judgements/<int:judgement_id>/file/",
        decisions.judgement_file,
        name="judgement_file",
    ),
    path("integrations/bksb/tables/", tab.tables, name="tables"),
    path("integrations/bksb/export.csv", tab.export_all, name="export_all"),
    path("integrations/bksb/settings/", settings_page.settings_edit, name="settings"),
    path("integrations/bksb/settings/downloads/", settings_page.download_options_edit, name="download_options"),
    path("integrations/bksb/test/", settings_page.test_connection, name="test_connection"),
    path("integrations/bksb/levels/", mappings.mapping_list, {"kind": "levels"}, name="levels"),
    path("integrations/bksb/levels/<int:pk>/", mappings.mapping_edit, {"kind": "levels"}, name="levels_edit"),
    path(
        "integrations/bksb/levels/<int:pk>/delete/",
        mappings.mapping_delete,
        {"kind": "levels"},
        name="levels_delete",
    ),
    path("integrations/bksb/subjects/", mappings.mapping_list, {"kind": "subjects"}, name="subjects"),
    path(
        "integrations/bksb/subjects/<int:pk>/",
        mappings.mapping_edit,
        {"kind": "subjects"},
        name="subjects_edit",
    ),
    path(
        "integrations/bksb/subjects/<int:pk>/delete/",
        mappings.mapping_delete,
        {"kind": "subjects"},
        name="subjects_delete",
    ),
    # Creating bksb users and inviting learners to them (creation/views).
    path("learners/<int:pk>/bksb/create-user/", users.create_user, name="create_user"),
    path("learners/<int:pk>/bksb/link-existing/", users.link_existing, name="link_existing"),
    path("learners/<int:pk>/bksb/invite/", users.invite, name="invite"),
    path("learners/<int:pk>/bksb/record-actions/", users.record_actions, name="record_actions"),
    path("learners/bksb/create-users/", users.users_create, name="users_create"),
    path("integrations/bksb/invite-template/", users.invite_template, name="invite_template"),
    # Management > BKSB: Get Results for every eligible learner, schedule and run history.
    path("management/bksb/", get_results.management, name="management"),
    path("management/bksb/run/", get_results.run_panel, name="run_panel"),
    path("management/bksb/get-results/", get_results.get_results, name="get_results"),
    path("management/bksb/runs/<int:run_id>/resume/", get_results.resume, name="get_results_resume"),
    path("management/bksb/schedule/", get_results.schedule, name="schedule"),
    path("management/bksb/history/", get_results.history, name="history"),
    path("management/bksb/history/<int:run_id>/", get_results.run_detail, name="run_detail"),
    # Matching records to existing bksb users: Match learners, its review, Find in bksb (web/matching.py).
    path("management/bksb/match/", matching.match_page, name="match"),
    path("management/bksb/match/start/", matching.match_start, name="match_start"),
    path("management/bksb/match/<int:job_id>/", matching.match_review, name="match_review"),
    path("management/bksb/match/<int:job_id>/link/", matching.match_link, name="match_link"),
    path("learners/<int:pk>/bksb/find/", matching.find_in_bksb, name="match_find"),
    path("learners/bksb/suggestions/<int:suggestion_id>/link/", matching.match_link_one, name="match_link_one"),
    path("integrations/bksb/settings/matching/", matching_settings.matching_settings, name="matching_settings"),
    # Levels at a glance: tag rules, funding flag thresholds and meanings, evidence packs.
    path("integrations/bksb/tags/", tags_page.tags, name="tags"),
    path("integrations/bksb/tags/<int:pk>/", tags_page.tag_rule_edit, name="tag_rule_edit"),
    path("integrations/bksb/tags/<int:pk>/delete/", tags_page.tag_rule_delete, name="tag_rule_delete"),
    path("integrations/bksb/funding-thresholds/", tags_page.funding_thresholds, name="funding_thresholds"),
    path("bksb/funding-flags/", tags_page.funding_flags_help, name="funding_flags"),
    path("learners/<int:pk>/bksb/evidence-pack.pdf", evidence.evidence_pack, name="evidence_pack"),
    path("learners/bksb/evidence-packs/", evidence.evidence_packs, name="evidence_packs"),
    path(
        "bksb/evidence-packs/<int:job_id>/download/", evidence.evidence_packs_download, name="evidence_packs_download"
    ),
    # Assessment status: the Induction board, and Get Results for the learner list's selection.
    path("management/bksb/induction/", induction_board.board, name="induction_board"),
    path("management/bksb/induction/invite/", induction_board.invite_again, name="induction_invite"),
    path("management/bksb/induction/get-results/", induction_board.get_results_now, name="induction_get_results"),
    path("learners/bksb/get-results/", assessment_list.get_results_selection, name="get_results_selection"),
    # Assessment sessions and the watch list: Watch on the BKSB tab, the watch list settings.
    path("learners/<int:pk>/bksb/watch/", sessions.watch, name="watch"),
    path("learners/<int:pk>/bksb/sessions/<int:session_pk>/skills/", sessions.session_skills, name="session_skills"),
    path("learners/<int:pk>/bksb/skills.csv", sessions.export_learner_skills, name="export_learner_skills"),
    path("integrations/bksb/skills.csv", sessions.export_all_skills, name="export_all_skills"),
    path("integrations/bksb/settings/watch-list/", watch_settings.watch_settings, name="watch_settings"),
    path("management/bksb/schedule/watch-list/", watch_settings.watch_schedule, name="watch_schedule"),
    # The unmatched report, creating bksb users for an intake, creating them automatically.
    path("management/bksb/unmatched/", unmatched.unmatched, name="unmatched"),
    path("management/bksb/unmatched.csv", unmatched.unmatched_export, name="unmatched_export"),
    path("integrations/bksb/automatic-users/", auto_create_page.auto_create, name="auto_create"),
    # Management > BKSB > Reports: a cohort's levels as charts and tables, and as CSV (web/reports.py).
    path("management/bksb/reports/", reports.reports, name="reports"),
    path("management/bksb/reports/report.csv", reports.reports_csv, name="reports_csv"),
    # Management > BKSB > ILR cross-check: the findings, their CSV, a large cohort's report as a job.
    path("management/bksb/ilr-crosscheck/", crosscheck.crosscheck, name="crosscheck"),
    path("management/bksb/ilr-crosscheck/report.csv", crosscheck.crosscheck_csv, name="crosscheck_csv"),
    path("management/bksb/ilr-crosscheck/job/", crosscheck.crosscheck_job, name="crosscheck_job"),
    path(
        "bksb/ilr-crosscheck/<int:job_id>/download/",
        crosscheck.crosscheck_job_download,
        name="crosscheck_job_download",
    ),
    # Management > BKSB > Audit sample: the auditor's sample pack, a zip made by a job (evidence/sample_job.py).
    path("management/bksb/audit-sample/", evidence.audit_sample, name="audit_sample"),
    path(
        "management/bksb/audit-sample/<int:job_id>/download/",
        evidence.audit_sample_download,
        name="audit_sample_download",
    ),
]
