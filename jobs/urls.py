from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("<int:job_id>/", views.job_detail, name="detail"),
    # The one status address of all background work (jobs/statuses.py).
    path("<slug:work>/<int:pk>/status/", views.work_status, name="status"),
    path("<int:job_id>/resume/", views.job_resume_view, name="resume"),
]
