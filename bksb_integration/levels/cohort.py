"""A cohort's levels, counted: what Management > BKSB > Reports shows and downloads.

The cohort is any queryset of learners (the learner list's filters pick it). Everything
is counted in SQL from the summary table, bksb_learner_level: one grouped query over the
cohort's summary rows, one count of the cohort, and one conditional count of the funding
flags that read aims or decisions (levels/funding.py decides who carries each; the flags
reading the assessment are counted in the grouped query), whatever its size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import NamedTuple

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet

from bksb_integration.decisions.judgements import judged_level_counts, judged_level_counts_by
from bksb_integration.levels.funding import FLAGS, RANK_KINDS, FundingFlag, Thresholds, flag_condition
from bksb_integration.levels.list_choices import LISTED_SUBJECTS, NO_RESULTS, NOT_MAPPED, Movement
from bksb_integration.models import Level, Subject
from bksb_integration.models.mappings import LEVEL_RANK
from learners.models import Learner, ProvisionType
from learners.programme_filters import NOT_KNOWN

ASSESSED, NOT_ASSESSED = "done", "none"
# What the Latest levels are counted from: the bksb results (the summary table), or tutors' newest judgements.
COUNTED_BKSB, COUNTED_JUDGEMENT = "bksb", "judgement"
COUNTED_CHOICES = [(COUNTED_BKSB, "bksb results"), (COUNTED_JUDGEMENT, "Tutors' judgements")]
ASSESSED_LABELS = {ASSESSED: "Initial assessment done", NOT_ASSESSED: "Not yet assessed"}
LEVEL_LABELS = {**dict(Level.choices), NOT_MAPPED: "Results not mapped", NO_RESULTS: "No results yet"}


@dataclass(frozen=True)
class Tally:
    """How many of the cohort fall in one category; `key` is the list filter value naming it."""

    key: str
    label: str
    learners: int


@dataclass(frozen=True)
class SubjectTallies:
    subject: str
    label: str
    tallies: list[Tally]

    @property
    def total(self) -> int:
        return sum(tally.learners for tally in self.tallies)


@dataclass(frozen=True)
class MovementGrid:
    """Learners by latest initial assessment level (rows) and latest diagnostic level (columns)."""

    subject: str
    label: str
    cells: dict[tuple[str, str], int]

    def count(self, initial: str, diagnostic: str) -> int:
        return self.cells.get((initial, diagnostic), 0)


@dataclass(frozen=True)
class CohortReport:
    size: int
    levels: list[SubjectTallies]
    assessed: list[SubjectTallies]
    movement: list[SubjectTallies]
    grids: list[MovementGrid]
    flags: list[Tally]  # key: the funding flag's code
    counted: str = COUNTED_BKSB  # what the levels were counted from

    @property
    def counts_judgements(self) -> bool:
        return self.counted == COUNTED_JUDGEMENT


def cohort_report(*, learners: QuerySet[Learner], counted: str = COUNTED_BKSB) -> CohortReport:
    """Per subject: the latest levels (from the bksb results, or `counted` from tutors' judgements: one more
    query), assessed or not, and the movement from initial to diagnostic; and how many carry each funding flag."""
    learners = learners.order_by()
    sizes = learners.aggregate(size=Count("pk"), with_start=Count("pk", filter=Q(start_date__isnull=False)))
    size = sizes["size"]
    thresholds = Thresholds.load()
    groups = _summary_groups(learners, thresholds)
    report = _report(groups, size, counted)
    flags = _flag_tallies(groups, learners, thresholds, with_start=sizes["with_start"])
    if counted == COUNTED_JUDGEMENT:
        judged = judged_level_counts(learners=learners, subjects=LISTED_SUBJECTS)
        report = replace(report, levels=_judged_tallies(judged))
    return replace(report, flags=flags)


@dataclass(frozen=True)
class ProvisionCohort:
    """The part of the cohort of one provision type, its charts counted; `key` is the list filter's value."""

    key: str
    label: str
    report: CohortReport  # without funding flags


