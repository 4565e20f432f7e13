"""The unmatched report's rows: why each record is on it and what to do next, for a page or the CSV."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from bksb_integration.creation.user_create import creation_problems, username_default
from bksb_integration.matching.match_job import KIND as MATCH_KIND
from bksb_integration.models import BksbSettings, MatchSuggestion, RunLearner, UserCreationRequest
from bksb_integration.unmatched.report import (
    FAILED_RUNS,
    FAILING,
    KINDS,
    NOT_A_BKSB_USER,
    USER_ID_LOST,
    USERNAME_NOT_FOUND,
    recent_runs,
    unmatched_records,
)
from bksbmis.csv_export import csv_lines
from jobs.models import JobItem
from learners.models import Learner

FIND, CREATE, LINK = "Find in bksb", "Create user", "Link"
# Where each action is done: the record's BKSB tab, or its BKSB | Create user page (url names, given the record).
TAB, CREATE_USER = "bksb:tab", "bksb:create_user"
CSV_CHUNK = 1000
CSV_HEADER = ["learner_ref", "last_name", "first_name", "kind", "reason", "next_action", "username"]


@dataclass(frozen=True)
class UnmatchedRow:
    """One record's line: why it is here and what to do next (a page of the record, by url name)."""

    learner: Learner
    kind: str
    reason: str
    action: str
    action_view: str
    username: str

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def can_create(self) -> bool:
        return self.action == CREATE


def unmatched_rows(learners: Sequence[Learner]) -> list[UnmatchedRow]:
    """The rows of some records from unmatched_records (a page, a chunk of the CSV), in two queries at most:
    the failing ones' last error is read for them all at once (never inside the report's own query, where it
    would be costed for every record)."""
    failing = [learner.pk for learner in learners if learner.unmatched_kind == FAILING]  # type: ignore[attr-defined]
    errors: dict[int, str] = {}
    if failing:
        latest = recent_runs()[:1]
        rows = RunLearner.objects.filter(run_id__in=latest, learner_id__in=failing).values_list("learner_id", "error")
        errors = dict(rows)
    knowledge = _matching_knowledge([x.pk for x in learners if x.unmatched_kind == NOT_A_BKSB_USER])  # type: ignore[attr-defined]
    return [
        unmatched_row(learner, last_error=errors.get(learner.pk, ""), matching=knowledge.get(learner.pk, UNCHECKED))
        for learner in learners
    ]


UNCHECKED, FOUND, NOTHING_FOUND = "unchecked", "found", "nothing_found"


def _matching_knowledge(learner_ids: list[int]) -> dict[int, str]:
    """What matching runs learnt of these records (two queries): a bksb user found, nothing, or never asked."""
    if not learner_ids:
        return {}
    found = set(MatchSuggestion.objects.filter(learner_id__in=learner_ids).values_list("learner_id", flat=True))
    checked = set(
        JobItem.objects.filter(job__kind=MATCH_KIND, subject_id__in=learner_ids)
        .exclude(outcome__in=(JobItem.PENDING, JobItem.RUNNING))
        .values_list("subject_id", flat=True)
    )
    return {pk: FOUND if pk in found else NOTHING_FOUND if pk in checked else UNCHECKED for pk in learner_ids}


def unmatched_row(learner: Learner, *, last_error: str = "", matching: str = UNCHECKED) -> UnmatchedRow:
    """The row of a record from unmatched_records (its annotations; no query)."""
    kind: str = learner.unmatched_kind  # type: ignore[attr-defined]
    username: str = learner.username_in_effect or ""  # type: ignore[attr-defined]
    if kind == USER_ID_LOST:
        reason = (
            f"bksb no longer knows bksb user {learner.linked_user_id}, and “{username}” names no other bksb user "  # type: ignore[attr-defined]
            "(bksb may have merged the account)."
        )
        return UnmatchedRow(learner, kind, reason, FIND, TAB, username)
    if kind == USERNAME_NOT_FOUND:
        reason = f"bksb has no user called “{username}”."
        return UnmatchedRow(learner, kind, reason, FIND, TAB, username)
    if kind == FAILING:
        reason = f"The download failed on each of the last {FAILED_RUNS} Get Results runs: {last_error or 'no message'}"
        return UnmatchedRow(learner, kind, reason, LINK, TAB, username)
    return _not_a_bksb_user(learner, matching)


def _not_a_bksb_user(learner: Learner, matching: str) -> UnmatchedRow:
    status: str | None = learner.creation_status  # type: ignore[attr-defined]
    username = username_default(learner)
    if status == UserCreationRequest.Status.REFUSED:
        reason = f"Creating its bksb user was refused: {learner.creation_error}"  # type: ignore[attr-defined]
        return UnmatchedRow(learner, NOT_A_BKSB_USER, reason, FIND, TAB, username)
    reason = "Eligible for bksb, but not a BKSB User."
    # bksb may know the learner already: a second account would split their results. Look first.
    if matching == FOUND:
        reason += " A matching run found a bksb user for it: review the match and link it."
        return UnmatchedRow(learner, NOT_A_BKSB_USER, reason, LINK, TAB, username)
    if matching == UNCHECKED:
        reason += " Look for it in bksb first (Find in bksb, or Match learners for many); create its user if none."
        return UnmatchedRow(learner, NOT_A_BKSB_USER, reason, FIND, TAB, username)
    problems = creation_problems(learner=learner, username=username, email=learner.email)
    reason += " Matching found no bksb user for it."
    if problems:
        reason += " Fix the record before creating its user: " + " ".join(message for _, message in problems)
    return UnmatchedRow(learner, NOT_A_BKSB_USER, reason, CREATE, CREATE_USER, username)


def unmatched_csv_lines(
    *,
    settings: BksbSettings,
    today: dt.date,
    kind: str = "",
    narrow: Callable[[QuerySet[Learner]], QuerySet[Learner]] | None = None,
) -> Iterator[str]:
    """The report as CSV, a line at a time (spreadsheet formulas made inert); `narrow` filters the records."""
    records = unmatched_records(settings=settings, today=today, kind=kind)
    if narrow is not None:
        records = narrow(records)
    return csv_lines(itertools.chain([CSV_HEADER], _csv_rows(records)))


def _csv_rows(records: QuerySet[Learner]) -> Iterator[list[str]]:
    chunk: list[Learner] = []
    for learner in records.select_related("web_user__user").iterator(chunk_size=CSV_CHUNK):
        chunk.append(learner)
        if len(chunk) == CSV_CHUNK:
            yield from _csv_chunk(chunk)
            chunk = []
    yield from _csv_chunk(chunk)


def _csv_chunk(learners: list[Learner]) -> Iterator[list[str]]:
    for row in unmatched_rows(learners) if learners else []:
        learner = row.learner
        yield [
            learner.learner_ref,
            learner.last_name,
            learner.first_name,
            row.kind,
            row.reason,
            row.action,
            row.username,
        ]
