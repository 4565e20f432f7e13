"""From bksb's wording to our scales: result text to a level, CourseSubject code to a subject.

The rules are the admin-editable LevelMapping and SubjectMapping tables. Matching
ignores case and repeated whitespace. For levels, an exact row wins; otherwise the
longest ends-with row whose text ends the result on a word boundary ("Entry 3"
matches "English Entry 3" but not "Reentry 3"), so "ICT Below Entry 3" takes the
"Below Entry 3" row, not the "Entry 3" one.

Download code maps many results with one `Mapper`:

    mapper = Mapper.load()            # one query per table
    mapper.level("Maths Entry 3")     # ("entry_3", 3), or None when no row maps it
    mapper.subject("MATHS_NEW")       # "maths", or None
    mapper.apply(result)              # sets result.level, .level_rank, .subject; True if any changed
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Count, QuerySet

from bksb_integration.models import DiagnosticAssessmentResult, InitialAssessmentResult, LevelMapping, SubjectMapping
from bksb_integration.models.mappings import LEVEL_RANK

RESULT_MODELS = (InitialAssessmentResult, DiagnosticAssessmentResult)

LevelMatch = tuple[str, int]


class LevelRow(Protocol):
    text: str
    match: str
    level: str


class SubjectRow(Protocol):
    course_subject: str
    subject: str


class MappableResult(Protocol):
    result: str
    course_subject: str
    level: str | None
    level_rank: int | None
    subject: str | None


def normalise(text: str) -> str:
    """Case and whitespace do not matter: " maths  ENTRY 3" is "maths entry 3"."""
    return " ".join((text or "").split()).casefold()


class Mapper:
    """Maps result texts and subject codes with rules read once; cheap to call many times."""

    def __init__(self, level_rows: Iterable[LevelRow], subject_rows: Iterable[SubjectRow]) -> None:
        self._exact: dict[str, str] = {}
        ends_with: list[tuple[str, str]] = []
        for row in level_rows:
            key = normalise(row.text)
            if not key:
                continue
            if row.match == LevelMapping.Match.EXACT:
                self._exact[key] = row.level
            else:
                ends_with.append((key, row.level))
        # Longest first: the first suffix that matches is the most specific.
        self._ends_with = sorted(ends_with, key=lambda pair: len(pair[0]), reverse=True)
        self._subjects = {normalise(row.course_subject): row.subject for row in subject_rows}
        self._levels_seen: dict[str, LevelMatch | None] = {}

    @classmethod
    def load(cls) -> Mapper:
        """A mapper over the current tables (one query each)."""
        return cls(
            LevelMapping.objects.only("text", "match", "level"),
            SubjectMapping.objects.only("course_subject", "subject"),
        )

    def level(self, text: str) -> LevelMatch | None:
        """(level, rank) for a result text, or None when no row maps it."""
        key = normalise(text)
        if key not in self._levels_seen:
            self._levels_seen[key] = self._level_uncached(key)
        return self._levels_seen[key]

    def _level_uncached(self, key: str) -> LevelMatch | None:
        level = self._exact.get(key)
        if level is None:
            level = next((lvl for suffix, lvl in self._ends_with if _ends_with_word(key, suffix)), None)
        return (level, LEVEL_RANK[level]) if level in LEVEL_RANK else None

    def subject(self, code: str) -> str | None:
        """The subject of a CourseSubject code, or None when no row maps it."""
        return self._subjects.get(normalise(code))

    def mapped(self, *, result: str, course_subject: str) -> dict[str, str | int | None]:
        """A result's level, level_rank and subject, by field name."""
        level, rank = self.level(result) or (None, None)
        return {"level": level, "level_rank": rank, "subject": self.subject(course_subject)}

    def apply(self, result: MappableResult) -> bool:
        """Set a result's level, level_rank and subject; True when any of them changed."""
        mapped = self.mapped(result=result.result, course_subject=result.course_subject)
        changed = any(getattr(result, name) != value for name, value in mapped.items())
        for name, value in mapped.items():
            setattr(result, name, value)
        return changed


def _ends_with_word(text: str, suffix: str) -> bool:
    if not text.endswith(suffix):
        return False
    start = len(text) - len(suffix)
    return start == 0 or not text[start - 1].isalnum()


def level_for(text: str, rows: Iterable[LevelRow]) -> LevelMatch | None:
    """(level, rank) for one result text under the given LevelMapping rows."""
    return Mapper(rows, ()).level(text)


def subject_for(code: str, rows: Iterable[SubjectRow]) -> str | None:
    """The subject for one CourseSubject code under the given SubjectMapping rows."""
    return Mapper((), rows).subject(code)


@dataclass(frozen=True)
class RemapSummary:
    results_updated: int
    # The records whose results were re-mapped: their levels summaries are out of date.
    learner_ids: frozenset[int] = frozenset()


def results_remap(*, mapper: Mapper | None = None) -> RemapSummary:
    """Re-apply the mapping tables to every stored result; call after a mapping change.

    Works per distinct result text and subject code (a few hundred at most), with
    a query each for the records with rows whose mapping changed, then one UPDATE
    of those rows where there are any.
    """
    mapper = mapper or Mapper.load()
    updated = 0
    learner_ids: set[int] = set()
    with transaction.atomic():
        for model in RESULT_MODELS:
            for text in model.objects.values_list("result", flat=True).distinct().order_by():
                level, rank = mapper.level(text) or (None, None)
                rows = model.objects.filter(result=text)
                stale = rows.exclude(level__isnull=True) if level is None else rows.exclude(level=level)
                updated += _update(stale, learner_ids, level=level, level_rank=rank)
            for code in model.objects.values_list("course_subject", flat=True).distinct().order_by():
                subject = mapper.subject(code)
                rows = model.objects.filter(course_subject=code)
                stale = rows.exclude(subject__isnull=True) if subject is None else rows.exclude(subject=subject)
                updated += _update(stale, learner_ids, subject=subject)
    return RemapSummary(results_updated=updated, learner_ids=frozenset(learner_ids))


def _update(stale: QuerySet[Any], learner_ids: set[int], **values: object) -> int:
    """Update the stale rows, noting whose they are (one query when none is stale)."""
    whose = set(stale.values_list("learner_id", flat=True).distinct().order_by())
    if not whose:
        return 0
    learner_ids.update(whose)
    return stale.update(**values)


def unmapped_result_texts() -> list[tuple[str, int]]:
    """Stored result texts no level row maps, most frequent first, with counts."""
    return _unmapped("result", "level")


def unmapped_subject_codes() -> list[tuple[str, int]]:
    """Stored CourseSubject codes no subject row maps, most frequent first, with counts."""
    return _unmapped("course_subject", "subject")


def _unmapped(field: str, mapped: str) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for model in RESULT_MODELS:
        rows = model.objects.filter(**{f"{mapped}__isnull": True}).values_list(field).order_by()
        for value, count in rows.annotate(n=Count("id")).values_list(field, "n"):
            counts[value] += count
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
