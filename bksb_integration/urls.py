from django.urls import path

from bksb_integration import views_mappings, views_settings

app_name = "bksb"

urlpatterns = [
    path("integrations/bksb/", views_settings.summary, name="summary"),
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
]
