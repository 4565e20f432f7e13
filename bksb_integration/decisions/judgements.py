"""Professional judgement beside the bksb result, never over it: record one, read the latest and the history.

A tutor records the level they judge a learner at in a subject, with a reason and
an optional file. A judgement is never edited or deleted (models.decisions); the
newest in a subject counts. Nothing here reads or writes a stored bksb result or
the levels summary: the judgement shows beside them, marked "Judgement".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from bksb_integration.decisions.judgement_files import judgement_file_remove, judgement_file_save
from bksb_integration.models import Judgement, Level
from bksb_integration.models.decisions import JUDGED_SUBJECT_CHOICES
from learners.models import Learner

JUDGED_SUBJECTS = tuple(value for value, _ in JUDGED_SUBJECT_CHOICES)
JUDGEMENT_WORD = "Judgement"


def judgement_record(
    *,
    learner: Learner,
    subject: str,
    level: str,
    reason: str,
    recorded_by: User | None,
    upload: UploadedFile | None = None,
) -> Judgement:
    """Add a judgement (ValidationError naming the fields when it cannot be recorded; nothing is kept then)."""
    errors: dict[str, str] = {}
    if subject not in JUDGED_SUBJECTS:
        errors["subject"] = "Choose English, maths, ICT/Digital or ESOL."
    if level not in Level.values:
        errors["level"] = "Choose the level you judge the learner at."
    if not reason.strip():
        errors["reason"] = "Say why: what the judgement rests on."
    if errors:
        raise ValidationError(errors)
    stored = None
    if upload is not None:
        try:
            stored = judgement_file_save(upload)
        except ValidationError as error:
            raise ValidationError({"attachment": error.messages}) from error
    try:
        with transaction.atomic():
            return Judgement.objects.create(
                learner=learner,
                subject=subject,
                level=level,
                reason=reason.strip(),
                file_token=stored.token if stored else "",
                file_name=stored.name if stored else "",
                file_type=stored.content_type if stored else "",
                file_size=stored.size if stored else None,
                recorded_by=recorded_by,
                recorded_at=timezone.now(),
            )
    except Exception:
        if stored is not None:
            judgement_file_remove(stored.token)
        raise


def latest_judgements(learner_ids: Iterable[int]) -> dict[tuple[int, str], Judgement]:
    """Each record's newest judgement per subject, keyed (learner id, subject): one query."""
    rows = Judgement.objects.filter(learner_id__in=list(learner_ids)).order_by(
        "learner_id", "subject", "-recorded_at", "-id"
    )
    latest: dict[tuple[int, str], Judgement] = {}
    for row in rows:
        latest.setdefault((row.learner_id, row.subject), row)
    return latest


def judgement_history(*, learner: Learner) -> list[Judgement]:
    """The record's judgements, newest first (one query)."""
    return list(Judgement.objects.filter(learner=learner).select_related("recorded_by").order_by("-recorded_at", "-id"))


def judged_level_counts(*, learners: QuerySet[Learner], subjects: Iterable[str]) -> dict[str, Counter[str]]:
    """How many of the learners stand at each level by their newest judgement, per subject ("" for none
    recorded): one grouped query, whatever the cohort's size."""
    subjects = list(subjects)
    return judged_level_counts_by(learners=learners, subjects=subjects).get("", _no_judgements(subjects))


def judged_level_counts_by(
    *, learners: QuerySet[Learner], subjects: Iterable[str], by: str = ""
) -> dict[str, dict[str, Counter[str]]]:
    """judged_level_counts for each value of the learner field `by` (all under "" when not given): one grouped
    query, whatever the cohort's size or the number of values."""
    subjects = list(subjects)
    newest = {
        f"judged_{subject}": Subquery(
            Judgement.objects.filter(learner_id=OuterRef("pk"), subject=subject)
            .order_by("-recorded_at", "-id")
            .values("level")[:1]
        )
        for subject in subjects
    }
    fields = [*newest, by] if by else list(newest)
    rows = learners.order_by().annotate(**newest).values_list(*fields).annotate(n=Count("pk")).order_by()
    counts: dict[str, dict[str, Counter[str]]] = {}
    for *values, n in rows:
        group = str(values.pop() or "") if by else ""
        mine = counts.setdefault(group, _no_judgements(subjects))
        for subject, level in zip(subjects, values, strict=True):
            mine[subject][level or ""] += n
    return counts


def _no_judgements(subjects: list[str]) -> dict[str, Counter[str]]:
    return {subject: Counter() for subject in subjects}
