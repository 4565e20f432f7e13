"""Creating bksb users for many records at once, from the learner list."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User

from bksb_integration.accounts import user_creation as uc
from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.api.client import BksbClient
from bksb_integration.models import BksbSettings
from learners.models import Learner

# Done in the request, so it is kept small and stops sending after TIME_BUDGET seconds:
# the record being created then still finishes well inside the web worker's 60 s timeout.
BULK_LIMIT = 50
TIME_BUDGET = 20.0
NOT_SENT = "not_sent"
OUT_OF_TIME = "out_of_time"
LABELS = {
    uc.CREATED: "Created",
    uc.FOUND_AFTER_TIMEOUT: "Created",
    uc.ALREADY_CREATED: "Already had a bksb user",
    uc.TAKEN: "Username taken",
    uc.REFUSED: "Refused by bksb",
    uc.UNCERTAIN: "Not confirmed",
    uc.IN_PROGRESS: "In progress elsewhere",
    uc.FAILED: "Failed",
    NOT_SENT: "Not sent",
    OUT_OF_TIME: "Not sent (time limit; submit them again)",
}


@dataclass(frozen=True)
class BulkLine:
    learner: Learner
    result: str
    message: str
    username: str
    bksb_user_id: int | None = None

    @property
    def label(self) -> str:
        return LABELS[self.result]

    @property
    def ok(self) -> bool:
        return self.result in (uc.CREATED, uc.FOUND_AFTER_TIMEOUT, uc.ALREADY_CREATED)


def bulk_summary(lines: Iterable[BulkLine]) -> dict[str, int]:
    """{label: count}, in the order of LABELS."""
    counts = Counter(line.label for line in lines)
    return {label: counts[label] for label in dict.fromkeys(LABELS.values()) if counts[label]}


def bksb_users_bulk_create(
    *,
    learner_ids: list[int],
    requested_by: User | None,
    client: BksbClient,
    settings: BksbSettings | None = None,
    time_budget: float = TIME_BUDGET,
    clock: Callable[[], float] = time.monotonic,
) -> list[BulkLine]:
    """Create a bksb user for each record with the defaults of the review form.

    Each record goes through bksb_user_create, so it is as safe to repeat as a
    single creation. Once `time_budget` seconds have passed no new creation is
    started: the remaining records are reported as not sent, with nothing
    written for them. Raises CreationNotPossible when the settings forbid any.
    """
    settings = settings or BksbSettings.load()
    problem = uc.settings_problem(settings)
    if problem:
        raise uc.CreationNotPossible(problem)
    learners = Learner.objects.filter(pk__in=learner_ids[:BULK_LIMIT]).select_related("web_user__user")
    deadline = clock() + time_budget
    lines: list[BulkLine] = []
    for learner in learners.order_by("last_name", "first_name", "learner_ref"):
        if clock() < deadline:
            lines.append(_one(learner, requested_by, client, settings))
        else:
            message = "Nothing was sent to bksb for this record: select it and submit again."
            lines.append(BulkLine(learner, OUT_OF_TIME, message, ""))
    return lines


def _one(learner: Learner, requested_by: User | None, client: BksbClient, settings: BksbSettings) -> BulkLine:
    if uc.is_linked(learner):
        username = effective_bksb_username(learner)
        return BulkLine(learner, uc.ALREADY_CREATED, f"Already linked to bksb user {username}.", username)
    username, email = uc.username_default(learner), learner.email
    problems = uc.creation_problems(learner=learner, username=username, email=email)
    if problems:
        return BulkLine(learner, NOT_SENT, " ".join(message for _, message in problems), username)
    outcome = uc.bksb_user_create(
        learner=learner,
        username=username,
        email=email,
        auto_enrol=settings.auto_enrol_courses,
        requested_by=requested_by,
        client=client,
        settings=settings,
    )
    message = outcome.message
    if outcome.result == uc.TAKEN and outcome.held_by is None:
        message += " Open the record to link it to that user or choose another name."
    return BulkLine(learner, outcome.result, message, outcome.username, outcome.bksb_user_id)
