"""The matching assistant's core: which existing bksb users records could be, and linking one on confirmation.

For a batch of records it builds each one's candidates (candidates.py), probes
them all at once (probes.py: each username once a day, on the shared budget),
and turns the ones bksb knows into suggestions, each saying whether another
record already holds that bksb user. Linking a suggestion is Apply with that
name (linking.py: the same advisory lock and holder check), attributed in the
audit trail to whoever or whatever confirmed it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from django.contrib.auth.models import User

from bksb_integration.accounts.linking import LinkError, is_linked, link_apply, link_for
from bksb_integration.accounts.usernames import web_user_of
from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbAuthError, BksbError
from bksb_integration.matching.candidates import STRONG, Candidate, settings_candidates
from bksb_integration.matching.probes import ProbeAnswer, probes_cached, usernames_probe
from bksb_integration.models import BksbLink, BksbSettings, MatchSuggestion
from learners.models import Learner


@dataclass(frozen=True)
class Suggestion:
    """A candidate bksb knows: its user id, why it was proposed, how strong, and who (else) holds it."""

    username: str
    bksb_user_id: int
    reason: str
    strength: str
    held_by: Learner | None = None

    @property
    def strong(self) -> bool:
        return self.strength == STRONG


@dataclass
class RecordMatch:
    learner: Learner
    candidates: list[Candidate]
    suggestions: list[Suggestion] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def records_match(
    *,
    learners: Sequence[Learner],
    settings: BksbSettings,
    ask: Callable[[str], ProbeAnswer],
    pool: Executor | None = None,
) -> list[RecordMatch]:
    """Each record's suggestions; every username is probed once however many records propose it.

    Queries: one for the cached answers, one to store new ones, one for holders.
    """
    matches = [RecordMatch(learner, settings_candidates(learner, settings)) for learner in learners]
    names = [candidate.username for match in matches for candidate in match.candidates]
    answers = usernames_probe(usernames=names, ask=ask, pool=pool)
    for match in matches:
        seen: set[int] = set()
        for candidate in match.candidates:
            answer = answers.get(candidate.username)
            if answer is None:
                continue
            if answer.error:
                match.errors.append(f"{candidate.username}: {answer.error}")
            elif answer.bksb_user_id is not None and answer.bksb_user_id not in seen:
                seen.add(answer.bksb_user_id)
                match.suggestions.append(
                    Suggestion(candidate.username, answer.bksb_user_id, candidate.reason, candidate.strength)
                )
    _holders_add(matches)
    return matches


def _holders_add(matches: list[RecordMatch]) -> None:
    """Mark each suggestion held by another BKSB User record (one query)."""
    user_ids = {s.bksb_user_id for match in matches for s in match.suggestions}
    holding: dict[int, list[Learner]] = {}
    links = BksbLink.objects.filter(bksb_user_id__in=user_ids, learner__bksb_user=True).select_related("learner")
    for link in links.order_by("learner__learner_ref"):
        holding.setdefault(link.bksb_user_id or 0, []).append(link.learner)
    for match in matches:
        match.suggestions = [
            Suggestion(
                s.username,
                s.bksb_user_id,
                s.reason,
                s.strength,
                next((held for held in holding.get(s.bksb_user_id, []) if held.pk != match.learner.pk), None),
            )
            for s in match.suggestions
        ]


def preselected(suggestions: Sequence[Suggestion], *, suggested_elsewhere: bool) -> bool:
    """Ticked for the reviewer (and linked by "strong unique" runs): strong, alone, held by nobody, for nobody else."""
    if len(suggestions) != 1:
        return False
    only = suggestions[0]
    return only.strong and only.held_by is None and not suggested_elsewhere


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    message: str


def suggestion_link(
    *, learner: Learner, username: str, client: BksbClient | None, reason: str, by: User | None
) -> LinkResult:
    """Link the record to the bksb user `username` as Apply would; `reason` notes in the audit trail why.

    Never links a record already linked, or one whose stored results came from
    another bksb user (that needs a person on its BKSB tab). A refused key raises.
    """
    if is_linked(learner):
        return LinkResult(False, "Already linked to a bksb user: nothing changed.")
    web_user = web_user_of(learner)
    # The web user's own name stays blank (the tab's "blank = the web user's name").
    typed = "" if web_user is not None and web_user.username == username else username
    link = link_for(learner)
    for row in (learner, link):
        row._change_reason = reason[:100]  # type: ignore[union-attr]
        row._history_user = by  # type: ignore[union-attr]
    try:
        outcome = link_apply(learner=learner, bksb_user=True, username=typed, client=client)
    except LinkError as exc:
        return LinkResult(False, str(exc))
    except BksbAuthError:
        raise
    except BksbError as exc:
        return LinkResult(False, f"bksb could not be asked: {exc}")
    if outcome.needs_confirmation:
        return LinkResult(False, "Its stored results are from another bksb user: link it on its BKSB tab to confirm.")
    return LinkResult(True, outcome.message)


# -- before creating a bksb user: does bksb know the record already? ------------------------------


@dataclass(frozen=True)
class KnownMatch:
    """A bksb user found for a record that has none: a reason never to create it a second one."""

    username: str
    bksb_user_id: int
    strength: str
    reason: str
    held_by: Learner | None = None
    review_job_id: int | None = None  # the matching run whose review page lists it (None: found by asking now)

    def describe(self) -> str:
        held = f", already linked to {self.held_by.full_name} ({self.held_by.learner_ref})" if self.held_by else ""
        return f"{self.username} (bksb user {self.bksb_user_id}, {self.strength} match: {self.reason}{held})"


@dataclass(frozen=True)
class KnownMatches:
    """What is known of a record's bksb user before creating one: the matches, and the names bksb could
    not be asked about (then nobody can say there is none)."""

    matches: list[KnownMatch]
    errors: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.matches)

    def describe(self) -> str:
        return "; ".join(match.describe() for match in self.matches)


def matches_found(*, learner: Learner, settings: BksbSettings, ask: Callable[[str], ProbeAnswer]) -> KnownMatches:
    """Ask bksb about the record's candidates, the same ones matching asks (a name answered today is not asked
    again), and add what earlier matching runs found for it (possible and held matches included)."""
    match = records_match(learners=[learner], settings=settings, ask=ask)[0]
    found = [KnownMatch(s.username, s.bksb_user_id, s.strength, s.reason, s.held_by) for s in match.suggestions]
    return KnownMatches(_with_runs(learner, found), match.errors)


def matches_known(*, learner: Learner, settings: BksbSettings) -> KnownMatches:
    """The same from what is stored alone, with no request: earlier matching runs, and today's answers of bksb
    about the record's candidates (for a page, which must not wait on bksb)."""
    candidates = settings_candidates(learner, settings)
    answers = probes_cached(candidate.username for candidate in candidates)
    found = [
        KnownMatch(c.username, answer.bksb_user_id, c.strength, c.reason)
        for c in candidates
        if (answer := answers.get(c.username)) is not None and answer.bksb_user_id is not None
    ]
    return KnownMatches(_with_runs(learner, _holders_of(learner, found)))


