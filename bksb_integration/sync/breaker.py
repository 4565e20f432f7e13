"""The circuit breaker every worker of a Get Results run shares, on the run's row.

When bksb is down, trying each learner in turn burns minutes of retries per
learner. Instead, after BREAKER_THRESHOLD learners in a row fail to reach
bksb, the run pauses: no worker claims its learners, and one probe asks
bksb every PROBE_EVERY whether it is back. It then resumes (its learners are
queued again), or after GIVE_UP_AFTER it stops with "bksb unavailable",
its untried learners marked as not tried, for a person to Resume later.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import F
from django.utils import timezone

from bksb_integration.api.client import ClientOptions
from bksb_integration.api.errors import BksbAuthError, BksbError
from bksb_integration.config.connection import PROBE_USERNAME, BksbNotReady, bksb_client
from bksb_integration.models import Run, RunLearner
from bksb_integration.sync.queue import get_results_probe_queue, run_learners_download_queue
from bksb_integration.sync.runs import KEY_REFUSED, UNAVAILABLE, run_stop
from ops.metrics import RUN_PAUSES, counter_add

logger = logging.getLogger(__name__)

BREAKER_THRESHOLD = 5
PROBE_EVERY = dt.timedelta(seconds=30)
GIVE_UP_AFTER = dt.timedelta(minutes=15)
PROBE_CLIENT_OPTIONS: ClientOptions = {"timeout": 10.0, "max_retries": 0, "longest_wait": 0.0}


def run_transport_failure(*, run_id: int) -> bool:
    """Count a learner that could not reach bksb; pause the run at the threshold.

    Returns True when the run is paused (by this call or another worker's):
    the caller hands back the learners it has not started.
    """
    now = timezone.now()
    Run.objects.filter(pk=run_id).update(transport_failures=F("transport_failures") + 1)
    tripped = Run.objects.filter(
        pk=run_id, transport_failures__gte=BREAKER_THRESHOLD, paused_until__isnull=True, finished_at__isnull=True
    ).update(paused_at=now, paused_until=now + PROBE_EVERY, stage=Run.Stage.PAUSED, heartbeat_at=now)
    if tripped:
        logger.warning("Get Results run %s paused: bksb is not answering", run_id)
        counter_add(RUN_PAUSES)
        get_results_probe_queue(run_id, countdown=PROBE_EVERY.total_seconds())
        return True
    return Run.objects.filter(pk=run_id, paused_until__isnull=False).exists()


def run_probe(*, run_id: int) -> str:
    """Ask bksb whether it is back: resume the run, probe again later, or stop it.

    Returns "resumed", "waiting", "stopped" or "not-paused".
    """
    run = Run.objects.filter(pk=run_id, finished_at__isnull=True, paused_until__isnull=False).first()
    if run is None:
        return "not-paused"
    try:
        with bksb_client(**PROBE_CLIENT_OPTIONS) as client:
            client.username_exists(PROBE_USERNAME)
    except (BksbAuthError, BksbNotReady) as exc:
        run_stop(run_id=run_id, reason=KEY_REFUSED if isinstance(exc, BksbAuthError) else str(exc))
        return "stopped"
    except BksbError:
        now = timezone.now()
        if run.paused_at is not None and run.paused_at < now - GIVE_UP_AFTER:
            run_stop(run_id=run_id, reason=UNAVAILABLE)
            return "stopped"
        Run.objects.filter(pk=run_id).update(paused_until=now + PROBE_EVERY, heartbeat_at=now)
        get_results_probe_queue(run_id, countdown=PROBE_EVERY.total_seconds())
        return "waiting"
    run_unpause(run_id=run_id)
    return "resumed"


def run_unpause(*, run_id: int) -> None:
    """bksb answers again: workers may claim the run's learners; queue those waiting."""
    Run.objects.filter(pk=run_id).update(
        paused_at=None,
        paused_until=None,
        transport_failures=0,
        stage=Run.Stage.DOWNLOADING,
        heartbeat_at=timezone.now(),
    )
    waiting = RunLearner.objects.filter(run_id=run_id, status=RunLearner.Status.PENDING).order_by("pk")
    run_learners_download_queue(run_id, list(waiting.values_list("pk", flat=True)))
