"""The cohort report as the page draws it: charts' data, tables' rows and the CSV, each count linked.

Every count links to the learner list filtered to the cohort and to that count's
category, through the list's own query-string filters (web/list_levels.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bksb_integration.levels.cohort import ASSESSED, CohortReport, SubjectTallies
from bksb_integration.levels.params import (
    FLAG_PARAM,
    INITIAL_PARAM,
    MOVEMENT_PARAM,
    initial_value,
    level_param,
    movement_value,
)
from bksb_integration.models import Level

# (subject, category key) -> (list filter name, value)
Filter = tuple[str, str]
LinkFor = Callable[[Filter], str]

COLOURS = {
    Level.PRE_ENTRY: "#b42318",
    Level.ENTRY_1: "#e8590c",
    Level.ENTRY_2: "#f59f00",
    Level.ENTRY_3: "#fcc419",
    Level.LEVEL_1: "#94d82d",
    Level.LEVEL_2: "#37b24d",
    Level.LEVEL_3: "#0b7285",
    "unmapped": "#868e96",
    "none": "#dee2e6",
    ASSESSED: "#37b24d",
    "up": "#37b24d",
    "same": "#4dabf7",
    "down": "#e03131",
    "no_diagnostic": "#dee2e6",
}


@dataclass(frozen=True)
class Section:
    """One chart and the table beside it: a stacked bar per subject, a segment per category."""

    key: str
    title: str
    caption: str
    subjects: list[SubjectTallies]
    filter_for: Callable[[str, str], Filter]
    of_total: Callable[[SubjectTallies], int]
    # Counts the learner list has a filter for, so each links to those learners.
    linked: bool = True

    def link(self, link_for: LinkFor, subject: str, key: str) -> str:
        return link_for(self.filter_for(subject, key)) if self.linked else ""

    @property
    def column_labels(self) -> list[str]:
        return [tallies.label for tallies in self.subjects]

    @property
    def categories(self) -> list[tuple[str, str]]:
        return [(tally.key, tally.label) for tally in self.subjects[0].tallies]


def _levels(report: CohortReport) -> Section:
    if report.counts_judgements:
        return Section(
            "levels",
            "Latest levels: tutors' judgements",
            "Learners by their newest professional judgement in each subject, counted instead of the bksb results "
            "(which are unchanged); the learner list has no filter for judgements, so these numbers are not links",
            report.levels,
            lambda subject, key: ("", key),
            lambda _: report.size,
            linked=False,
        )
    return Section(
        "levels",
        "Latest levels",
        "Counted from the bksb results: learners by their latest level in each subject (initial assessment or "
        "diagnostic, whichever is newer)",
        report.levels,
        lambda subject, key: (level_param(subject), key),
        lambda _: report.size,
    )


def sections(report: CohortReport) -> list[Section]:
    return [
        _levels(report),
        Section(
            "assessed",
            "Assessed and not yet assessed",
            "Learners with an initial assessment in each subject, and those without one yet",
            report.assessed,
            lambda subject, key: (INITIAL_PARAM, initial_value(subject, key == ASSESSED)),
            lambda _: report.size,
        ),
        Section(
            "movement",
            "From initial assessment to latest diagnostic",
            "Learners with an initial assessment level, by how their latest diagnostic level compares with it",
            report.movement,
            lambda subject, key: (MOVEMENT_PARAM, movement_value(subject, key)),
            lambda tallies: tallies.total,
        ),
    ]


def chart_data(report: CohortReport, link_for: LinkFor) -> dict[str, Any]:
    """What static/js/cohort_report.js draws (handed over in a json_script element)."""
    charts = {}
    for section in sections(report):
        charts[section.key] = {
            "title": section.title,
            "labels": [tallies.label for tallies in section.subjects],
            "datasets": [
                {
                    "label": label,
                    "color": COLOURS[key],
                    "data": [tally_of(tallies, key) for tallies in section.subjects],
                    "links": [section.link(link_for, tallies.subject, key) for tallies in section.subjects],
                }
                for key, label in section.categories
            ],
        }
    return {"size": report.size, "charts": charts}


@dataclass(frozen=True)
class Cell:
    learners: int
    percent: float | None
    link: str


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[Cell]


def flag_rows(report: CohortReport, link_for: LinkFor) -> list[TableRow]:
    """The funding flags' table: a row per flag, its count linked to the list filtered by it."""
    return [
        TableRow(
            tally.label,
            [Cell(tally.learners, percent_of(tally.learners, report.size), link_for((FLAG_PARAM, tally.key)))],
        )
        for tally in report.flags
    ]


def table_rows(section: Section, link_for: LinkFor) -> list[TableRow]:
    """The table beside a chart: a row per category, a column per subject."""
    return [
        TableRow(
            label,
            [
                Cell(
                    tally_of(tallies, key),
                    percent_of(tally_of(tallies, key), section.of_total(tallies)),
                    section.link(link_for, tallies.subject, key),
                )
                for tallies in section.subjects
            ],
        )
        for key, label in section.categories
    ]


def csv_rows(report: CohortReport) -> Iterator[list[str]]:
    """The report as CSV: section, subject, category, learners, percent (of the cohort, or of those moving)."""
    yield ["section", "subject", "category", "learners", "percent"]
    yield ["Cohort", "", "Learners in the cohort", str(report.size), ""]
    for section in sections(report):
        for tallies in section.subjects:
            for tally in tallies.tallies:
                percent = percent_of(tally.learners, section.of_total(tallies))
                yield [section.title, tallies.label, tally.label, str(tally.learners), csv_percent(percent)]
    for tally in report.flags:
        percent = percent_of(tally.learners, report.size)
        yield ["Funding flags", "", tally.label, str(tally.learners), csv_percent(percent)]
    for grid in report.grids:
        for (initial, diagnostic), learners in sorted(grid.cells.items(), key=_grid_order):
            category = f"{Level(initial).label} to {Level(diagnostic).label}"
            yield ["Initial to diagnostic, by level", grid.label, category, str(learners), ""]


def _grid_order(item: tuple[tuple[str, str], int]) -> tuple[int, int]:
    (initial, diagnostic), _ = item
    return Level.values.index(initial), Level.values.index(diagnostic)


def tally_of(tallies: SubjectTallies, key: str) -> int:
    return next(tally.learners for tally in tallies.tallies if tally.key == key)


def percent_of(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def csv_percent(percent: float | None) -> str:
    return "" if percent is None else f"{percent:.1f}"


@dataclass(frozen=True)
class GridTable:
    label: str
    total: int
    columns: list[str]
    rows: list[tuple[str, list[int]]]


def grid_tables(report: CohortReport) -> list[GridTable]:
    """Each subject's initial-against-diagnostic counts as a table, every level a row and a column."""
    return [
        GridTable(
            grid.label,
            sum(grid.cells.values()),
            [label for _, label in Level.choices],
            [
                (label, [grid.count(initial, diagnostic) for diagnostic in Level.values])
                for initial, label in Level.choices
            ],
        )
        for grid in report.grids
    ]
