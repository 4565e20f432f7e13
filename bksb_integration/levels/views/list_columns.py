"""Levels on the learner list: per subject a column, a filter and a sort; filters on the summary and flags.

Registered with the list (learners/listing.py) by BksbIntegrationConfig.ready(). Every
filter is an EXISTS on bksb_learner_level and every column one query for the page, so
the list stays fast at any size; the list's CSV export carries the same columns. The
filters' query-string names (web/level_params.py) are also what the cohort reports
link to. (The Tag filter and the Evidence packs action are registered by levels_list.py.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from bksb_integration.levels import queries as levels
from bksb_integration.levels.funding import FLAGS_BY_CODE, flag_choices, learners_flagged
from bksb_integration.levels.list_choices import (
    LISTED_SUBJECTS,
    LatestReading,
    Movement,
    latest_readings,
    learners_at_level,
    learners_initially_assessed,
    learners_moved,
    level_choice,
    level_choices,
)
from bksb_integration.levels.params import (
    FLAG_PARAM,
    INITIAL_PARAM,
    MOVEMENT_PARAM,
    NONE_IN_ANY_SUBJECT,
    UNMAPPED_PARAM,
    initial_value,
    level_param,
    movement_value,
)
from bksb_integration.models import ResultList, Subject
from learners.listing import (
    ListColumn,
    ListFilter,
    ListLink,
    ListSort,
    list_column_register,
    list_filter_register,
    list_link_register,
    list_sort_register,
)
from learners.models import Learner
from permissions.access import bksb_available, can_see_bksb, can_view_bksb_reports


@dataclass(frozen=True)
class LevelBadge:
    """A cell of a level column: the short badge (E3), and the words behind it."""

    short: str
    text: str
    description: str
    rank: int | None


def level_badge(subject: str, reading: LatestReading | None) -> LevelBadge | None:
    if reading is None:
        return None
    label = Subject(subject).label
    if reading.level is None:
        return LevelBadge("?", "Not mapped", f"{label}: results not mapped to a level", None)
    text = levels.level_label(reading.level)
    when = ""
    if reading.date is not None:
        local = timezone.localtime(reading.date)
        when = f", {local.day} {local:%b %Y}"
    source = f" ({ResultList(reading.list_name).label}{when})" if reading.list_name else ""
    description = f"{label}: {text}, latest result{source}"
    return LevelBadge(levels.level_short(reading.level), text, description, reading.rank)


def _level_column(subject: str) -> ListColumn:
    def values(learners: Sequence[Learner]) -> Mapping[int, LevelBadge | None]:
        readings = latest_readings(learner_ids=[learner.pk for learner in learners], subject=subject)
        return {learner.pk: level_badge(subject, readings.get(learner.pk)) for learner in learners}

    def csv(value: LevelBadge | None) -> str:
        return value.text if value else ""

    return ListColumn(
        key=f"bksb_{subject}_level",
        header=Subject(subject).label,
        values=values,
        template="bksb_integration/levels/_level_cell.html",
        csv=csv,
        visible_to=can_see_bksb,
    )


def _level_filter(subject: str) -> ListFilter:
    def choices() -> list[tuple[str, str]]:
        return [(choice.value, choice.label) for choice in level_choices()]

    def apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
        choice = level_choice(value)
        return learners if choice is None else learners_at_level(learners, subject=subject, choice=choice)

    label = f"{Subject(subject).label} level"
    return ListFilter(param=level_param(subject), label=label, choices=choices, apply=apply, visible_to=can_see_bksb)


def _initial_choices() -> list[tuple[str, str]]:
    choices = [(NONE_IN_ANY_SUBJECT, "No initial assessment yet")]
    choices += [(initial_value(s, False), f"None yet in {Subject(s).label}") for s in LISTED_SUBJECTS]
    choices += [(initial_value(s, True), f"Done in {Subject(s).label}") for s in LISTED_SUBJECTS]
    return choices


def _initial_apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
    if value == NONE_IN_ANY_SUBJECT:
        return levels.learners_without_initial(learners)
    subject, _, done = value.rpartition("_")
    if done == "done":
        return learners_initially_assessed(learners, subject=subject)
    return levels.learners_without_initial(learners, subject)


def _unmapped_choices() -> list[tuple[str, str]]:
    return [("yes", "Has unmapped results")]


def _unmapped_apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
    return levels.learners_with_unmapped(learners)


def _movement_choices() -> list[tuple[str, str]]:
    return [
        (movement_value(subject, movement), f"{Subject(subject).label}: {label.lower()}")
        for subject in LISTED_SUBJECTS
        for movement, label in Movement.LABELS.items()
    ]


def _movement_apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
    subject, _, movement = value.partition("_")
    return learners_moved(learners, subject=subject, movement=movement)


def _flag_apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
    return learners_flagged(learners, value) if value in FLAGS_BY_CODE else learners


def _level_sorts(subject: str) -> list[ListSort]:
    label = Subject(subject).label

    def lowest(learners: QuerySet[Learner]) -> QuerySet[Learner]:
        return levels.learners_by_level(learners, subject)

    def highest(learners: QuerySet[Learner]) -> QuerySet[Learner]:
        return levels.learners_by_level(learners, subject, descending=True)

    return [
        ListSort(f"bksb_{subject}_low", f"{label} level, lowest first", lowest, visible_to=can_see_bksb),
        ListSort(f"bksb_{subject}_high", f"{label} level, highest first", highest, visible_to=can_see_bksb),
    ]


def _may_see_reports(request: HttpRequest) -> bool:
    return can_view_bksb_reports(request.user)


def list_levels_register() -> None:
    """Put the levels on the learner list (called once, from the app's ready()), unless the
    deployment has not taken up the bksb module."""
    if not bksb_available():
        return
    for subject in LISTED_SUBJECTS:
        list_column_register(_level_column(subject))
    for subject in LISTED_SUBJECTS:
        list_filter_register(_level_filter(subject))
    for param, label, choices, apply in (
        (INITIAL_PARAM, "Initial assessment", _initial_choices, _initial_apply),
        (UNMAPPED_PARAM, "Unmapped results", _unmapped_choices, _unmapped_apply),
        (MOVEMENT_PARAM, "Level movement", _movement_choices, _movement_apply),
        (FLAG_PARAM, "Funding flag", flag_choices, _flag_apply),
    ):
        list_filter_register(ListFilter(param, label, choices, apply, visible_to=can_see_bksb))
    for subject in LISTED_SUBJECTS:
        for sort in _level_sorts(subject):
            list_sort_register(sort)
    list_link_register(ListLink(label="Reports for this cohort", url_name="bksb:reports", allowed=_may_see_reports))
