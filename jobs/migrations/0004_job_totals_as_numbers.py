"""Job totals as numbers: the JSON dict Job.result becomes JobTotal rows (job, name, value); data kept."""

import django.db.models.deletion
from django.db import migrations, models


def totals_from_result(apps, schema_editor):
    """Each job's JSON totals become JobTotal rows (the numbers; anything else was never a total)."""
    Job = apps.get_model("jobs", "Job")
    JobTotal = apps.get_model("jobs", "JobTotal")
    rows = []
    for job_id, result in Job.objects.exclude(result={}).values_list("pk", "result").iterator():
        for name, value in (result or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                rows.append(JobTotal(job_id=job_id, name=str(name)[:40], value=int(value)))
    JobTotal.objects.bulk_create(rows, batch_size=1000)


def result_from_totals(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    JobTotal = apps.get_model("jobs", "JobTotal")
    totals: dict[int, dict[str, int]] = {}
    for job_id, name, value in JobTotal.objects.values_list("job_id", "name", "value").iterator():
        totals.setdefault(job_id, {})[name] = value
    for job_id, result in totals.items():
        Job.objects.filter(pk=job_id).update(result=result)


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0003_work_sweep_schedule'),
    ]

    operations = [
        migrations.CreateModel(
            name='JobTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=40)),
                ('value', models.BigIntegerField(default=0)),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='total_rows', to='jobs.job')),
            ],
            options={
                'db_table': 'jobs_job_total',
                'constraints': [models.UniqueConstraint(fields=('job', 'name'), name='jobs_total_unique')],
            },
        ),
        migrations.RunPython(totals_from_result, result_from_totals),
        migrations.RemoveField(
            model_name='job',
            name='result',
        ),
    ]
