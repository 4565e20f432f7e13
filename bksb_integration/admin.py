"""Django admin for the bksb tables: a back door for superusers, never a place to see secrets."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from bksb_integration.models import (
    BksbLink,
    BksbSettings,
    Decision,
    DiagnosticAssessmentResult,
    InitialAssessmentResult,
    Invite,
    Judgement,
    LevelMapping,
    Run,
    RunLearner,
    SubjectMapping,
    UserCreationRequest,
)
from bksb_integration.models.config import ENCRYPTED_FIELDS

# The Django admin is a back door for superusers only. Staff, is_staff included, use
# the product's own screens, where permissions/ decides who may do what and every
# change goes through the same rules; model permissions granted for those screens
# must not open raw tables here as well.
# (mypy objects to replacing a method; on the default site's instance it is what we mean.)
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser  # type: ignore[method-assign]


class ReadOnlyMixin:
    """Rows written only by the integration: look, never touch."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


CHANGE_THEM_ELSEWHERE = (
    "Read only here: change these on Integrations > bksb > Settings, Settings > System configuration "
    "or with manage.py bksb_settings."
)


@admin.register(BksbSettings)
class BksbSettingsAdmin(SimpleHistoryAdmin):
    """Look only: the settings change on Integrations > bksb > Settings and Settings > System
    configuration, or with `manage.py bksb_settings`, whose shared rules (https only,
    the Secret Access Key entered again for a new server, sane download options) a
    plain admin form would skip. The encrypted secrets stay out of every list and form.
    """

    exclude = list(ENCRYPTED_FIELDS)
    list_display = ["__str__", "integration_enabled", "api_url", "access_key_id", "last_test_ok"]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        # Every field read-only also empties the form simple_history builds for a past version.
        return [field.name for field in BksbSettings._meta.fields if field.name not in self.exclude]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "subtitle": CHANGE_THEM_ELSEWHERE}
        return super().change_view(request, object_id, form_url, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # simple_history saves a POST here ("Revert") with only view permission: that
        # would put back an old BKSB API url while keeping today's Secret Access Key.
        if request.method != "GET":
            raise PermissionDenied
        response: HttpResponse = super().history_form_view(  # type: ignore[no-untyped-call]
            request, object_id, version_id, extra_context
        )
        return response


@admin.register(LevelMapping)
class LevelMappingAdmin(SimpleHistoryAdmin):
    list_display = ["text", "match", "level"]
    list_filter = ["match", "level"]
    search_fields = ["text"]


@admin.register(SubjectMapping)
class SubjectMappingAdmin(SimpleHistoryAdmin):
    list_display = ["course_subject", "subject"]
    list_filter = ["subject"]
    search_fields = ["course_subject"]


@admin.register(BksbLink)
class BksbLinkAdmin(SimpleHistoryAdmin):
    list_display = ["learner", "bksb_user_id", "resolved_username", "last_download_at", "last_outcome"]
    search_fields = ["learner__learner_ref", "resolved_username"]
    raw_id_fields = ["learner"]


@admin.register(UserCreationRequest)
class UserCreationRequestAdmin(SimpleHistoryAdmin):
    list_display = ["username", "learner", "status", "attempts", "bksb_user_id", "created_at"]
    list_filter = ["status"]
    search_fields = ["username", "learner__learner_ref"]
    raw_id_fields = ["learner", "requested_by"]


@admin.register(Invite)
class InviteAdmin(ReadOnlyMixin, admin.ModelAdmin[Any]):
    list_display = ["email", "username", "learner", "sent_by", "sent_at"]
    search_fields = ["email", "username", "learner__learner_ref"]


class ResultAdmin(ReadOnlyMixin, admin.ModelAdmin[Any]):
    list_display = ["learner", "assessment_name", "result", "level", "subject", "result_date"]
    list_filter = ["subject", "level"]
    search_fields = ["learner__learner_ref", "result", "course_subject"]
    date_hierarchy = "result_date"


admin.site.register(InitialAssessmentResult, ResultAdmin)
admin.site.register(DiagnosticAssessmentResult, ResultAdmin)


class RunLearnerInline(ReadOnlyMixin, admin.TabularInline[Any, Any]):
    model = RunLearner
    fields = ["learner", "status", "attempts", "results_created", "results_updated", "error"]
    raw_id_fields = ["learner"]
    extra = 0


@admin.register(Run)
class RunAdmin(ReadOnlyMixin, admin.ModelAdmin[Any]):
    list_display = ["pk", "kind", "trigger", "status", "started_by", "created_at", "learners_done", "learners_failed"]
    list_filter = ["kind", "status", "trigger"]
    inlines = [RunLearnerInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyMixin, admin.ModelAdmin[Any]):
    """English and maths decisions are added on the learner's BKSB tab and never edited or deleted, here either."""

    list_display = ("learner", "subject", "kind", "decided_on", "discussed_by", "supersedes", "recorded_at")
    list_filter = ("subject", "kind")
    raw_id_fields = ("learner", "supersedes")


@admin.register(Judgement)
class JudgementAdmin(ReadOnlyMixin, admin.ModelAdmin[Any]):
    """Professional judgements are added on the learner's BKSB tab and never edited or deleted, here either."""

    list_display = ("learner", "subject", "level", "file_name", "recorded_at")
    list_filter = ("subject", "level")
    raw_id_fields = ("learner",)
    exclude = ("file_token",)  # the stored file's name is not for the admin