def _holders_of(learner: Learner, found: list[KnownMatch]) -> list[KnownMatch]:
    links = BksbLink.objects.filter(bksb_user_id__in={m.bksb_user_id for m in found}, learner__bksb_user=True).exclude(
        learner=learner
    )
    holders = {link.bksb_user_id: link.learner for link in links.select_related("learner")}
    return [KnownMatch(m.username, m.bksb_user_id, m.strength, m.reason, holders.get(m.bksb_user_id)) for m in found]


def _with_runs(learner: Learner, found: list[KnownMatch]) -> list[KnownMatch]:
    """Add the suggestions of the matching runs that looked at the record (newest run first), one per bksb user."""
    seen = {m.bksb_user_id for m in found}
    rows = MatchSuggestion.objects.filter(learner=learner).select_related("held_by").order_by("-job_id", "position")
    for row in rows:
        if row.bksb_user_id in seen:
            found = [
                KnownMatch(m.username, m.bksb_user_id, m.strength, m.reason, m.held_by, m.review_job_id or row.job_id)
                if m.bksb_user_id == row.bksb_user_id
                else m
                for m in found
            ]
            continue
        seen.add(row.bksb_user_id)
        found.append(KnownMatch(row.username, row.bksb_user_id, row.strength, row.reason, row.held_by, row.job_id))
    return found