def cohort_by_provision(*, learners: QuerySet[Learner], counted: str = COUNTED_BKSB) -> list[ProvisionCohort]:
    """The report's latest levels, assessed or not, and movement for each provision type (Ofsted grades each
    separately) and Not known: the cohort's size and its summary rows, each grouped by provision type too. Two
    queries (three counting judgements) whatever the cohort, never one per provision type."""
    learners = learners.order_by()
    sizes = dict(learners.values_list("provision_type").annotate(n=Count("pk")).values_list("provision_type", "n"))
    groups = _summary_groups(learners, None, by_provision=True)
    judged = (
        judged_level_counts_by(learners=learners, subjects=LISTED_SUBJECTS, by="provision_type")
        if counted == COUNTED_JUDGEMENT
        else None
    )
    cohorts = []
    for value, label in [*ProvisionType.choices, ("", "Not known")]:
        report = _report([group for group in groups if group.provision == value], sizes.get(value, 0), counted)
        if judged is not None:
            counts = judged.get(value, {subject: Counter() for subject in LISTED_SUBJECTS})
            report = replace(report, levels=_judged_tallies(counts))
        cohorts.append(ProvisionCohort(value or NOT_KNOWN, str(label), report))
    return cohorts


def _report(groups: list[Group], size: int, counted: str) -> CohortReport:
    """The charts' tallies and the grids, per subject, from a cohort's summary groups (no funding flags yet)."""
    levels, assessed, movement, grids = [], [], [], []
    for subject in LISTED_SUBJECTS:
        mine = [group for group in groups if group.subject == subject]
        label = Subject(subject).label
        levels.append(SubjectTallies(subject, label, _level_tallies(mine, size)))
        assessed.append(SubjectTallies(subject, label, _assessed_tallies(mine, size)))
        movement.append(SubjectTallies(subject, label, _movement_tallies(mine)))
        grids.append(MovementGrid(subject, label, _grid(mine)))
    return CohortReport(size, levels, assessed, movement, grids, [], counted)


def _judged_tallies(counts: dict[str, Counter[str]]) -> list[SubjectTallies]:
    """The latest levels as tutors judged them: each subject's newest judgement, and those with none."""
    return [
        SubjectTallies(
            subject,
            Subject(subject).label,
            [
                *(Tally(level, label, counts[subject][level]) for level, label in Level.choices),
                Tally(NO_RESULTS, "No judgement recorded", counts[subject][""]),
            ],
        )
        for subject in LISTED_SUBJECTS
    ]


class Group(NamedTuple):
    """Summary rows of the cohort alike in everything the report tells apart, and how many."""

    subject: str
    latest: str | None
    initial: str | None  # latest initial assessment level
    diagnostic: str | None  # latest diagnostic level
    initially: bool  # has an initial assessment, mapped or not
    in_time: bool  # the first initial assessment is dated on or before the record's start date
    flagged: dict[str, int]  # how many of them raise each rank flag (funding.RANK_KINDS), by code
    learners: int
    provision: str = ""  # the records' provision type, when grouped by it


# Flags counted from the summary groups: those reading the assessment and the learner row; the others in one more query.
GROUP_KINDS = ("no_initial", *RANK_KINDS)


