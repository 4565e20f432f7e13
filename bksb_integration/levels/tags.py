"""Tags (`bksb_learner_tag`): what the admin's tag rules make of a record's levels summary.

A rule tags a record when its latest (or highest) initial assessment level in
the rule's subject is one of the rule's levels (e.g. "Maths support: Entry"
for maths at Entry 1, 2 or 3). Tags are recomputed with the summary
(config/levels.py), and each tag added, changed or removed is written to the
tag's history in bulk, which the audit trail shows with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from simple_history.utils import get_history_manager_for_model

from bksb_integration.models import LearnerLevel, LearnerTag, TagRule

# The fields that say what a tag rests on; a change in any of them is a tag change.
RESTS_ON = ("tag", "subject", "level", "session_id", "assessment_id", "result_date")


@dataclass
class TagCounts:
    added: int = 0
    removed: int = 0
    changed: int = 0


def rule_reading(rule: TagRule, summary: LearnerLevel) -> tuple[str, int, int, dt.datetime] | None:
    """(level, SessionId, AssessmentID, date) of the initial assessment the rule looks at, or None."""
    prefix = "initial_highest" if rule.basis == TagRule.Basis.HIGHEST else "initial_latest"
    level = getattr(summary, f"{prefix}_level")
    if level is None:
        return None
    return (
        level,
        getattr(summary, f"{prefix}_session_id"),
        getattr(summary, f"{prefix}_assessment_id"),
        getattr(summary, f"{prefix}_date"),
    )


def rule_tags(rule: TagRule, summary: LearnerLevel) -> bool:
    """Whether the rule gives the summary's record its tag."""
    if not rule.active or summary.subject != rule.subject:
        return False
    reading = rule_reading(rule, summary)
    return reading is not None and reading[0] in rule.levels


def tags_wanted(rules: Iterable[TagRule], levels: Iterable[LearnerLevel], now: dt.datetime) -> list[LearnerTag]:
    """The tags the rules give these summaries (unsaved)."""
    by_subject: dict[str, list[TagRule]] = {}
    for rule in rules:
        by_subject.setdefault(rule.subject, []).append(rule)
    wanted = []
    for summary in levels:
        for rule in by_subject.get(summary.subject, []):
            reading = rule_reading(rule, summary)
            if rule_tags(rule, summary) and reading is not None:
                level, session_id, assessment_id, result_date = reading
                wanted.append(
                    LearnerTag(
                        learner_id=summary.learner_id,
                        rule=rule,
                        tag=rule.name,
                        subject=rule.subject,
                        level=level,
                        session_id=session_id,
                        assessment_id=assessment_id,
                        result_date=result_date,
                        assigned_at=now,
                    )
                )
    return wanted


def tags_apply(
    *, learner_ids: Sequence[int], levels: Iterable[LearnerLevel], reason: str, now: dt.datetime
) -> TagCounts:
    """Make the records' tags what the active rules give their summaries; history for each change.

    Call inside the transaction that wrote the summaries (with the records' links locked).
    """
    rules = list(TagRule.objects.filter(active=True))
    wanted = {(tag.learner_id, tag.rule_id): tag for tag in tags_wanted(rules, levels, now)}
    existing = {(tag.learner_id, tag.rule_id): tag for tag in LearnerTag.objects.filter(learner_id__in=learner_ids)}
    added = [tag for key, tag in wanted.items() if key not in existing]
    removed = [tag for key, tag in existing.items() if key not in wanted]
    changed = []
    for key, tag in wanted.items():
        old = existing.get(key)
        if old is not None and any(getattr(old, name) != getattr(tag, name) for name in RESTS_ON):
            for name in RESTS_ON:
                setattr(old, name, getattr(tag, name))
            old.assigned_at = now
            changed.append(old)
    if removed:
        _delete(removed)
    if added:
        LearnerTag.objects.bulk_create(added, batch_size=500)
        # Some databases do not hand back the new ids: read them for the history rows.
        if any(tag.pk is None for tag in added):
            ids = {
                (learner_id, rule_id): pk
                for pk, learner_id, rule_id in LearnerTag.objects.filter(
                    learner_id__in={tag.learner_id for tag in added}
                ).values_list("pk", "learner_id", "rule_id")
            }
            for tag in added:
                tag.pk = ids[(tag.learner_id, tag.rule_id)]
    if changed:
        LearnerTag.objects.bulk_update(changed, [*RESTS_ON, "assigned_at"], batch_size=500)
    _history(added, "+", reason, now)
    _history(changed, "~", reason, now)
    _history(removed, "-", reason, now)
    return TagCounts(added=len(added), removed=len(removed), changed=len(changed))


def _history(tags: list[LearnerTag], history_type: str, reason: str, now: dt.datetime) -> None:
    """The tags' history rows in one insert (simple-history writes none for bulk writes)."""
    if not tags:
        return
    history = get_history_manager_for_model(LearnerTag).model
    tracked = history.tracked_fields
    rows = [
        history(
            history_date=now,
            history_type=history_type,
            history_change_reason=reason[:100],
            history_user=None,
            **{field.attname: getattr(tag, field.attname) for field in tracked},
        )
        for tag in tags
    ]
    history.objects.bulk_create(rows, batch_size=500)


def tags_remove_for_rule(*, rule: TagRule, reason: str, now: dt.datetime) -> int:
    """Take a rule's tags off every record (with history), before the rule itself is deleted."""
    gone = list(LearnerTag.objects.filter(rule=rule))
    _history(gone, "-", reason, now)
    _delete(gone)
    return len(gone)


def _delete(tags: list[LearnerTag]) -> None:
    """One DELETE, without the per-row signals: the history rows, with their reason, are written in bulk."""
    rows = LearnerTag.objects.filter(pk__in=[tag.pk for tag in tags])
    rows._raw_delete(rows.db)
