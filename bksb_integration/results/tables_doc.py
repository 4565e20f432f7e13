"""The BKSB Tables reference: every reporting table and column, for people who report with SQL.

Columns, types and allowed values come from the models' _meta, so the page and
docs/bksb-tables.md never drift from the schema; only the plain-words
descriptions are written here. Regenerate the Markdown with:

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
    # Where each record is in its initial assessments (issue 19).
    "AssessmentProgress",
]

_RESULT_COLUMNS = {
    "id": "Our row id.",
    "learner_id": "The learner or applicant (learners_learner.id); join it for the learner reference.",
    "bksb_user_id": "The bksb user the result came from. Results keep it when the BKSB Username later changes.",
    "session_id": "bksb's SessionId of the assessment sitting.",
    "assessment_id": "bksb's AssessmentID. One subject can sit under an old and a new id (40000/50000 maths).",
    "course_subject": "bksb's CourseSubject code as sent (e.g. MATHS_NEW, ENG_NEW, OZ_DIGI).",
    "course_name": "bksb's CourseName as sent.",
    "assessment_name": "bksb's AssessmentName as sent.",
    "result": "bksb's Result text as sent (e.g. “Maths Entry 3”). Untrusted text: escape it when you show it.",
    "result_date": "When the result was taken, in UTC (bksb sends UK local time; it is converted on download).",
    "subject": "The subject the CourseSubject code maps to (bksb_subject_mapping); empty when no row maps it.",
    "level": "The level the Result text maps to (bksb_level_mapping); empty when no row maps it (“unmapped”).",
    "level_rank": "The level's place on the scale, lowest 1 (Pre-Entry) to 7 (Level 3): use it to find the highest.",
    "raw": "The whole result as bksb sent it (JSON), including any fields not copied into columns.",
    "first_seen_at": "When a download first stored the result.",
    "last_changed_at": "When a download last found the result changed in bksb (or first stored it).",
}


def _reading(prefix: str, what: str) -> dict[str, str]:
    """The columns of one reading of the summary: its level, rank, date and the result it rests on."""
    return {
        f"{prefix}_level": f"The level of {what}; empty when there is none.",
        f"{prefix}_rank": f"Its rank, 1 (Pre-Entry) to 7 (Level 3): filter and sort on it (e.g. {prefix}_rank < 5 is "
        "below Level 1).",
        f"{prefix}_date": "When that result was taken (UTC).",
        f"{prefix}_session_id": "That result's SessionId.",
        f"{prefix}_assessment_id": "That result's AssessmentID.",
    }


# Levels at a glance: the summary, tags and evidence packs.
_LEVEL_TABLES: dict[str, dict[str, str]] = {
    "bksb_learner_level": {
        "": "One row per record and subject it has results in: its levels at a glance, computed from the result "
        "tables (only the results of the record's current bksb user, bksb_link.bksb_user_id) in the same "
        "transaction that stores a download's results, and recomputed when the record is linked to another bksb "
        "user or a level or subject mapping changes (bksb_rebuild_levels recomputes all). Unique on "
        "(learner_id, subject).",
        "id": "Our row id.",
        "learner_id": "The learner or applicant (learners_learner.id).",
        "subject": "english, maths, ict, esol, or unmapped: results whose CourseSubject no subject mapping row maps.",
        "bksb_user_id": "The bksb user whose results were counted (the record's link when computed).",
        "result_count": "Results counted in the subject (both lists).",
        "initial_count": "Initial assessment results among them (mapped to a level or not).",
        "diagnostic_count": "Diagnostic results among them.",
        "has_unmapped": "Whether any of them has no level (its Result text is not mapped), or no subject.",
        **_reading("latest", "the latest mapped result of either list"),
        "latest_list": "Which list that result is in: initial or diagnostic.",
        "latest_assessment_name": "Its AssessmentName.",
        **_reading("highest", "the highest mapped result of either list (of equal levels, the latest)"),
        "highest_list": "Which list that result is in: initial or diagnostic.",
        "initial_first_date": "When the first initial assessment in the subject was taken, mapped or not (UTC).",
        **_reading("initial_latest", "the latest mapped initial assessment (tags and funding flags read it)"),
        **_reading("initial_highest", "the highest mapped initial assessment"),
        **_reading("diagnostic", "the latest mapped diagnostic"),
        "diagnostic_score": "That diagnostic's PercentScore.",
        "computed_at": "When the row's values last changed (a recomputation that changes nothing leaves it).",
    },
    "bksb_tag_rule": {
        "": "Admin-defined tag rules (Integrations > bksb > Tags and funding): a record carries the tag when its "
        "latest (or highest) initial assessment level in the subject is one of the levels.",
        "id": "Our row id.",
        "name": "The tag, e.g. “Maths support: Entry”.",
        "subject": "The subject whose initial assessment is read.",
        "basis": "latest or highest: which initial assessment is read.",
        "levels": "The levels (JSON list of level values) that give the tag.",
        "active": "Inactive rules tag no one.",
        "created_at": "When the rule was added.",
        "updated_at": "When the rule was last changed.",
    },
    "bksb_learner_tag": {
        "": "The tags records carry, one row per record and rule, recomputed with bksb_learner_level. Every tag "
        "given, moved or taken off is in the audit trail (with the reason).",
        "id": "Our row id.",
        "learner_id": "The learner or applicant (learners_learner.id).",
        "rule_id": "The tag rule (bksb_tag_rule.id).",
        "tag": "The rule's name when the tag was given.",
        "subject": "The rule's subject.",
        "level": "The level the tag rests on.",
        "session_id": "The SessionId of the initial assessment it rests on.",
        "assessment_id": "Its AssessmentID.",
        "result_date": "When that initial assessment was taken (UTC).",
        "assigned_at": "When the tag was given, or last moved to another result.",
    },
    "bksb_evidence_pack": {
        "": "Each evidence pack made (a PDF of a record's stored results for audit), from the BKSB tab or in a zip.",
        "id": "Our row id.",
        "learner_id": "The learner or applicant (learners_learner.id).",
        "made_by_id": "The staff user who made it (auth_user.id); empty for the command line.",
        "made_at": "When it was made.",
        "fingerprint": "The SHA-256 of the record's stored raw items the pack showed (its Integrity section says "
        "how to recompute it).",
        "result_count": "How many stored results it showed.",
        "in_bulk": "Whether it was made with others, as a zip from the learner list.",
    },
}


DESCRIPTIONS: dict[str, dict[str, str]] = {
    "bksb_initial_assessment_result": {
        "": "One row per initial assessment result downloaded from bksb. A result is identified by "
        "(bksb_user_id, session_id, assessment_id).",
        **_RESULT_COLUMNS,
    },
    "bksb_diagnostic_assessment_result": {
        "": "One row per diagnostic assessment result downloaded from bksb, identified as initial results are.",
        **_RESULT_COLUMNS,
        "percent_score": "bksb's PercentScore, 0 to 100; empty when bksb sent none.",
    },
    # Assessment sessions, per-skill results and the watch list.
    "bksb_assessment_session": {
        "": "One row per V5 (reformed) English or maths assessment session of a bksb user, finished or not. "
        "A session is identified by (bksb_user_id, session_id); an unfinished one is stored with no completed_at "
        "and becomes finished in place. Sessions are read only when new results show one not seen before, "
        "for watched records, or when staff ask.",
        "id": "Our row id.",
        "learner_id": "The learner or applicant (learners_learner.id).",
        "bksb_user_id": "The bksb user the session belongs to.",
        "course_subject": "bksb's course subject code the session was listed under.",
        "subject": "The subject the code maps to (bksb_subject_mapping); empty when no row maps it.",
        "session_id": "bksb's SessionId; the same number as the session_id of the result it led to.",
        "assessment_type": "bksb's AssessmentType: 1 initial assessment, 2 diagnostic.",
        "started_at": "When the session was started, in UTC (bksb sends UK local time).",
        "completed_at": "When the session was finished, in UTC; empty while it is unfinished.",
        "first_seen_at": "When a download first stored the session.",
        "last_seen_at": "When a download last saw the session in bksb's list.",
        "skills_read_at": "When its per-skill rows were read (once per finished session, never again); empty "
        "until then.",
        "raw": "The session as bksb sent it (JSON).",
    },
    "bksb_skill_result": {
        "": "One row per component (skill) measured in a finished session: bksb's end-of-assessment (EOA) "
        "breakdown. Identified by (session_id, component_name).",
        "id": "Our row id.",
        "session_id": "The session (bksb_assessment_session.id, our row id, not bksb's SessionId).",
        "component_name": "bksb's CourseComponentName as sent (e.g. “Reading”, “Ratio & Proportion”). "
        "Untrusted text: escape it when you show it.",
        "ability_measurement": "bksb's AbilityMeasurement as sent (e.g. “Entry 3”).",
        "measuring_assessment_name": "bksb's MeasuringAssessmentName as sent.",
        "measured_at": "bksb's MeasuredAt, in UTC (sent as UK local time); empty when bksb sent none.",
        "level": "The level the ability measurement maps to (bksb_level_mapping); empty when no row maps it.",
        "level_rank": "The level's place on the scale, lowest 1 (Pre-Entry) to 7 (Level 3).",
        "raw": "The row as bksb sent it (JSON).",
        "first_seen_at": "When a download first stored the row.",
    },
    "bksb_watch_entry": {
        "": "The watch list: records polled every few minutes (within the watch hours) until their English and "
        "maths initial assessments are in. At most one row per learner; an ended watch keeps its row.",
        "id": "Our row id.",
        "learner_id": "The learner or applicant (learners_learner.id).",
        "reason": "Why it was put on the list.",
        "since": "When the watch began (the bksb user's creation, the first invite, or adding by hand). "
        "Initial results dated up to the watch window's days before it count as in.",
        "added_by_id": "Who added it by hand (auth_user.id); empty otherwise.",
        "last_polled_at": "When a watch pass last polled it (the Induction board shows it).",
        "ended_at": "When it left the list; empty while watched.",
        "end_reason": "Why it left: results in, stopped by hand, or the watch window passed.",
    },
    "bksb_link": {
        "": "A learner's link to their bksb user, and the state of their downloads (at most one row per learner).",
        "id": "Our row id.",
        "learner_id": "The learner or applicant (learners_learner.id).",
        "bksb_user_id": "The bksb user id the BKSB Username in effect resolved to; empty until resolved.",
        "resolved_username": "The username that was resolved to bksb_user_id.",
        "resolved_at": "When the username was last resolved in bksb.",
        "last_download_at": "When results were last downloaded, for records with no web user account "
        "(otherwise the web user's BKSB updated time is used). Empty means the next download reads every page.",
        "last_outcome": "How the last download ended: succeeded, failed or unmatched (its bksb user id stopped "
        "resolving and its username names no other bksb user).",
        "last_outcome_at": "When the last download ended.",
        "last_message": "The last download's outcome in plain words, as the BKSB tab shows it.",
        "download_lease_until": "While a download of this learner runs: until when it holds the learner. "
        "An expired lease (a stopped worker) is free to take.",
        "download_lease_owner": "The claim token (bksb_run_learner.claim_token) of the download holding the lease.",
        "invite_claimed_at": "When an invite email was last taken for sending. Another invite to the record within "
        "two minutes sends nothing (a double click, a resubmitted form).",
        "unmatched": "Why the record is on the unmatched report, set by a download: username_not_found (bksb has "
        "no user of the username in effect) or user_id_lost (bksb_user_id stopped resolving, as after bksb merges "
        "users, and the username names no other user). Empty when the last download worked.",
        "unmatched_username": "The username in effect that bksb did not know (unmatched = username_not_found); "
        "the record leaves the report once its username changes.",
        "unmatched_at": "When a download put the record on the unmatched report.",
    },
    "bksb_run": {
        "": "A download of bksb results: of one learner (BKSB Results button, command line) or of every "
        "eligible linked learner (bulk).",
        "id": "Our row id.",
        "kind": "single, bulk, or watch (a pass over the watch list).",
        "trigger": "What started it: manual, scheduled or command.",
        "started_by_id": "The member of staff who started it (auth_user.id); empty for scheduled runs.",
        "status": "queued, running, succeeded, partial (some learners failed) or failed.",
        "created_at": "When the run was asked for.",
        "started_at": "When the first learner's download began.",
        "finished_at": "When the last learner's download ended.",
        "heartbeat_at": "The last sign of life from a worker on this run.",
        "planned_at": "When every learner of the run had its bksb_run_learner row; a run closes only after that.",
        "learners_total": "How many learners the run covers.",
        "learners_done": "How many of them have finished, successfully or not.",
        "learners_failed": "How many of them failed.",
        "learners_skipped": "How many eligible learners were left out (see skipped_reasons).",
        "learners_unmatched": "How many of them were unmatched: their bksb user id stopped resolving (bksb merged "
        "the user) and their username names no other bksb user. Neither downloaded nor failed; they are on the "
        "unmatched report.",
        "skipped_reasons": "Why learners were left out, as JSON: reason to count.",
        "results_created": "Results stored for the first time.",
        "results_updated": "Stored results that bksb had changed.",
        "results_unchanged": "Results read again and found unchanged.",
        "requests_made": "Requests sent to bksb.",
        "stage": "Where the run is; the window words it with the numbers below.",
        "progress_list": "While a single-learner run reads results: the list being read (initial or diagnostic).",
        "progress_page": "The page of that list just read.",
        "progress_pages": "How many pages that list has, as bksb said on its last page read.",
        "learners_not_tried": "Learners a stopped run never tried (bksb unavailable, or the key refused).",
        "transport_failures": "Learners in a row that could not reach bksb (the circuit breaker pauses at 5).",
        "paused_at": "While bksb is not answering: when the run paused.",
        "paused_until": "While paused: when bksb is asked again whether it is back.",
        "message": "For a single-learner run that failed: why, in plain words.",
        "with_sessions": "Staff asked for the learners' assessment sessions and skills too (a single-learner run, "
        "or the Induction board's Get Results now).",
        "session_requests": "Requests for assessment session lists (getAssessmentSessionsForCourseV5); "
        "included in requests_made.",
        "eoa_requests": "Requests for sessions' per-skill rows (GetEOAReportDataForAssessmentSessionV5); "
        "included in requests_made.",
        "sessions_stored": "Assessment sessions stored new, finished or changed.",
        "skills_stored": "Per-skill rows stored.",
        # Get Results for a selection.
        "selection": "Get Results for a selection: the learner list's query it was limited to (its filters, or the "
        "ticked ids), as JSON; empty for every eligible learner.",
        "selection_label": "Get Results for a selection: what was selected, in words (e.g. 3 ticked records).",
    },
    "bksb_run_learner": {
        "": "One learner's part in a run: the unit of work a worker claims.",
        "id": "Our row id.",
        "run_id": "The run (bksb_run.id).",
        "learner_id": "The learner (learners_learner.id).",
        "status": "pending, running, succeeded, failed, not_tried or unmatched (the bksb user id stopped resolving).",
        "attempts": "How many times a worker claimed it (more than one after a worker stopped mid-way).",
        "claim_token": "Set by the claim that took the row; the worker reads back the rows that carry it.",
        "claimed_at": "When a worker last claimed it or reported progress.",
        "finished_at": "When the learner's download ended.",
        "results_created": "Results stored for the first time.",
        "results_updated": "Stored results that bksb had changed.",
        "results_unchanged": "Results read again and found unchanged.",
        "error": "Why the learner's download failed, in plain words.",
    },
    "bksb_level_mapping": {
        "": "Admin-editable rules turning bksb's Result text into a level (Integrations > bksb > Levels).",
        "id": "Our row id.",
        "text": "The text to match, ignoring case and repeated spaces.",
        "match": "exact (the whole text) or ends_with (the end of the text, on a word boundary).",
        "level": "The level it maps to.",
    },
    "bksb_subject_mapping": {
        "": "Admin-editable rules turning bksb's CourseSubject code into a subject (Integrations > bksb > Subjects).",
        "id": "Our row id.",
        "course_subject": "The CourseSubject code, ignoring case.",
        "subject": "The subject it maps to.",
    },
    **_LEVEL_TABLES,
    "bksb_assessment_status": {
        "": "One row per record with any fact to go on (a link, a bksb user created here, an invite, a session or "
        "an initial result): where it is in its English and maths initial assessments, worked out in the same "
        "transaction as each of those facts (bksb_rebuild_status works out all). Worked out as if the record were "
        "a BKSB User: unticked, a record with no session or result has no bksb user. No row: no bksb user.",
        "learner_id": "The learner or applicant (learners_learner.id); one row each.",
        "stage": "The two subjects together, as the Induction board's columns and the list's filter name them.",
        "account_created_at": "When its bksb user was created here, or first linked.",
        "invited_at": "When the latest invite was sent from here; empty when none was.",
        "english_step": "English's step: 0 no bksb user, 1 account created, 2 invited, 3 started, 4 finished, "
        "5 results in.",
        "english_step_at": "When English reached that step.",
        "english_started_at": "When the latest English initial assessment session started.",
        "english_finished_at": "When it finished (or, without a session, the result's date).",
        "english_results_in_at": "When its English initial assessment result was first downloaded.",
        "maths_step": "Maths's step, as English's.",
        "maths_step_at": "When maths reached that step.",
        "maths_started_at": "When the latest maths initial assessment session started.",
        "maths_finished_at": "When it finished (or, without a session, the result's date).",
        "maths_results_in_at": "When its maths initial assessment result was first downloaded.",
        "computed_at": "When the row was last worked out.",
    },
}

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
    table = model._meta.db_table
    words = DESCRIPTIONS.get(table, {})
    columns = [_column(field, words) for field in model._meta.concrete_fields]
    return TableDoc(table, words.get("", ""), columns)


def _column(field: models.Field[Any, Any], words: dict[str, str]) -> ColumnDoc:
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
        description=words.get(field.column, ""),
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
