from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from learners.models import Learner, WebUser


@admin.register(Learner)
class LearnerAdmin(SimpleHistoryAdmin):
    list_display = ["learner_ref", "last_name", "first_name", "kind", "system_status", "learning_status", "bksb_user"]
    list_filter = ["kind", "system_status", "learning_status", "bksb_user"]
    search_fields = ["learner_ref", "first_name", "last_name", "email", "bksb_username"]


@admin.register(WebUser)
class WebUserAdmin(admin.ModelAdmin[WebUser]):
    list_display = ["user", "learner", "bksb_updated"]
    search_fields = ["user__username", "learner__learner_ref"]
    raw_id_fields = ["user", "learner"]
