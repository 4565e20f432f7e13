"""How long a run will take: the requests still to make, at the budget's rate.

Every request to bksb draws on one budget (budget.py) of `requests_per_second`, so a
run cannot finish sooner than its requests left divided by that rate. The requests
a learner costs are what this run's learners have cost so far, once a few are done;
before that, what a download typically costs: a first download (the learner's whole
history: results, sessions and the skills reports that matter now) more than a later
one (two result lists with nothing new). Once a run has a pace, the estimate is never
shorter than that pace says (bksb's latency, or other runs sharing the budget).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from bksb_integration.models import Run, RunLearner
from learners.models import Learner

# What a download costs before this run has measured it (make bench-bulk, issue 19):
# a first download reads 2 result lists, 2 session lists and about 1 skills report a subject.
FIRST_DOWNLOAD_REQUESTS = 5.0
LATER_DOWNLOAD_REQUESTS = 2.0
# Below this many learners done, this run's own cost per learner is mostly noise.
MEASURED_AFTER = 3


@dataclass(frozen=True)
class Estimate:
    """The time left, and what it rests on (requests left and the rate), so staff can check it."""

    requests: int
    rate: float
    seconds: float

    @property
    def duration(self) -> str:
        if self.seconds < 60:
            return "less than a minute"
        minutes = round(self.seconds / 60)
        if minutes < 90:
            return f"about {minutes} min"
        return f"about {self.seconds / 3600:.1f} h"

    @property
    def basis(self) -> str:
        return f"about {self.requests:,} requests to bksb at {self.rate:g} a second"

    @property
    def text(self) -> str:
        """“about 12 min left (about 7,200 requests to bksb at 10 a second)”."""
        return f"{self.duration} left ({self.basis})"


def never_downloaded() -> Q:
    """Records whose results were never downloaded (the last download is on the web user account when there is one)."""
    no_web_user = Q(web_user__isnull=True) & (Q(bksb_link__isnull=True) | Q(bksb_link__last_download_at__isnull=True))
    return no_web_user | Q(web_user__isnull=False, web_user__bksb_updated__isnull=True)


def population_estimate(*, learners: QuerySet[Learner], rate: float) -> tuple[int, int, Estimate]:
    """Before a run: (learners, of them never downloaded, the estimate), in one query."""
    total = learners.count()
    first = learners.filter(never_downloaded()).count() if total else 0
    requests = math.ceil(first * FIRST_DOWNLOAD_REQUESTS + (total - first) * LATER_DOWNLOAD_REQUESTS)
    return total, first, Estimate(requests, rate, requests / rate)


def run_estimate(run: Run, *, rate: float, now: dt.datetime, first_downloads: int | None = None) -> Estimate | None:
    """The time a live run has left; None when finished, paused, or its learners are not counted yet.

    `first_downloads`: how many of its learners still to do were never downloaded, when the
    caller read it for many runs at once (runs_first_downloads); else it is read here when needed.
    """
    if run.is_finished or run.is_paused or run.planned_at is None or not run.learners_total:
        return None
    done, left = run.learners_done, max(0, run.learners_total - run.learners_done)
    if done >= MEASURED_AFTER and run.requests_made:
        requests = math.ceil(left * run.requests_made / done)
    else:
        # Not measured yet: the first seconds of a run only, so this is asked a few times at most.
        if first_downloads is None:
            first_downloads = runs_first_downloads(run_ids=[run.pk]).get(run.pk, 0)
        first = min(left, first_downloads)
        requests = math.ceil(first * FIRST_DOWNLOAD_REQUESTS + (left - first) * LATER_DOWNLOAD_REQUESTS)
    seconds = requests / rate
    if done >= MEASURED_AFTER:
        elapsed = (now - (run.started_at or run.created_at)).total_seconds()
        seconds = max(seconds, elapsed * left / done)
    return Estimate(requests, rate, seconds)


def runs_first_downloads(*, run_ids: list[int]) -> dict[int, int]:
    """Per run, its learners still to do that were never downloaded (one query for any number of runs)."""
    if not run_ids:
        return {}
    waiting = RunLearner.objects.filter(run_id__in=run_ids, finished_at__isnull=True)
    never = Learner.objects.filter(never_downloaded()).values("pk")
    rows = waiting.filter(learner_id__in=never).values("run_id").annotate(count=Count("pk")).order_by()
    return {row["run_id"]: row["count"] for row in rows}
