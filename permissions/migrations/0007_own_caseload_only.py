"""Own caseload only: a restriction on Edit Permissions (learners.caseload), held by no one at first."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("permissions", "0006_privacy_rights"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="right",
            options={
                "default_permissions": (),
                "managed": False,
                "permissions": [
                    ('bksb_module', 'BKSB API Integration'),
                    ('get_bksb_results', 'Get BKSB Results'),
                    ('get_all_bksb_results', 'Get Results for all learners'),
                    ('create_bksb_user', 'Create BKSB User'),
                    ('edit_bksb_link', 'Edit BKSB Link'),
                    ('reset_bksb_download', 'Reset BKSB Download'),
                    ('manage_bksb_settings', 'Manage BKSB Settings'),
                    ('record_em_decisions', 'Record decisions and judgements'),
                    ('view_learners', 'View learners'),
                    ('import_learners', 'Import learners'),
                    ('view_prior_attainment', 'View prior attainment'),
                    ('edit_permissions', 'Edit permissions'),
                    ('view_audit', 'View audit trail'),
                    ('export_subject_access', "Export a learner's data (subject access)"),
                    ('manage_retention', 'Manage retention, erasure and audit holds'),
                    ('own_caseload_only', 'Own caseload only'),
                ],
            },
        ),
    ]
