from django.contrib import admin
from django.urls import include, path

from bksbmis import views
from signin import views as signin_views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("login/", signin_views.SignInView.as_view(), name="login"),
    path("logout/", signin_views.sign_out, name="logout"),
    path("signin/", include("signin.urls")),
    path("learners/", include("learners.urls")),
    path("tools/", include("permissions.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("bksb_integration.urls")),
    path("privacy/", include("privacy.urls")),
    path("hub/", include("hub.urls")),
    path("admin/", admin.site.urls),
]
