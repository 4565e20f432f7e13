from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from learners.models import EnglishMathsAim, Learner, LearningAim, WebUser
from learners.search_text import search_text_refresh


@admin.register(Learner)
class LearnerAdmin(SimpleHistoryAdmin):
    list_display = ["learner_ref", "last_name", "first_name", "kind", "system_status", "learning_status", "bksb_user"]
    list_filter = ["kind", "system_status", "learning_status", "bksb_user"]
    search_fields = ["learner_ref", "first_name", "last_name", "email", "bksb_username"]

    def save_model(self, request: HttpRequest, obj: Learner, form: ModelForm[Learner], change: bool) -> None:
        """The record, and its search column (also when a history row is reverted to)."""
        super().save_model(request, obj, form, change)  # type: ignore[no-untyped-call]
        search_text_refresh(learner_ids=[obj.pk])


@admin.register(WebUser)
class WebUserAdmin(admin.ModelAdmin[WebUser]):
    """A record's search column holds its web username: kept when a web user is added, moved or removed."""

    list_display = ["user", "learner", "bksb_updated"]
    search_fields = ["user__username", "learner__learner_ref"]
    raw_id_fields = ["user", "learner"]

    def save_model(self, request: HttpRequest, obj: WebUser, form: ModelForm[WebUser], change: bool) -> None:
        before = form.initial.get("learner")
        super().save_model(request, obj, form, change)
        search_text_refresh(learner_ids=[obj.learner_id, *([before] if before else [])])

    def delete_model(self, request: HttpRequest, obj: WebUser) -> None:
        learner_id = obj.learner_id
        super().delete_model(request, obj)
        search_text_refresh(learner_ids=[learner_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebUser]) -> None:
        learner_ids = list(queryset.values_list("learner_id", flat=True))
        super().delete_queryset(request, queryset)
        search_text_refresh(learner_ids=learner_ids)


@admin.register(EnglishMathsAim)
class EnglishMathsAimAdmin(SimpleHistoryAdmin):
    list_display = ["learn_aim_ref", "title", "subject", "level"]
    list_filter = ["subject", "level"]
    search_fields = ["learn_aim_ref", "title"]


@admin.register(LearningAim)
class LearningAimAdmin(admin.ModelAdmin[LearningAim]):
    list_display = ["learner", "aim_seq_number", "learn_aim_ref", "fund_model", "start_date", "comp_status"]
    search_fields = ["learner__learner_ref", "learn_aim_ref"]
    raw_id_fields = ["learner"]
