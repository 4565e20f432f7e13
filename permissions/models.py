"""The named rights staff are granted on Tools > Edit Permissions.

They are ordinary Django permissions, so a user's effective rights are the
union of their own and their groups'. The model holds no rows: it only
anchors the permissions to a content type.
"""

from django.db import models

MODULE_PERMISSIONS = [
    ("bksb_module", "BKSB API Integration"),
]

COMMAND_PERMISSIONS = [
    ("get_bksb_results", "Get BKSB Results"),
    ("create_bksb_user", "Create BKSB User"),
    ("edit_bksb_link", "Edit BKSB Link"),
    ("reset_bksb_download", "Reset BKSB Download"),
    ("manage_bksb_settings", "Manage BKSB Settings"),
]

GENERAL_PERMISSIONS = [
    ("view_learners", "View learners"),
    ("import_learners", "Import learners"),
    ("edit_permissions", "Edit permissions"),
    ("view_audit", "View audit trail"),
]


class Right(models.Model):  # noqa: DJ008 - never instantiated
    class Meta:
        managed = False
        default_permissions = ()
        permissions = MODULE_PERMISSIONS + COMMAND_PERMISSIONS + GENERAL_PERMISSIONS
