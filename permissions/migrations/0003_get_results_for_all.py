"""A right of its own for Get Results for all learners, split from Get BKSB Results.

Get BKSB Results used to allow both one learner's download and Get Results
for everyone. So that an existing installation keeps its behaviour, the new
right is granted wherever Get BKSB Results was held together with Edit BKSB
Link (the Managers' and Administrators' mark; Tutors hold Get BKSB Results
alone): to such a group, and to a user holding both directly. Each grant is
written to the audit trail, by no one.
"""

from django.conf import settings
from django.db import migrations

NEW = ("get_all_bksb_results", "Get Results for all learners")
HELD_TOGETHER = ("get_bksb_results", "edit_bksb_link")


def _holders(model, relation, right):
    """The groups (or users) holding every right of HELD_TOGETHER themselves."""
    found = model.objects.all()
    for codename in HELD_TOGETHER:
        held = model.objects.filter(**{f"{relation}__content_type": right, f"{relation}__codename": codename})
        found = found.filter(pk__in=held.values("pk"))
    return found


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    PermissionChange = apps.get_model("permissions", "PermissionChange")
    right, _ = ContentType.objects.get_or_create(app_label="permissions", model="right")
    # The permission row is usually made after migrating (post_migrate): make it now, to grant it.
    codename, name = NEW
    permission, _ = Permission.objects.get_or_create(content_type=right, codename=codename, defaults={"name": name})
    for group in _holders(Group, "permissions", right).exclude(permissions=permission):
        group.permissions.add(permission)
        PermissionChange.objects.create(target_group=group, target_label=f"Group {group.name}", added=[codename])
    for user in _holders(User, "user_permissions", right).exclude(user_permissions=permission):
        user.user_permissions.add(permission)
        label = f"User {getattr(user, 'username', user.pk)}"
        PermissionChange.objects.create(target_user=user, target_label=label, added=[codename])


class Migration(migrations.Migration):
    dependencies = [
        ("permissions", "0002_permission_change"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="right",
            options={
                "default_permissions": (),
                "managed": False,
                "permissions": [
                    ("bksb_module", "BKSB API Integration"),
                    ("get_bksb_results", "Get BKSB Results"),
                    ("get_all_bksb_results", "Get Results for all learners"),
                    ("create_bksb_user", "Create BKSB User"),
                    ("edit_bksb_link", "Edit BKSB Link"),
                    ("reset_bksb_download", "Reset BKSB Download"),
                    ("manage_bksb_settings", "Manage BKSB Settings"),
                    ("view_learners", "View learners"),
                    ("import_learners", "Import learners"),
                    ("edit_permissions", "Edit permissions"),
                    ("view_audit", "View audit trail"),
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
