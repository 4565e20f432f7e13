"""Matching records to existing bksb users: the day's username answers, a run's suggestions, Settings > Matching."""

import bksb_integration.models.config
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bksb_integration', '0016_levels'),
        ('jobs', '0001_initial'),
        ('learners', '0002_search_text'),
    ]

    operations = [
        migrations.AddField(
            model_name='bksbsettings',
            name='match_builtins',
            field=models.JSONField(default=bksb_integration.models.config.default_match_builtins),
        ),
        migrations.AddField(
            model_name='bksbsettings',
            name='match_link_automatically',
            field=models.BooleanField(default=False, verbose_name='Link strong unique matches automatically'),
        ),
        migrations.AddField(
            model_name='bksbsettings',
            name='match_patterns',
            field=models.TextField(blank=True, verbose_name='Your patterns'),
        ),
        migrations.AddField(
            model_name='historicalbksbsettings',
            name='match_builtins',
            field=models.JSONField(default=bksb_integration.models.config.default_match_builtins),
        ),
        migrations.AddField(
            model_name='historicalbksbsettings',
            name='match_link_automatically',
            field=models.BooleanField(default=False, verbose_name='Link strong unique matches automatically'),
        ),
        migrations.AddField(
            model_name='historicalbksbsettings',
            name='match_patterns',
            field=models.TextField(blank=True, verbose_name='Your patterns'),
        ),
        migrations.CreateModel(
            name='UsernameProbe',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('username', models.CharField(max_length=254, unique=True)),
                ('bksb_user_id', models.BigIntegerField(blank=True, null=True, verbose_name='bksb user id')),
                ('probed_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'bksb_username_probe',
                'indexes': [models.Index(fields=['probed_at'], name='bksb_probe_probed_at')],
            },
        ),
        migrations.CreateModel(
            name='MatchSuggestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('username', models.CharField(max_length=254)),
                ('bksb_user_id', models.BigIntegerField(verbose_name='bksb user id')),
                ('reason', models.CharField(max_length=200)),
                ('strength', models.CharField(choices=[('strong', 'Strong'), ('possible', 'Possible')], max_length=10)),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('preselected', models.BooleanField(default=False)),
                ('held_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='learners.learner')),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bksb_suggestions', to='jobs.job')),
                ('learner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bksb_suggestions', to='learners.learner')),
            ],
            options={
                'db_table': 'bksb_match_suggestion',
                'indexes': [models.Index(fields=['job', 'learner'], name='bksb_suggestion_job_learner')],
                'constraints': [models.UniqueConstraint(fields=('job', 'learner', 'username'), name='bksb_suggestion_unique')],
            },
        ),
    ]
