"""The BKSB Tables reference: every reporting table and column, for people who report with SQL.

Everything comes from the models: columns, types and allowed values from _meta,
and the plain-words descriptions from each table's db_table_comment and each
column's db_comment, which the database carries too (PostgreSQL's COMMENT ON: psql
shows them). So the page, docs/bksb-tables.md and the database never
drift apart. Regenerate the Markdown with:

    python -m bksb_integration.results.tables_doc > docs/bksb-tables.md
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

# Models, in the order the reference lists their tables (looked up once Django is ready).
TABLES = [
    "InitialAssessmentResult",
    "DiagnosticAssessmentResult",
    # Assessment sessions, per-skill results and the watch list.
    "AssessmentSession",
    "SkillResult",
    "WatchEntry",
    "BksbLink",
    "Run",
    "RunLearner",
    "LevelMapping",
    "SubjectMapping",
    # Levels at a glance.
    "LearnerLevel",
    "TagRule",
    "LearnerTag",
    "EvidencePack",
    # Where each record is in its initial assessments.
    "AssessmentProgress",
]

# Django's own primary key has no field to carry a comment.
ROW_ID = "Our row id."
# Portable names for Django's field types (PostgreSQL's spelling).
SQL_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "BigIntegerField": "bigint",
    "BooleanField": "boolean",
    "CharField": "varchar({max_length})",
    "DateField": "date",
    "DateTimeField": "timestamp with time zone",
    "FloatField": "double precision",
    "ForeignKey": "bigint",
    "IntegerField": "integer",
    "JSONField": "jsonb",
    "OneToOneField": "bigint",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "smallint",
    "TextField": "text",
}


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    sql_type: str
    nullable: bool
    description: str
    values: str
    references: str


@dataclass(frozen=True)
class TableDoc:
    name: str
    description: str
    columns: list[ColumnDoc]


def tables_documentation() -> list[TableDoc]:
    """Every reporting table with its columns, straight from the models."""
    return [_table(apps.get_model("bksb_integration", name)) for name in TABLES]


def _table(model: type[models.Model]) -> TableDoc:
    columns = [_column(field) for field in model._meta.concrete_fields]
    return TableDoc(model._meta.db_table, model._meta.db_table_comment, columns)


def _column(field: models.Field[Any, Any]) -> ColumnDoc:
    kind = field.get_internal_type()
    sql_type = SQL_TYPES.get(kind, kind).format(max_length=getattr(field, "max_length", ""))
    references = ""
    if field.is_relation and isinstance(field.related_model, type):  # not None, nor an unresolved "self"
        target = field.related_model._meta
        references = f"{target.db_table}.{target.pk.column}"
    values = ", ".join(f"{value} ({label})" for value, label in field.choices) if field.choices else ""
    return ColumnDoc(
        name=field.column,
        sql_type=sql_type + (" primary key" if field.primary_key else ""),
        nullable=field.null,
        description=ROW_ID if field.auto_created else (field.db_comment or ""),
        values=values,
        references=references,
    )


def undescribed_columns() -> list[str]:
    """table.column of every column with no description (a test keeps this empty)."""
    return [
        f"{table.name}.{column.name}"
        for table in tables_documentation()
        for column in table.columns
        if not column.description
    ] + [table.name for table in tables_documentation() if not table.description]


def tables_markdown() -> str:
    """docs/bksb-tables.md: the same reference as the BKSB Tables page."""
    lines = [
        "# BKSB Tables",
        "",
        "The tables the bksb integration stores, for reporting with SQL. Every name starts with `bksb_`.",
        "Times are stored in UTC. Text that came from bksb is untrusted: escape it wherever you show it.",
        "This page is generated from the models",
        "(`python -m bksb_integration.results.tables_doc > docs/bksb-tables.md`);",
        "the same reference is on Integrations > bksb > BKSB Tables (`/integrations/bksb/tables/`).",
        "",
        "Export every stored result as CSV, with the learner reference, with",
        "`python manage.py bksb_export_results [--learner REF] > results.csv`; assessment sessions and their",
        "per-skill rows with `python manage.py bksb_export_results --skills [--learner REF] > skills.csv`;",
        "the levels summary per record, with tags and funding flags, with",
        "`python manage.py bksb_export_levels [--csv | --json]`.",
        "",
    ]
    for table in tables_documentation():
        lines += [f"## `{table.name}`", "", table.description, ""]
        lines += ["| column | type | null | description |", "|---|---|---|---|"]
        for column in table.columns:
            lines.append(f"| `{column.name}` | {column.sql_type} | {_yes(column.nullable)} | {_describe(column)} |")
        lines.append("")
    return "\n".join(lines)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _describe(column: ColumnDoc) -> str:
    text = column.description
    if column.references:
        text += f" References `{column.references}`."
    if column.values:
        text += f" Values: {column.values}."
    return text.replace("|", "\\|")


if __name__ == "__main__":
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
    django.setup()
    sys.stdout.write(tables_markdown())
