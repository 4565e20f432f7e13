"""The named rights staff are granted on Tools > Edit Permissions.

They are ordinary Django permissions, so a user's effective rights are the
union of their own and their groups'. The model holds no rows: it only
anchors the permissions to a content type.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models

MODULE_PERMISSIONS = [
    ("bksb_module", "BKSB API Integration"),
]

COMMAND_PERMISSIONS = [
    ("get_bksb_results", "Get BKSB Results"),
    ("get_all_bksb_results", "Get Results for all learners"),
    ("create_bksb_user", "Create BKSB User"),
    ("edit_bksb_link", "Edit BKSB Link"),
    ("reset_bksb_download", "Reset BKSB Download"),
    ("manage_bksb_settings", "Manage BKSB Settings"),
    ("record_em_decisions", "Record decisions and judgements"),
]

GENERAL_PERMISSIONS = [
    ("view_learners", "View learners"),
    ("import_learners", "Import learners"),
    ("view_prior_attainment", "View prior attainment"),
    ("edit_permissions", "Edit permissions"),
    ("view_audit", "View audit trail"),
    ("export_subject_access", "Export a learner's data (subject access)"),
    ("manage_retention", "Manage retention, erasure and audit holds"),
]

# A restriction, not a right: holding it narrows what the others reach (learners.caseload).
RESTRICTION_PERMISSIONS = [
    ("own_caseload_only", "Own caseload only"),
]


class Right(models.Model):  # noqa: DJ008 - never instantiated
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [*MODULE_PERMISSIONS, *COMMAND_PERMISSIONS, *GENERAL_PERMISSIONS, *RESTRICTION_PERMISSIONS]


class PermissionChange(models.Model):
    """Who changed whose rights on Edit Permissions, and how (the audit trail reads it)."""

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as text too, so the trail still reads after the user or group is deleted.
    target_label = models.CharField(max_length=200)
    added = models.JSONField(default=list)
    removed = models.JSONField(default=list)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.target_label}: +{len(self.added)} -{len(self.removed)}"