def _summary_groups(
    learners: QuerySet[Learner], thresholds: Thresholds | None, *, by_provision: bool = False
) -> list[Group]:
    """The cohort's summary rows of the listed subjects, grouped and counted (by provision type too, when asked):
    one query, the cohort's records joined to their summary rows (read from the bksb_level_report index alone).
    Given `thresholds`, with how many of each group raise each rank flag (a conditional count, not a group key:
    the groups stay few)."""
    level = "bksb_levels__"
    ranked = [flag for flag in FLAGS if flag.kind in RANK_KINDS] if thresholds is not None else []
    raising = (
        {}
        if thresholds is None
        else {
            f"raises_{flag.code}": Count("pk", filter=flag_condition(flag, thresholds, summary="bksb_levels"))
            for flag in ranked
        }
    )
    rows = (
        learners.filter(**{f"{level}subject__in": LISTED_SUBJECTS})
        .annotate(
            initially=ExpressionWrapper(Q(**{f"{level}initial_count__gt": 0}), output_field=BooleanField()),
            # As results/funding.py asks it: the date in the site's time zone, against the start date.
            in_time=ExpressionWrapper(
                Q(**{f"{level}initial_first_date__date__lte": F("start_date")}), output_field=BooleanField()
            ),
        )
        .values_list(
            f"{level}subject",
            f"{level}latest_level",
            f"{level}initial_latest_level",
            f"{level}diagnostic_level",
            "initially",
            "in_time",
            *(["provision_type"] if by_provision else []),
        )
        .annotate(n=Count("*"), **raising)
        .order_by()
    )
    groups = []
    for row in rows:
        subject, latest, initial, diagnostic, initially, in_time = row[:6]
        provision = row[6] if by_provision else ""
        n, *raises = row[7 if by_provision else 6 :]
        flagged = {flag.code: raised for flag, raised in zip(ranked, raises, strict=True) if raised}
        groups.append(
            Group(subject, latest, initial, diagnostic, bool(initially), bool(in_time), flagged, n, provision)
        )
    return groups


def _level_tallies(groups: list[Group], size: int) -> list[Tally]:
    by_level: Counter[str] = Counter()
    for group in groups:
        by_level[group.latest or NOT_MAPPED] += group.learners
    by_level[NO_RESULTS] = size - sum(by_level.values())
    return [Tally(key, LEVEL_LABELS[key], by_level[key]) for key in (*Level.values, NOT_MAPPED, NO_RESULTS)]


def _assessed_tallies(groups: list[Group], size: int) -> list[Tally]:
    done = sum(group.learners for group in groups if group.initially)
    return [
        Tally(ASSESSED, ASSESSED_LABELS[ASSESSED], done),
        Tally(NOT_ASSESSED, ASSESSED_LABELS[NOT_ASSESSED], size - done),
    ]


def _rank(level: str | None) -> int | None:
    return LEVEL_RANK[level] if level else None


def _movement_tallies(groups: list[Group]) -> list[Tally]:
    moved: Counter[str] = Counter()
    for group in groups:
        movement = Movement.of(_rank(group.initial), _rank(group.diagnostic))
        if movement is not None:
            moved[movement] += group.learners
    return [Tally(key, label, moved[key]) for key, label in Movement.LABELS.items()]


def _grid(groups: list[Group]) -> dict[tuple[str, str], int]:
    cells: Counter[tuple[str, str]] = Counter()
    for group in groups:
        if group.initial and group.diagnostic:
            cells[(group.initial, group.diagnostic)] += group.learners
    return dict(cells)


def _flag_tallies(
    groups: list[Group], learners: QuerySet[Learner], thresholds: Thresholds, *, with_start: int
) -> list[Tally]:
    """How many carry each funding flag: those that read the assessment and the learner row from the summary
    groups, those that read aims or decisions in one aggregate (levels/funding.py defines the flags)."""
    by_learner = [flag for flag in FLAGS if flag.kind not in GROUP_KINDS]
    counted = learners.aggregate(
        **{flag.code: Count("pk", filter=flag_condition(flag, thresholds)) for flag in by_learner}
    )
    return [
        Tally(
            flag.code,
            flag.label(thresholds),
            counted[flag.code] if flag.code in counted else _flagged(flag, groups, with_start),
        )
        for flag in FLAGS
    ]


def _flagged(flag: FundingFlag, groups: list[Group], with_start: int) -> int:
    if flag.kind == "no_initial":
        # Every record with a start date, less those assessed on or before it.
        return with_start - sum(group.learners for group in groups if group.subject == flag.subject and group.in_time)
    return sum(group.flagged.get(flag.code, 0) for group in groups)
