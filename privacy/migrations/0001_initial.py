"""Retention periods, audit holds, anonymised records and the data protection events; and the nightly
retention run as an editable django-celery-beat schedule (it does nothing until an admin sets a period)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


NIGHTLY = "privacy: anonymise records past their retention period"
TASK = "privacy.tasks.retention_nightly"


def schedule_create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    at_four, _ = Crontab.objects.get_or_create(
        minute="15", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London"
    )
    Task.objects.get_or_create(name=NIGHTLY, defaults={"task": TASK, "crontab": at_four})


def schedule_remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NIGHTLY).delete()


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('learners', '0005_english_maths_aims_shipped'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditHold',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(max_length=500)),
                ('set_at', models.DateTimeField(auto_now_add=True)),
                ('learner', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='audit_hold', to='learners.learner')),
                ('set_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'privacy_audit_hold',
            },
        ),
        migrations.CreateModel(
            name='PrivacyEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('retention_run', 'Retention run'), ('erasure', 'Erased on request'), ('subject_access', 'Subject access export made'), ('hold_set', 'Audit hold set'), ('hold_cleared', 'Audit hold cleared'), ('periods_changed', 'Retention periods changed')], max_length=20)),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('record_id', models.PositiveIntegerField(blank=True, db_index=True, null=True)),
                ('record_label', models.CharField(blank=True, max_length=100)),
                ('reason', models.CharField(blank=True, max_length=500)),
                ('counts', models.JSONField(blank=True, default=dict)),
                ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'privacy_event',
                'ordering': ['-at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='AnonymisedRecord',
            fields=[
                ('learner', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='anonymised', serialize=False, to='learners.learner')),
                ('at', models.DateTimeField()),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='privacy.privacyevent')),
            ],
            options={
                'db_table': 'privacy_anonymised_record',
            },
        ),
        migrations.CreateModel(
            name='RetentionPeriod',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('learners', 'Learners'), ('applicants', 'Applicants never enrolled'), ('bksb_results', 'bksb results')], max_length=20, unique=True)),
                ('months', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('changed_at', models.DateTimeField(auto_now=True)),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'privacy_retention_period',
            },
        ),
        migrations.RunPython(schedule_create, schedule_remove),
    ]
