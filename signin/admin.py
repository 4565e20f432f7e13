from django.contrib import admin

from signin.models import ExternalIdentity, GroupClaimMapping, SignInEvent


@admin.register(GroupClaimMapping)
class GroupClaimMappingAdmin(admin.ModelAdmin[GroupClaimMapping]):
    list_display = ["claim_value", "group", "description"]
    search_fields = ["claim_value", "description", "group__name"]


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin[ExternalIdentity]):
    list_display = ["user", "issuer", "first_sign_in_at", "last_sign_in_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "issuer", "subject", "first_sign_in_at", "last_sign_in_at"]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin[SignInEvent]):
    list_display = ["at", "username", "method", "succeeded", "reason"]
    list_filter = ["method", "succeeded"]
    search_fields = ["username"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
