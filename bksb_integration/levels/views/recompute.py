"""After a change the levels summaries depend on (a mapping, a tag rule): recompute, and tell the admin."""

from __future__ import annotations

from collections.abc import Collection

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.template.defaultfilters import pluralize

from bksb_integration.levels.recompute_job import levels_refresh_after_change
from jobs.models import Job


def levels_recompute(request: HttpRequest, learner_ids: Collection[int], *, reason: str) -> Job | None:
    """The records' levels summaries and tags follow a change: now, or as a job (returned) when many."""
    user = request.user if isinstance(request.user, User) else None
    outcome = levels_refresh_after_change(learner_ids=learner_ids, reason=reason, started_by=user)
    if isinstance(outcome, Job):
        messages.info(request, "Every record's levels and tags are being recomputed in the background.")
        return outcome
    messages.success(request, f"Levels and tags recomputed for {outcome.learners} record{pluralize(outcome.learners)}.")
    return None
