"""ESOL as a subject, and bksb's ESOL_NEW code mapped to it (it was shown raw).

Results already stored under ESOL_NEW with no subject are given it too, as
saving the mapping row on the Subjects page would. A row an admin already
added for the code is left as it is.
"""

from django.db import migrations, models

CODE = "ESOL_NEW"


def forwards(apps, schema_editor):
    SubjectMapping = apps.get_model("bksb_integration", "SubjectMapping")
    row = SubjectMapping.objects.filter(course_subject__iexact=CODE).first()
    if row is None:
        row = SubjectMapping.objects.create(course_subject=CODE, subject="esol")
    for name in ("InitialAssessmentResult", "DiagnosticAssessmentResult"):
        results = apps.get_model("bksb_integration", name).objects
        results.filter(course_subject__iexact=CODE, subject__isnull=True).update(subject=row.subject)


class Migration(migrations.Migration):

    dependencies = [
        ('bksb_integration', '0010_link_invite_claim'),
    ]

    operations = [
        migrations.AlterField(
            model_name='diagnosticassessmentresult',
            name='subject',
            field=models.CharField(blank=True, choices=[('english', 'English'), ('maths', 'Maths'), ('ict', 'ICT/Digital'), ('esol', 'ESOL'), ('other', 'Other')], max_length=10, null=True),
        ),
        migrations.AlterField(
            model_name='historicalsubjectmapping',
            name='subject',
            field=models.CharField(choices=[('english', 'English'), ('maths', 'Maths'), ('ict', 'ICT/Digital'), ('esol', 'ESOL'), ('other', 'Other')], max_length=10),
        ),
        migrations.AlterField(
            model_name='initialassessmentresult',
            name='subject',
            field=models.CharField(blank=True, choices=[('english', 'English'), ('maths', 'Maths'), ('ict', 'ICT/Digital'), ('esol', 'ESOL'), ('other', 'Other')], max_length=10, null=True),
        ),
        migrations.AlterField(
            model_name='subjectmapping',
            name='subject',
            field=models.CharField(choices=[('english', 'English'), ('maths', 'Maths'), ('ict', 'ICT/Digital'), ('esol', 'ESOL'), ('other', 'Other')], max_length=10),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
