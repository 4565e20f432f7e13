"""The BKSB tab's results tables: the newest few of each list, and all of one on request.

A learner with hundreds of results would otherwise get a tab thousands of
pixels long, with the diagnostic table at the very bottom. Which lists are
shown whole is in the query string (?all=initial), so Show all is a plain link.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict

from bksb_integration.levels.learner_results import LearnerResults
from bksb_integration.models.results import AssessmentResult

NEWEST_SHOWN = 20
# (key, title, has a score column); the key is the list's name in ?all= and in the table's id.
LISTS = (("initial", "Initial assessment results", False), ("diagnostic", "Diagnostic results", True))


@dataclass(frozen=True)
class ResultTable:
    key: str
    title: str
    scores: bool
    rows: list[AssessmentResult]
    total: int
    whole: bool
    # The query string that shows this table the other way (whole or newest only), others unchanged.
    toggle_query: str

    @property
    def dom_id(self) -> str:
        return f"bksb-{self.key}"

    @property
    def cut(self) -> bool:
        return len(self.rows) < self.total

    @property
    def newest(self) -> int:
        return NEWEST_SHOWN

    @property
    def can_shorten(self) -> bool:
        return self.whole and self.total > NEWEST_SHOWN


def lists_shown_whole(query: QueryDict) -> set[str]:
    return {key for key, _, _ in LISTS} & set(query.getlist("all"))


def whole_query(whole: set[str]) -> str:
    return urlencode([("all", key) for key, _, _ in LISTS if key in whole])


def result_tables(results: LearnerResults, whole: set[str]) -> list[ResultTable]:
    tables = []
    for key, title, scores in LISTS:
        rows = getattr(results, key)
        shown = key in whole
        toggled = whole - {key} if shown else whole | {key}
        visible = rows if shown else rows[:NEWEST_SHOWN]
        tables.append(ResultTable(key, title, scores, visible, len(rows), shown, whole_query(toggled)))
    return tables
