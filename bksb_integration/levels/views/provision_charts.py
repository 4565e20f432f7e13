"""Reports' charts with the provision types side by side: per section and subject, a bar per provision type.

Shown, with the same numbers as a table and in the CSV, to staff with View prior
attainment who ask for it (Compare provision types). Counted once for the whole
cohort by levels/cohort.py's `cohort_by_provision`, never a query per type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bksb_integration.levels.cohort import ProvisionCohort
from bksb_integration.levels.views.report_charts import (
    COLOURS,
    Cell,
    Filter,
    Section,
    TableRow,
    csv_percent,
    percent_of,
    sections,
    tally_of,
)

# (provision type's list filter value, filter) -> the list filtered to the cohort, that type and that filter
ProvisionLinkFor = Callable[[str, Filter], str]


@dataclass(frozen=True)
class ProvisionChart:
    """One subject of one section, a bar per provision type, a segment per category; the table beside it."""

    key: str  # the canvas's data-chart
    section_title: str
    subject_label: str
    columns: list[str]  # the provision types
    rows: list[TableRow]  # a row per category, a cell per provision type
    colours: list[str]  # a row's colour

    @property
    def title(self) -> str:
        return f"{self.section_title}: {self.subject_label} by provision type"

    def spec(self) -> dict[str, Any]:
        """What static/js/cohort_report.js draws: a bar per provision type."""
        return {
            "title": self.title,
            "labels": self.columns,
            "datasets": [
                {
                    "label": row.label,
                    "color": colour,
                    "data": [cell.learners for cell in row.cells],
                    "links": [cell.link for cell in row.cells],
                }
                for row, colour in zip(self.rows, self.colours, strict=True)
            ],
        }


def provision_charts(split: list[ProvisionCohort], link_for: ProvisionLinkFor) -> dict[str, list[ProvisionChart]]:
    """Each section's charts by provision type (keyed by the section's key), a chart per subject."""
    per_type = [(cohort.key, sections(cohort.report)) for cohort in split]
    columns = [cohort.label for cohort in split]
    charts: dict[str, list[ProvisionChart]] = {}
    for index, section in enumerate(per_type[0][1]):
        charts[section.key] = [
            ProvisionChart(
                f"{section.key}-{tallies.subject}",
                section.title,
                tallies.label,
                columns,
                [
                    TableRow(label, [_cell(its[index], position, key, kind, link_for) for kind, its in per_type])
                    for key, label in section.categories
                ],
                [COLOURS[key] for key, _ in section.categories],
            )
            for position, tallies in enumerate(section.subjects)
        ]
    return charts


def _cell(section: Section, position: int, key: str, provision: str, link_for: ProvisionLinkFor) -> Cell:
    tallies = section.subjects[position]
    learners = tally_of(tallies, key)
    link = section.link(lambda extra: link_for(provision, extra), tallies.subject, key)
    return Cell(learners, percent_of(learners, section.of_total(tallies)), link)


def provision_csv_rows(charts: dict[str, list[ProvisionChart]]) -> Iterator[list[str]]:
    """The charts by provision type in the report's CSV: a line per section, subject, category and provision type
    (percent: of that type's learners, or of those of them moving)."""
    for section_charts in charts.values():
        for chart in section_charts:
            for row in chart.rows:
                for provision, cell in zip(chart.columns, row.cells, strict=True):
                    learners, percent = str(cell.learners), csv_percent(cell.percent)
                    yield [chart.section_title, chart.subject_label, f"{row.label}, {provision}", learners, percent]
