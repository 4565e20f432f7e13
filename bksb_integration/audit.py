"""What the bksb integration records in the audit trail (permissions/audit.py), registered from the app's ready()."""

from __future__ import annotations

from bksb_integration.decisions.record import decision_words
from bksb_integration.evidence.sample_job import KIND as AUDIT_SAMPLE
from bksb_integration.models import (
    BksbLink,
    BksbSettings,
    Decision,
    EvidencePack,
    Judgement,
    LearnerTag,
    LevelMapping,
    SubjectMapping,
    TagRule,
    UserCreationRequest,
)
from jobs.models import Job
from learners.models import LearningStatus
from permissions.audit import (
    LIMIT,
    AuditEntry,
    EntrySource,
    FieldChange,
    HistorySource,
    audit_entries_register,
    audit_history_register,
    learner_of,
)


def evidence_pack_entries(limit: int = LIMIT) -> list[AuditEntry]:
    """Each evidence pack made: for whom, by whom, and the fingerprint it showed."""
    rows = EvidencePack.objects.select_related("made_by", "learner")[:limit]
    return [
        AuditEntry(
            when=row.made_at,
            who=row.made_by.get_username() if row.made_by else "Command line",
            source="Evidence packs",
            what=learner_of(row),
            action="Evidence pack made" + (" (in a zip)" if row.in_bulk else ""),
            changes=(
                FieldChange("Results", None, str(row.result_count)),
                FieldChange("SHA-256 of the raw items", None, row.fingerprint),
            ),
        )
        for row in rows
    ]


def decision_entries(limit: int = LIMIT) -> list[AuditEntry]:
    """Each English and maths decision added, and the entry it superseded with why (both stay in the trail)."""
    rows = Decision.objects.select_related("recorded_by", "learner").order_by("-recorded_at", "-id")[:limit]
    return [
        AuditEntry(
            when=row.recorded_at,
            who=row.recorded_by.get_username() if row.recorded_by else "Command line",
            source="English and maths decisions",
            what=learner_of(row),
            action=f"{row.get_subject_display()} decision added"
            + (f", superseding entry {row.supersedes_id}" if row.supersedes_id else ""),
            changes=(
                FieldChange("Decision", None, decision_words(row)),
                FieldChange("Discussed by", None, row.discussed_by),
            ),
            note=row.supersede_reason,
        )
        for row in rows
    ]


def judgement_entries(limit: int = LIMIT) -> list[AuditEntry]:
    """Each professional judgement added (beside the bksb result; the results themselves are untouched)."""
    rows = Judgement.objects.select_related("recorded_by", "learner").order_by("-recorded_at", "-id")[:limit]
    return [
        AuditEntry(
            when=row.recorded_at,
            who=row.recorded_by.get_username() if row.recorded_by else "Command line",
            source="Judgements",
            what=learner_of(row),
            action=f"{row.get_subject_display()} judgement added",
            changes=(
                FieldChange("Judgement", None, row.get_level_display()),
                FieldChange("Reason", None, row.reason),
                *((FieldChange("Attached file", None, row.file_name),) if row.file_name else ()),
            ),
        )
        for row in rows
    ]


def audit_sample_entries(limit: int = LIMIT) -> list[AuditEntry]:
    """Each audit sample asked for: by whom, how chosen (the seed), how many packs and references not found.
    Its packs are entries of their own (evidence_pack_entries)."""
    rows = Job.objects.filter(kind=AUDIT_SAMPLE).select_related("started_by").order_by("-created_at", "-pk")[:limit]
    return [
        AuditEntry(
            when=row.created_at,
            who=row.started_by.get_username() if row.started_by else "Command line",
            source="Audit samples",
            what=f"Audit sample job {row.pk}",
            action="Audit sample made"
            if row.status in (Job.Status.SUCCEEDED, Job.Status.PARTIAL)
            else "Audit sample asked for",
            changes=(
                FieldChange("Learners", None, str(row.total)),
                FieldChange(
                    "Chosen",
                    None,
                    "from a list" if row.params.get("seed") is None else f"at random, seed {row.params['seed']}",
                ),
                FieldChange("References not found", None, str(row.params.get("not_found_count", 0))),
            ),
        )
        for row in rows
    ]


def audit_register() -> None:
    statuses = {value: str(label) for value, label in LearningStatus.choices}
    audit_history_register(
        # The API url and Access Key ID are for those who manage the bksb settings, as on the summary page.
        HistorySource(
            "settings", "bksb settings", BksbSettings, lambda r: "bksb settings", key_ids=("api_url", "access_key_id")
        ),
        list_labels={"eligible_learning_statuses": statuses},
    )
    audit_history_register(HistorySource("links", "BKSB links", BksbLink, learner_of, related=("learner",)))
    audit_history_register(
        HistorySource("levels", "Level mappings", LevelMapping, lambda r: f"Level mapping “{r.text}”")
    )
    audit_history_register(
        HistorySource("subjects", "Subject mappings", SubjectMapping, lambda r: f"Subject mapping {r.course_subject}")
    )
    audit_history_register(
        HistorySource("creation", "BKSB user creation", UserCreationRequest, learner_of, related=("learner",))
    )
    audit_history_register(HistorySource("tag_rules", "Tag rules", TagRule, lambda r: f"Tag rule “{r.name}”"))
    audit_history_register(HistorySource("tags", "Tags", LearnerTag, learner_of, related=("learner",)))
    audit_entries_register(EntrySource("evidence", "Evidence packs", evidence_pack_entries))
    audit_entries_register(EntrySource("decisions", "English and maths decisions", decision_entries))
    audit_entries_register(EntrySource("judgements", "Judgements", judgement_entries))
    audit_entries_register(EntrySource("audit_samples", "Audit samples", audit_sample_entries))
