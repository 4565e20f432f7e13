"""Creating bksb users for many records at once, from the learner list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from bksb_integration import user_creation as uc
from bksb_integration.client import BksbClient
from bksb_integration.models import BksbSettings
from bksb_integration.usernames import effective_bksb_username
from learners.models import Learner

# Done in the request: two or three bksb calls per record keeps this well under a minute.
BULK_LIMIT = 200
NOT_SENT = "not_sent"
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
    requested_by: AbstractBaseUser | None,
    client: BksbClient,
    settings: BksbSettings | None = None,
) -> list[BulkLine]:
    """Create a bksb user for each record with the defaults of the review form.

    Each record goes through bksb_user_create, so it is as safe to repeat as a
    single creation. Raises CreationNotPossible when the settings forbid any.
    """
    settings = settings or BksbSettings.load()
    problem = uc.settings_problem(settings)
    if problem:
        raise uc.CreationNotPossible(problem)
    learners = Learner.objects.filter(pk__in=learner_ids[:BULK_LIMIT]).select_related("web_user__user")
    return [
        _one(learner, requested_by, client, settings)
        for learner in learners.order_by("last_name", "first_name", "learner_ref")
    ]


def _one(
    learner: Learner, requested_by: AbstractBaseUser | None, client: BksbClient, settings: BksbSettings
) -> BulkLine:
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
    if outcome.result == uc.TAKEN:
        message += " Open the record to link it to that user or choose another name."
    return BulkLine(learner, outcome.result, message, outcome.username, outcome.bksb_user_id)
