"""Which records should get a bksb user, and creating them automatically after imports and each night.

"Unlinked eligible" records are those Get Results would download if they were
BKSB Users (Live, in learning or lately ended, applicants as the settings say)
and are not: `bksb_create_user --all-unlinked` creates users for all of them.
When an admin switches automatic creation on (Integrations > bksb > Automatic
users; off by default), the new ones among them (never tried: a record whose
creation bksb refused, e.g. a taken name, waits for a person) get a bksb user,
and optionally an invite, through the same Create bksb users job and rules.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from bksb_integration.accounts.eligibility import creation_eligible
from bksb_integration.config.connection import bksb_readiness
from bksb_integration.creation.user_create import CreationNotPossible, settings_problem
from bksb_integration.creation.users_job import IntakeOptions, bksb_users_create_start
from bksb_integration.models import BksbSettings, UserCreationRequest
from jobs.models import Job
from learners.models import Learner

logger = logging.getLogger(__name__)


def unlinked_eligible(*, settings: BksbSettings, today: dt.date) -> QuerySet[Learner]:
    """Eligible records with no bksb user, in name order."""
    created = UserCreationRequest.objects.filter(status=UserCreationRequest.Status.CREATED)
    return (
        Learner.objects.filter(creation_eligible(settings=settings, today=today), bksb_user=False)
        .exclude(pk__in=created.values("learner_id"))
        .order_by("last_name", "first_name", "learner_ref")
    )


def new_unlinked_eligible(*, settings: BksbSettings, today: dt.date) -> QuerySet[Learner]:
    """Those of them never tried: what automatic creation takes."""
    tried = UserCreationRequest.objects.values("learner_id")
    return unlinked_eligible(settings=settings, today=today).exclude(pk__in=tried)


def auto_create_start(*, reason: str) -> Job | None:
    """If automatic creation is on and bksb ready, start a Create bksb users job for the new
    unlinked eligible records; None when it is off, not possible, or there is nobody new."""
    settings = BksbSettings.load()
    if not settings.auto_create_users:
        return None
    readiness = bksb_readiness(settings)
    problem = settings_problem(settings) if readiness.ready else readiness.reason
    if problem:
        logger.info("automatic bksb users after %s skipped: %s", reason, problem)
        return None
    ids = list(new_unlinked_eligible(settings=settings, today=timezone.localdate()).values_list("pk", flat=True))
    if not ids:
        return None
    options = IntakeOptions(invite=settings.auto_create_invite)
    try:
        job = bksb_users_create_start(learner_ids=ids, started_by=None, options=options, automatic=True)
    except CreationNotPossible as exc:
        logger.info("automatic bksb users after %s skipped: %s", reason, exc)
        return None
    logger.info("automatic bksb users after %s: job %s for %s records", reason, job.pk, len(ids))
    return job


def after_learners_imported(sender: Any, **kwargs: Any) -> None:
    """learners.signals.learners_imported: new records may need a bksb user."""
    auto_create_start(reason="an import")
