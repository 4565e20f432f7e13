"""The nightly Get Results run, plus housekeeping, as editable django-celery-beat schedules."""

from django.db import migrations

NIGHTLY = "bksb: get results for all linked learners"
SWEEP = "bksb: resume stalled downloads"
PRUNE = "bksb: prune old run history"


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    at_two, _ = Crontab.objects.get_or_create(
        minute="0", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London"
    )
    at_three, _ = Crontab.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London"
    )
    every_five, _ = Interval.objects.get_or_create(every=5, period="minutes")
    Task.objects.get_or_create(
        name=NIGHTLY, defaults={"task": "bksb_integration.tasks.bulk_run_scheduled", "crontab": at_two}
    )
    Task.objects.get_or_create(name=SWEEP, defaults={"task": "bksb_integration.tasks.runs_sweep", "interval": every_five})
    Task.objects.get_or_create(name=PRUNE, defaults={"task": "bksb_integration.tasks.runs_prune", "crontab": at_three})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[NIGHTLY, SWEEP, PRUNE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bksb_integration", "0004_run_planned_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
