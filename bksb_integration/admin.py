"""Django admin for the bksb tables: a back door for superusers, never a place to see secrets."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from bksb_integration.models import (
    BksbLink,
    BksbSettings,
    DiagnosticAssessmentResult,
    InitialAssessmentResult,
    Invite,
    LevelMapping,
    Run,
    RunLearner,
    SubjectMapping,
    UserCreationRequest,
)


class ReadOnlyMixin:
    """Rows written only by the integration: look, never touch."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(BksbSettings)
class BksbSettingsAdmin(SimpleHistoryAdmin):
    # The encrypted secrets are not editable and stay out of every list and form:
    # set them on Integrations > bksb > Settings or with `manage.py bksb_settings`.
    exclude = ["secret_access_key_encrypted", "default_password_encrypted"]
    readonly_fields = ["last_tested_at", "last_test_ok", "last_test_outcome", "updated_at"]
    list_display = ["__str__", "integration_enabled", "api_url", "access_key_id", "last_test_ok"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not BksbSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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
class InviteAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["email", "username", "learner", "sent_by", "sent_at"]
    search_fields = ["email", "username", "learner__learner_ref"]


class ResultAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["learner", "assessment_name", "result", "level", "subject", "result_date"]
    list_filter = ["subject", "level"]
    search_fields = ["learner__learner_ref", "result", "course_subject"]
    date_hierarchy = "result_date"


admin.site.register(InitialAssessmentResult, ResultAdmin)
admin.site.register(DiagnosticAssessmentResult, ResultAdmin)


class RunLearnerInline(ReadOnlyMixin, admin.TabularInline):
    model = RunLearner
    fields = ["learner", "status", "attempts", "results_created", "results_updated", "error"]
    raw_id_fields = ["learner"]
    extra = 0


@admin.register(Run)
class RunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["pk", "kind", "trigger", "status", "started_by", "created_at", "learners_done", "learners_failed"]
    list_filter = ["kind", "status", "trigger"]
    inlines = [RunLearnerInline]
