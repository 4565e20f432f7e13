"""A right to record English and maths decisions and professional judgements (issue 21).

Tutors record them, as do managers and admins: the right is granted to every
group, and every user directly, holding Get BKSB Results (the starting Tutors',
Managers' and Administrators' mark). Each grant is written to the audit trail,
by no one. Reading them follows the learner record's own view right.
"""

from django.conf import settings
from django.db import migrations

NEW = ("record_em_decisions", "Record decisions and judgements")
MARK = "get_bksb_results"


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    PermissionChange = apps.get_model("permissions", "PermissionChange")
    right, _ = ContentType.objects.get_or_create(app_label="permissions", model="right")
    codename, name = NEW
    permission, _ = Permission.objects.get_or_create(content_type=right, codename=codename, defaults={"name": name})
    groups = Group.objects.filter(permissions__content_type=right, permissions__codename=MARK)
    for group in groups.exclude(permissions=permission).distinct():
        group.permissions.add(permission)
        PermissionChange.objects.create(target_group=group, target_label=f"Group {group.name}", added=[codename])
    users = User.objects.filter(user_permissions__content_type=right, user_permissions__codename=MARK)
    for user in users.exclude(user_permissions=permission).distinct():
        user.user_permissions.add(permission)
        label = f"User {getattr(user, 'username', user.pk)}"
        PermissionChange.objects.create(target_user=user, target_label=label, added=[codename])


class Migration(migrations.Migration):
    dependencies = [
        ("permissions", "0004_view_prior_attainment"),
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
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
