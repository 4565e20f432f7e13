"""Rushed assessments (issue 21): the minutes under which a finished V5 session is marked "completed unusually fast"."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bksb_integration', '0023_decisions_judgements'),
    ]

    operations = [
        migrations.AddField(
            model_name='bksbsettings',
            name='rushed_diagnostic_minutes',
            field=models.PositiveIntegerField(default=15, verbose_name='Diagnostic finished in under (minutes)'),
        ),
        migrations.AddField(
            model_name='bksbsettings',
            name='rushed_initial_minutes',
            field=models.PositiveIntegerField(default=10, verbose_name='Initial assessment finished in under (minutes)'),
        ),
        migrations.AddField(
            model_name='historicalbksbsettings',
            name='rushed_diagnostic_minutes',
            field=models.PositiveIntegerField(default=15, verbose_name='Diagnostic finished in under (minutes)'),
        ),
        migrations.AddField(
            model_name='historicalbksbsettings',
            name='rushed_initial_minutes',
            field=models.PositiveIntegerField(default=10, verbose_name='Initial assessment finished in under (minutes)'),
        ),
    ]
