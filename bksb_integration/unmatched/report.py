"""The unmatched report's records: every record that should have a working bksb link and has not, and its kind
(rows.py says why and what to do next).

Four kinds, the first that applies naming a record's row:
- user_id_lost: a BKSB User whose stored bksb user id stopped resolving, and whose
  username names no other bksb user (bksb merged it away; sync/download.py found it);
- username_not_found: a BKSB User whose username in effect bksb does not know;
- failing: a BKSB User whose download failed on each of the last three Get Results runs;
- not_a_bksb_user: an eligible record (Live, in learning, ...) that is not a BKSB User.

One query finds them all, one counts them by kind (and why Create bksb users leaves some out); a
page or the CSV adds no query per row. Most records are on no kind (linked BKSB Users), so each query
first narrows to the few that can be (not a BKSB User, a link marked unmatched, failing in each run:
`_candidates`, read from indexes) and only then works out their kind (a CASE over the record's own
fields and uncorrelated subqueries, each hashed once), never joining every record to its link and
web user account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    Func,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Trim

from bksb_integration.accounts.eligibility import creation_eligible
from bksb_integration.matching.match_job import KIND as MATCH_KIND
from bksb_integration.models import (
    BksbLink,
    BksbSettings,
    MatchSuggestion,
    Run,
    RunLearner,
    Unmatched,
    UserCreationRequest,
)
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


def _username_in_effect() -> Case:
    """The username in effect, in SQL: the typed BKSB Username, else the web user account's name."""
    return Case(
        When(~Q(typed_username=""), then=F("typed_username")),
        default=F("web_user__user__username"),
        output_field=CharField(),
    )


def recent_runs() -> QuerySet[Run, Any]:
    """The last three finished Get Results runs, newest first."""
    runs = Run.objects.filter(kind=Run.Kind.GET_RESULTS, finished_at__isnull=False).order_by("-created_at", "-pk")
    return runs.values("pk")[:FAILED_RUNS]


def _failed_in_each() -> QuerySet[RunLearner, Any]:
    """The learners whose download failed in each of the last three runs (fewer than three runs: nobody),
    as one uncorrelated subquery (PostgreSQL hashes it once, where a correlated EXISTS would run for every
    record; the runs are a subquery too, so the report asks for them in no query of its own)."""
    failed = RunLearner.objects.filter(run_id__in=recent_runs(), status=RunLearner.Status.FAILED).values("learner_id")
    return failed.annotate(runs=Count("run_id", distinct=True)).filter(runs=FAILED_RUNS).values("learner_id")


def _links(*kinds: str) -> QuerySet[BksbLink, Any]:
    """The records whose link a download marked unmatched so (read from the partial index of marked links)."""
    return BksbLink.objects.filter(unmatched__in=kinds).values("learner_id")


def _unknown_names() -> QuerySet[Learner, Any]:
    """The records whose link is marked username_not_found for their username in effect still (a new name
    leaves the report): read from the marked links first, so only their records are joined to their link and
    web user account."""
    marked = Learner.objects.filter(_IdAmong(_links(USERNAME_NOT_FOUND))).annotate(typed_username=Trim("bksb_username"))
    marked = marked.annotate(username_in_effect=_username_in_effect())
    return marked.filter(bksb_link__unmatched_username=F("username_in_effect")).values("pk")


class _IdAmong(Func):
    """The record is one of the ids a small subquery finds: `id IN (subquery)`, and in PostgreSQL
    `id = ANY(ARRAY(subquery))`. Beside another condition in an OR, PostgreSQL checks `IN (subquery)`
    on every record of the table; the array, made once before the scan, is an index condition, so the
    OR is read from indexes (a BitmapOr) and only its rows are fetched."""

    output_field = BooleanField()
    template = "%(expressions)s"
    arg_joiner = " IN "

    def __init__(self, ids: QuerySet[Any, Any]) -> None:
        super().__init__(F("pk"), Subquery(ids))

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler, connection, arg_joiner=" = ANY(ARRAY", template="%(expressions)s)", **extra_context
        )


def _candidates(kinds: Collection[str]) -> Q:
    """A condition every record of these kinds meets, read from indexes: not a BKSB User (its partial
    index), or a BKSB User whose link is marked unmatched or who failed in each run (a few ids)."""
    candidates = Q(bksb_user=False) if NOT_A_BKSB_USER in kinds else Q(pk__in=[])
    marked = [kind for kind in (USER_ID_LOST, USERNAME_NOT_FOUND) if kind in kinds]
    if marked:
        candidates |= Q(_IdAmong(_links(*marked)))
    if FAILING in kinds:
        candidates |= Q(_IdAmong(_failed_in_each()))
    return candidates


