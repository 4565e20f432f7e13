from django.urls import path

from bksb_integration.web import get_results as views_bulk
from bksb_integration.web import mappings as views_mappings
from bksb_integration.web import settings_page as views_settings
from bksb_integration.web import tab as views_tab
from bksb_integration.web import users as views_users

app_name = "bksb"

urlpatterns = [
    path("integrations/bksb/", views_settings.summary, name="summary"),
    # A learner's BKSB tab, the BKSB Results window, export and BKSB Tables (views_tab).
    path("learners/<int:pk>/bksb/", views_tab.tab, name="tab"),
    path("learners/<int:pk>/bksb/results/", views_tab.tab_results, name="tab_results"),
    path("learners/<int:pk>/bksb/link/", views_tab.link, name="link"),
    path("learners/<int:pk>/bksb/download/", views_tab.download, name="download"),
    path("learners/<int:pk>/bksb/reset/", views_tab.reset, name="reset"),
    path("learners/<int:pk>/bksb/export.csv", views_tab.export_learner, name="export_learner"),
    path("bksb/runs/<int:run_id>/status/", views_tab.run_status, name="run_status"),
    path("integrations/bksb/tables/", views_tab.tables, name="tables"),
    path("integrations/bksb/export.csv", views_tab.export_all, name="export_all"),
    path("integrations/bksb/settings/", views_settings.settings_edit, name="settings"),
    path("integrations/bksb/settings/downloads/", views_settings.download_options_edit, name="download_options"),
    path("integrations/bksb/test/", views_settings.test_connection, name="test_connection"),
    path("integrations/bksb/levels/", views_mappings.mapping_list, {"kind": "levels"}, name="levels"),
    path("integrations/bksb/levels/<int:pk>/", views_mappings.mapping_edit, {"kind": "levels"}, name="levels_edit"),
    path(
        "integrations/bksb/levels/<int:pk>/delete/",
        views_mappings.mapping_delete,
        {"kind": "levels"},
        name="levels_delete",
    ),
    path("integrations/bksb/subjects/", views_mappings.mapping_list, {"kind": "subjects"}, name="subjects"),
    path(
        "integrations/bksb/subjects/<int:pk>/",
        views_mappings.mapping_edit,
        {"kind": "subjects"},
        name="subjects_edit",
    ),
    path(
        "integrations/bksb/subjects/<int:pk>/delete/",
        views_mappings.mapping_delete,
        {"kind": "subjects"},
        name="subjects_delete",
    ),
    # Creating bksb users and inviting learners to them (views_users).
    path("learners/<int:pk>/bksb/create-user/", views_users.create_user, name="create_user"),
    path("learners/<int:pk>/bksb/link-existing/", views_users.link_existing, name="link_existing"),
    path("learners/<int:pk>/bksb/invite/", views_users.invite, name="invite"),
    path("learners/<int:pk>/bksb/record-actions/", views_users.record_actions, name="record_actions"),
    path("learners/bksb/bulk-create/", views_users.bulk_create, name="bulk_create"),
    path("integrations/bksb/invite-template/", views_users.invite_template, name="invite_template"),
    # Management > BKSB: Get Results for every eligible learner, schedule and run history (views_bulk).
    path("management/bksb/", views_bulk.management, name="management"),
    path("management/bksb/run/", views_bulk.run_panel, name="run_panel"),
    path("management/bksb/get-results/", views_bulk.get_results, name="get_results"),
    path("management/bksb/runs/<int:run_id>/resume/", views_bulk.resume, name="get_results_resume"),
    path("management/bksb/runs/<int:run_id>/status/", views_bulk.bulk_status, name="bulk_status"),
    path("management/bksb/schedule/", views_bulk.schedule, name="schedule"),
    path("management/bksb/history/", views_bulk.history, name="history"),
    path("management/bksb/history/<int:run_id>/", views_bulk.run_detail, name="run_detail"),
]
