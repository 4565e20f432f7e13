"""The unmatched report: every record that should have a working bksb link and has not, and what to do next.

Four kinds, the first that applies naming a record's row:
- user_id_lost: a BKSB User whose stored bksb user id stopped resolving, and whose
  username names no other bksb user (bksb merged it away; sync/download.py found it);
- username_not_found: a BKSB User whose username in effect bksb does not know;
- failing: a BKSB User whose download failed on each of the last three Get Results runs;
- not_a_bksb_user: an eligible record (Live, in learning, ...) that is not a BKSB User.

One query finds them all (the kind is a CASE over EXISTS subqueries), one counts
them by kind; a page or the CSV adds no query per row.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Trim

from bksb_integration.accounts.eligibility import creation_eligible
from bksb_integration.creation.user_create import creation_problems, username_default
from bksb_integration.matching.match_job import KIND as MATCH_KIND
from bksb_integration.models import BksbSettings, MatchSuggestion, Run, RunLearner, Unmatched, UserCreationRequest
from bksbmis.csv_export import csv_lines
from jobs.models import JobItem
from learners.models import Learner

USER_ID_LOST = Unmatched.USER_ID_LOST.value
USERNAME_NOT_FOUND = Unmatched.USERNAME_NOT_FOUND.value
FAILING = "failing"
NOT_A_BKSB_USER = "not_a_bksb_user"
KINDS = {
    USER_ID_LOST: "bksb user id stopped resolving",
    USERNAME_NOT_FOUND: "Username not found in bksb",
    FAILING: "Download failed on each of the last three runs",
    NOT_A_BKSB_USER: "Eligible, not a BKSB User",
}
# The kinds with no bksb user at all; the report's "Create bksb users" offers only those of them whose next
# action is Create user (creatable_records), and names why it leaves the others out (left_out_counts).
CREATABLE = (NOT_A_BKSB_USER, USERNAME_NOT_FOUND)
# Why a record with no bksb user is not offered to Create bksb users, and what to do instead.
LEFT_OUT_FOUND = "found"
LEFT_OUT_UNCHECKED = "unchecked"
LEFT_OUT_REFUSED = "refused"
LEFT_OUT_UNKNOWN_NAME = "unknown_name"
LEFT_OUT_REASONS = {
    LEFT_OUT_FOUND: "a matching run found a bksb user for them: review the match and link it",
    LEFT_OUT_UNCHECKED: "nobody has looked for them in bksb yet: Match learners first",
    LEFT_OUT_REFUSED: "creating their user was refused or left out before (bksb may know them): look for them in bksb",
    LEFT_OUT_UNKNOWN_NAME: "they are BKSB Users whose username bksb does not know: find them in bksb",
}
FAILED_RUNS = 3
FIND, CREATE, LINK = "Find in bksb", "Create user", "Link"
# Where each action is done: the record's BKSB tab, or its BKSB | Create user page (url names, given the record).
TAB, CREATE_USER = "bksb:tab", "bksb:create_user"
CSV_CHUNK = 1000
CSV_HEADER = ["learner_ref", "last_name", "first_name", "kind", "reason", "next_action", "username"]


def _username_in_effect() -> Case:
    """The username in effect, in SQL: the typed BKSB Username, else the web user account's name."""
    return Case(
        When(~Q(typed_username=""), then=F("typed_username")),
        default=F("web_user__user__username"),
        output_field=CharField(),
    )


def _recent_runs() -> list[int]:
    """The last three finished Get Results runs, newest first (fewer than three: nobody is "failing")."""
    runs = Run.objects.filter(kind=Run.Kind.GET_RESULTS, finished_at__isnull=False).order_by("-created_at", "-pk")
    return list(runs.values_list("pk", flat=True)[:FAILED_RUNS])


def _failed_in_each(run_ids: list[int]) -> QuerySet[RunLearner, dict[str, Any]]:
    """The learners whose download failed in each of these runs, as one uncorrelated subquery
    (PostgreSQL hashes it once, where a correlated EXISTS would run for every record)."""
    failed = RunLearner.objects.filter(run_id__in=run_ids, status=RunLearner.Status.FAILED).values("learner_id")
    return failed.annotate(runs=Count("run_id", distinct=True)).filter(runs=len(run_ids)).values("learner_id")


