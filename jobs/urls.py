from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("<int:job_id>/", views.job_detail, name="detail"),
    path("<int:job_id>/status/", views.job_status, name="status"),
    path("<int:job_id>/resume/", views.job_resume_view, name="resume"),
]