def _kinds_of(
    *, settings: BksbSettings, today: dt.date, kinds: Collection[str], among: QuerySet[Learner] | None
) -> QuerySet[Learner]:
    """The records of these kinds, annotated with `unmatched_kind` and nothing else (no join: what the counts
    read)."""
    failing = Q(bksb_user=True, pk__in=_failed_in_each())
    lost = Q(bksb_user=True, pk__in=_links(USER_ID_LOST))
    unknown = Q(bksb_user=True, pk__in=_unknown_names())
    not_user = Q(bksb_user=False) & creation_eligible(settings=settings, today=today)
    chosen = [code for code in KINDS if code in kinds]
    records = (
        Learner.objects.filter(_candidates(chosen))
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
        .filter(unmatched_kind__in=chosen)
    )
    if among is not None:  # a caseload (learners.caseload)
        records = records.filter(pk__in=among.order_by().values("pk"))
    return records


def unmatched_records(
    *,
    settings: BksbSettings,
    today: dt.date,
    kind: str = "",
    kinds: Collection[str] = (),
    among: QuerySet[Learner] | None = None,
) -> QuerySet[Learner]:
    """Every record on the report, annotated with `unmatched_kind` and the details its row shows,
    in name order; only those of `kind` when it is one of KINDS, or of `kinds` when given."""
    chosen = [kind] if kind in KINDS else kinds or KINDS
    return (
        _kinds_of(settings=settings, today=today, kinds=chosen, among=among)
        .annotate(typed_username=Trim("bksb_username"))
        .annotate(username_in_effect=_username_in_effect())
        .annotate(
            linked_user_id=F("bksb_link__bksb_user_id"),
            creation_status=F("bksb_creation__status"),
            creation_error=F("bksb_creation__last_error"),
        )
        .order_by("last_name", "first_name", "learner_ref", "pk")
    )


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
    records = _kinds_of(settings=settings, today=today, kinds=[NOT_A_BKSB_USER], among=among)
    return (
        records.order_by("last_name", "first_name", "learner_ref", "pk")
        .filter(pk__in=_looked_for())
        .exclude(pk__in=_matched())
        .exclude(pk__in=_refused())
    )


def _left_out_reason() -> Case:
    """Why Create bksb users leaves a record that is not a BKSB User out (the first reason that applies); none
    when it offers it (creatable_records' rule). A BKSB User whose username bksb does not know is always left
    out (LEFT_OUT_UNKNOWN_NAME: unmatched_tally says so, so the kind's CASE is not written here again)."""
    return Case(
        When(pk__in=_refused(), then=Value(LEFT_OUT_REFUSED)),
        When(pk__in=_matched(), then=Value(LEFT_OUT_FOUND)),
        When(~Q(pk__in=_looked_for()), then=Value(LEFT_OUT_UNCHECKED)),
        default=None,
        output_field=CharField(),
    )


@dataclass(frozen=True)
class UnmatchedTally:
    """What the report's page counts: records by kind, how many Create bksb users offers, and why it leaves
    the others with no bksb user out."""

    counts: dict[str, int]  # {kind: count}, every kind, in the order of KINDS
    creatable: int  # creatable_records(...).count()
    left_out: dict[str, int]  # {reason: count}, in the order of LEFT_OUT_REASONS, none of 0


def unmatched_tally(
    *, settings: BksbSettings, today: dt.date, kinds: Collection[str] = KINDS, among: QuerySet[Learner] | None = None
) -> UnmatchedTally:
    """The report's counts in one query (grouped by kind and reason left out), among records of `kinds`."""
    records = _kinds_of(settings=settings, today=today, kinds=kinds, among=among).order_by()
    rows = records.annotate(left_out=_left_out_reason()).values("unmatched_kind", "left_out")
    counts, creatable, left_out = dict.fromkeys(KINDS, 0), 0, dict.fromkeys(LEFT_OUT_REASONS, 0)
    for row in rows.annotate(n=Count("pk")):
        kind, reason, n = row["unmatched_kind"], row["left_out"], row["n"]
        counts[kind] += n
        if kind == USERNAME_NOT_FOUND:
            left_out[LEFT_OUT_UNKNOWN_NAME] += n
        elif kind == NOT_A_BKSB_USER and reason is None:
            creatable += n
        elif kind == NOT_A_BKSB_USER:
            left_out[reason] += n
    return UnmatchedTally(counts, creatable, {code: n for code, n in left_out.items() if n})


def left_out_counts(
    *, settings: BksbSettings, today: dt.date, among: QuerySet[Learner] | None = None
) -> dict[str, int]:
    """{reason: count} of the report's records with no bksb user that Create bksb users leaves out (one query),
    in the order of LEFT_OUT_REASONS; a record counts under the first reason that applies."""
    return unmatched_tally(settings=settings, today=today, kinds=CREATABLE, among=among).left_out


def unmatched_counts(
    *, settings: BksbSettings, today: dt.date, among: QuerySet[Learner] | None = None
) -> dict[str, int]:
    """{kind: count} for every kind (0s included), in the order of KINDS, in one query."""
    records = _kinds_of(settings=settings, today=today, kinds=KINDS, among=among)
    # django-stubs does not follow an annotation made in another function.
    rows = records.order_by().values("unmatched_kind")  # type: ignore[misc]
    counted = {row["unmatched_kind"]: row["n"] for row in rows.annotate(n=Count("pk"))}
    return {kind: counted.get(kind, 0) for kind in KINDS}