def unmatched_records(
    *,
    settings: BksbSettings,
    today: dt.date,
    kind: str = "",
    kinds: Collection[str] = (),
    among: QuerySet[Learner] | None = None,
) -> QuerySet[Learner]:
    """Every record on the report, annotated with `unmatched_kind` (and the details its row shows),
    in name order; only those of `kind` when it is one of KINDS, or of `kinds` when given."""
    runs = _recent_runs()
    failing = Q(pk__in=[])
    if len(runs) == FAILED_RUNS:
        failing = Q(bksb_user=True, pk__in=_failed_in_each(runs))
    lost = Q(bksb_user=True, bksb_link__unmatched=USER_ID_LOST)
    unknown = Q(
        bksb_user=True,
        bksb_link__unmatched=USERNAME_NOT_FOUND,
        bksb_link__unmatched_username=F("username_in_effect"),
    )
    not_user = Q(bksb_user=False) & creation_eligible(settings=settings, today=today)
    records = (
        Learner.objects.annotate(typed_username=Trim("bksb_username"))
        .annotate(username_in_effect=_username_in_effect())
        .annotate(
            unmatched_kind=Case(
                When(lost, then=Value(USER_ID_LOST)),
                When(unknown, then=Value(USERNAME_NOT_FOUND)),
                When(failing, then=Value(FAILING)),
                When(not_user, then=Value(NOT_A_BKSB_USER)),
                default=None,
                output_field=CharField(),
            )
        )
        .filter(unmatched_kind__isnull=False)
    )
    if kind in KINDS:
        kinds = [kind]
    if kinds:
        records = records.filter(unmatched_kind__in=list(kinds))
    if among is not None:  # a caseload (learners.caseload)
        records = records.filter(pk__in=among.order_by().values("pk"))
    return records.annotate(
        linked_user_id=F("bksb_link__bksb_user_id"),
        creation_status=F("bksb_creation__status"),
        creation_error=F("bksb_creation__last_error"),
    ).order_by("last_name", "first_name", "learner_ref", "pk")


def _matched() -> QuerySet[MatchSuggestion, Any]:
    return MatchSuggestion.objects.values("learner_id")


def _looked_for() -> QuerySet[JobItem, Any]:
    """Records a matching run has checked (its item finished), as one uncorrelated subquery."""
    items = JobItem.objects.filter(job__kind=MATCH_KIND, subject_id__isnull=False)
    return items.exclude(outcome__in=(JobItem.PENDING, JobItem.RUNNING)).values("subject_id")


def _refused() -> QuerySet[UserCreationRequest, Any]:
    return UserCreationRequest.objects.filter(status=UserCreationRequest.Status.REFUSED).values("learner_id")


def creatable_records(
    *, settings: BksbSettings, today: dt.date, among: QuerySet[Learner] | None = None
) -> QuerySet[Learner]:
    """The report's records whose next action is Create user (unmatched_row's rule, in SQL): eligible, not a
    BKSB User, looked for by a matching run that found nothing, and never refused by bksb."""
    records = unmatched_records(settings=settings, today=today, kind=NOT_A_BKSB_USER, among=among)
    return records.filter(pk__in=_looked_for()).exclude(pk__in=_matched()).exclude(pk__in=_refused())


def left_out_counts(
    *, settings: BksbSettings, today: dt.date, among: QuerySet[Learner] | None = None
) -> dict[str, int]:
    """{reason: count} of the report's records with no bksb user that Create bksb users leaves out (one query),
    in the order of LEFT_OUT_REASONS; a record counts under the first reason that applies."""
    reason = Case(
        When(unmatched_kind=USERNAME_NOT_FOUND, then=Value(LEFT_OUT_UNKNOWN_NAME)),
        When(pk__in=_refused(), then=Value(LEFT_OUT_REFUSED)),
        When(pk__in=_matched(), then=Value(LEFT_OUT_FOUND)),
        When(~Q(pk__in=_looked_for()), then=Value(LEFT_OUT_UNCHECKED)),
        default=None,
        output_field=CharField(),
    )
    records = unmatched_records(settings=settings, today=today, kinds=CREATABLE, among=among).order_by()
    rows = records.annotate(left_out=reason).filter(left_out__isnull=False).values("left_out")
    counted = {row["left_out"]: row["n"] for row in rows.annotate(n=Count("pk"))}
    return {code: counted[code] for code in LEFT_OUT_REASONS if counted.get(code)}


def unmatched_counts(
    *, settings: BksbSettings, today: dt.date, among: QuerySet[Learner] | None = None
) -> dict[str, int]:
    """{kind: count} for every kind (0s included), in the order of KINDS, in one query."""
    records = unmatched_records(settings=settings, today=today, among=among)
    # django-stubs does not follow an annotation made in another function.
    rows = records.order_by().values("unmatched_kind")  # type: ignore[misc]
    counted = {row["unmatched_kind"]: row["n"] for row in rows.annotate(n=Count("pk"))}
    return {kind: counted.get(kind, 0) for kind in KINDS}


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
        runs = _recent_runs()[:1]
        rows = RunLearner.objects.filter(run_id__in=runs, learner_id__in=failing).values_list("learner_id", "error")
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
