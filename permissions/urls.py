from django.urls import path

from permissions import views

app_name = "permissions"

urlpatterns = [
    path("permissions/", views.edit, name="edit"),
    path("audit/", views.audit, name="audit"),
]
