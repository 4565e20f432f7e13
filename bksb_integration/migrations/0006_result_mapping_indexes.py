"""Indexes that let results_remap find the rows of one result text or subject code.

bksb's strings are untrusted and may be very long; a PostgreSQL btree entry has a
size limit (about 2.7 kB) that a long Result would break on insert, so PostgreSQL
gets hash indexes (equality only, any length). SQLite has no such limit.
"""

from django.db import migrations

TABLES = ("bksb_initial_assessment_result", "bksb_diagnostic_assessment_result")
COLUMNS = ("result", "course_subject")


def create(apps, schema_editor):
    method = "USING hash " if schema_editor.connection.vendor == "postgresql" else ""
    for table in TABLES:
        for column in COLUMNS:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {table}_{column}_eq ON {table} {method}({column})")


def drop(apps, schema_editor):
    for table in TABLES:
        for column in COLUMNS:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}_eq")


class Migration(migrations.Migration):
    dependencies = [("bksb_integration", "0005_schedules")]

    operations = [migrations.RunPython(create, drop)]
