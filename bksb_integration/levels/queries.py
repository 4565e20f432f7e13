"""Reading the levels summary and tags: for a page of records at once, and as list filters and sorts.

Every helper here adds a constant number of queries whatever the number of
records (an EXISTS or a subquery on `bksb_learner_level` / `bksb_learner_tag`,
or one query for a page of ids), so the learner list, its CSV and the reports
can call them freely:

    levels_for([ids])                    # {learner id: {subject: LearnerLevel}}, one query
    tags_for([ids])                      # {learner id: [LearnerTag, ...]}, one query
    learners_level_below(qs, "maths", "level_1")        # latest maths level below Level 1
    learners_level_at_most(qs, "english", "entry_3")    # latest English level Entry 3 or below
    learners_without_initial(qs, "maths")               # no initial assessment in maths yet
    learners_with_unmapped(qs)                          # any result not mapped to a level or subject
    learners_tagged(qs, rule_id)                        # carrying a tag rule's tag
    learners_by_level(qs, "maths", descending=False)    # sorted by latest maths level, unassessed last
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from bksb_integration.models import LearnerLevel, LearnerTag, Level, Subject, TagRule
from bksb_integration.models.mappings import LEVEL_RANK
from learners.models import Learner

# Short badges for the levels (the full text, Level(value).label, goes in the hover title).
LEVEL_SHORT = {
    Level.PRE_ENTRY: "PE",
    Level.ENTRY_1: "E1",
    Level.ENTRY_2: "E2",
    Level.ENTRY_3: "E3",
    Level.LEVEL_1: "L1",
    Level.LEVEL_2: "L2",
    Level.LEVEL_3: "L3",
}
# Which reading a filter or sort looks at: the latest (both lists), the highest, or the latest initial assessment.
RANK_FIELDS = {"latest": "latest_rank", "highest": "highest_rank", "initial": "initial_latest_rank"}


def level_short(level: str | None) -> str:
    short: str = LEVEL_SHORT.get(level or "", "")  # type: ignore[call-overload]
    return short


def level_label(level: str | None) -> str:
    return Level(level).label if level in LEVEL_RANK else ""


def levels_for(learner_ids: Iterable[int]) -> dict[int, dict[str, LearnerLevel]]:
    """Each record's summary rows by subject (records with none are absent), one query."""
    found: dict[int, dict[str, LearnerLevel]] = defaultdict(dict)
    for row in LearnerLevel.objects.filter(learner_id__in=list(learner_ids)):
        found[row.learner_id][row.subject] = row
    return dict(found)


def tags_for(learner_ids: Iterable[int]) -> dict[int, list[LearnerTag]]:
    """Each record's tags, by name, one query."""
    found: dict[int, list[LearnerTag]] = defaultdict(list)
    for tag in LearnerTag.objects.filter(learner_id__in=list(learner_ids)).order_by("tag", "pk"):
        found[tag.learner_id].append(tag)
    return dict(found)


def _summary(subject: str) -> QuerySet[LearnerLevel]:
    return LearnerLevel.objects.filter(learner_id=OuterRef("pk"), subject=subject)


def learners_level_below(
    learners: QuerySet[Learner], subject: str, level: str, *, reading: str = "latest"
) -> QuerySet[Learner]:
    """Records whose level in the subject is known and below `level` (unassessed records are not included)."""
    field = RANK_FIELDS[reading]
    return learners.filter(Exists(_summary(subject).filter(**{f"{field}__lt": LEVEL_RANK[level]})))


def learners_level_at_most(
    learners: QuerySet[Learner], subject: str, level: str, *, reading: str = "latest"
) -> QuerySet[Learner]:
    """Records whose level in the subject is known and `level` or below."""
    field = RANK_FIELDS[reading]
    return learners.filter(Exists(_summary(subject).filter(**{f"{field}__lte": LEVEL_RANK[level]})))


def learners_level_at_least(
    learners: QuerySet[Learner], subject: str, level: str, *, reading: str = "latest"
) -> QuerySet[Learner]:
    field = RANK_FIELDS[reading]
    return learners.filter(Exists(_summary(subject).filter(**{f"{field}__gte": LEVEL_RANK[level]})))


def learners_without_initial(learners: QuerySet[Learner], subject: str | None = None) -> QuerySet[Learner]:
    """Records with no initial assessment result (mapped or not) in the subject, or in any subject."""
    rows = LearnerLevel.objects.filter(learner_id=OuterRef("pk"), initial_count__gt=0)
    if subject is not None:
        rows = rows.filter(subject=subject)
    return learners.filter(~Exists(rows))


def learners_with_unmapped(learners: QuerySet[Learner]) -> QuerySet[Learner]:
    """Records with a result no level or subject mapping row maps."""
    return learners.filter(Exists(LearnerLevel.objects.filter(learner_id=OuterRef("pk"), has_unmapped=True)))


def learners_tagged(learners: QuerySet[Learner], rule_id: int) -> QuerySet[Learner]:
    return learners.filter(Exists(LearnerTag.objects.filter(learner_id=OuterRef("pk"), rule_id=rule_id)))


def learners_by_level(
    learners: QuerySet[Learner], subject: str, *, descending: bool = False, reading: str = "latest"
) -> QuerySet[Learner]:
    """Sorted by the subject's level (records with none last), then by name."""
    rank = Subquery(_summary(subject).values(RANK_FIELDS[reading])[:1])
    annotated = learners.annotate(level_rank_sort=rank)
    order = F("level_rank_sort").desc(nulls_last=True) if descending else F("level_rank_sort").asc(nulls_last=True)
    return annotated.order_by(order, "last_name", "first_name", "pk")


def tag_choices() -> list[tuple[str, str]]:
    """The tag filter's options: every rule (active or not, as tags may remain until recomputed), by name."""
    return [(str(pk), name) for pk, name in TagRule.objects.order_by("name", "pk").values_list("pk", "name")]


SUBJECT_LABELS = {value: str(label) for value, label in Subject.choices}
