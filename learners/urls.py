from django.urls import path

from learners import views, views_caseloads, views_import

app_name = "learners"

urlpatterns = [
    path("", views.learner_list, name="list"),
    path("export.csv", views.learner_export, name="export"),
    path("columns/", views.learner_columns, name="columns"),
    path("<int:pk>/", views.learner_detail, name="detail"),
    path("import/", views_import.learner_import, name="import"),
    path("caseloads/", views_caseloads.caseloads, name="caseloads"),
]
