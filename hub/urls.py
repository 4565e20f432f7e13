from django.urls import path

from hub import views

app_name = "hub"

# No learner id appears in any Hub address: a web user only ever sees their own record.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("bksb/", views.bksb, name="bksb"),
    path("settings/system/", views.system_configuration, name="system_configuration"),
]
