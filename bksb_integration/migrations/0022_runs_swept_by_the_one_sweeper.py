"""The downloads' own sweep schedule goes: the one sweeper (jobs 0003, every minute) sweeps the runs too."""

from django.db import migrations

SWEEP = "bksb: resume stalled downloads"
TASK = "bksb_integration.tasks.runs_sweep"


def remove_own_sweep(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP, task=TASK).delete()


def restore_own_sweep(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    every_five, _ = Interval.objects.get_or_create(every=5, period="minutes")
    apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
        name=SWEEP, defaults={"task": TASK, "interval": every_five}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bksb_integration", "0021_step_words_has_a_bksb_user"),
        ("jobs", "0003_work_sweep_schedule"),
    ]

    operations = [migrations.RunPython(remove_own_sweep, restore_own_sweep)]
