from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bksbmis import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("learners/", include("learners.urls")),
    path("tools/", include("permissions.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("bksb_integration.urls")),
    path("hub/", include("hub.urls")),
    path("admin/", admin.site.urls),
]
