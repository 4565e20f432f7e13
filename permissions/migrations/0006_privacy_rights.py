"""Two rights for data protection: Export a learner's data (subject access), and Manage retention, erasure
and audit holds.

Both are granted to administrators only: every group, and every user directly, holding Edit permissions
(the starting Administrators' mark; Managers and Tutors do not hold it). Each grant is written to the audit
trail, by no one.
"""

from django.conf import settings
from django.db import migrations

NEW = [
    ("export_subject_access", "Export a learner's data (subject access)"),
    ("manage_retention", "Manage retention, erasure and audit holds"),
]
MARK = "edit_permissions"


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    PermissionChange = apps.get_model("permissions", "PermissionChange")
    right, _ = ContentType.objects.get_or_create(app_label="permissions", model="right")
    # The permission rows are usually made after migrating (post_migrate): make them now, to grant them.
    permissions = [
        Permission.objects.get_or_create(content_type=right, codename=codename, defaults={"name": name})[0]
        for codename, name in NEW
    ]
    codenames = [codename for codename, _ in NEW]
    groups = Group.objects.filter(permissions__content_type=right, permissions__codename=MARK).distinct()
    for group in groups:
        group.permissions.add(*permissions)
        PermissionChange.objects.create(target_group=group, target_label=f"Group {group.name}", added=codenames)
    users = User.objects.filter(user_permissions__content_type=right, user_permissions__codename=MARK).distinct()
    for user in users:
        user.user_permissions.add(*permissions)
        label = f"User {getattr(user, 'username', user.pk)}"
        PermissionChange.objects.create(target_user=user, target_label=label, added=codenames)


class Migration(migrations.Migration):
    dependencies = [
        ("permissions", "0005_decisions_right"),
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
                    ("record_em_decisions", "Record decisions and judgements"),
                    ("view_learners", "View learners"),
                    ("import_learners", "Import learners"),
                    ("view_prior_attainment", "View prior attainment"),
                    ("edit_permissions", "Edit permissions"),
                    ("view_audit", "View audit trail"),
                    ("export_subject_access", "Export a learner's data (subject access)"),
                    ("manage_retention", "Manage retention, erasure and audit holds"),
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
