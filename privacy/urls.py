from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("retention/", views.retention, name="retention"),
    path("learners/<int:pk>/", views.record, name="record"),
    path("learners/<int:pk>/hold/", views.hold, name="hold"),
    path("learners/<int:pk>/erase/", views.erase, name="erase"),
    path("learners/<int:pk>/subject-access/", views.subject_access, name="subject_access"),
    path("subject-access/<int:job_id>/download/", views.subject_access_download, name="subject_access_download"),
]
