"""The watch list's pass, every 10 minutes, as an editable django-celery-beat schedule."""

from django.db import migrations

WATCH = "bksb: poll the watch list"


def create(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    every_ten, _ = Interval.objects.get_or_create(every=10, period="minutes")
    Task.objects.get_or_create(name=WATCH, defaults={"task": "bksb_integration.tasks.watch_pass", "interval": every_ten})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=WATCH).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("bksb_integration", "0014_assessment_sessions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
