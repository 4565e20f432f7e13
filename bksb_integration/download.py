"""Downloading one learner's results from bksb: only what changed since last time.

bksb's result lists are newest first and have no "changed since" filter, so a
download reads pages until it reaches results older than the learner's last
download (less a safety overlap), then stores everything it read in one
transaction that also moves the last-download time. A failure part-way stores
nothing and leaves the time where it was; trying again completes the job.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from bksb_integration.client import BksbClient
from bksb_integration.connection import IntegrationNotConfigured
from bksb_integration.errors import (
    BksbAuthError,
    BksbError,
    BksbMalformedAnswer,
    BksbNotFound,
    BksbTransientError,
)
from bksb_integration.linking import LinkError, bksb_user_id_resolve, last_download_set, last_download_time, link_for
from bksb_integration.mapping import Mapper
from bksb_integration.models import BksbLink
from bksb_integration.results_store import UpsertCounts, results_upsert
from bksb_integration.usernames import username_in_effect
from learners.models import Learner

logger = logging.getLogger(__name__)

# Results are read back this far before the last download, so that nothing is
# missed around clock changes or when bksb records a result a little late.
OVERLAP = dt.timedelta(days=2)
RECORDS_PER_PAGE = 100
LIST_LABELS = {"initial": "Initial assessments", "diagnostic": "Diagnostic results"}

Progress = Callable[[str], None]


class DownloadFailed(Exception):
    """A learner's download failed; the message is fit to show staff."""


@dataclass
class DownloadResult:
    bksb_user_id: int
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    pages_read: int = 0
    incremental: bool = False


def _no_progress(stage: str) -> None:
    return None


def learner_download(
    *,
    learner: Learner,
    client: BksbClient,
    progress: Progress = _no_progress,
    mapper: Mapper | None = None,
    on_saved: Callable[[DownloadResult], None] | None = None,
) -> DownloadResult:
    """Download and store a learner's new and changed bksb results.

    on_saved runs inside the transaction that stores them (a run records its
    progress there, so results and bookkeeping commit together, in one commit).
    Raises DownloadFailed with a plain message; nothing is stored then.
    """
    try:
        return _download(learner, client, progress, mapper or Mapper.load(), on_saved)
    except DownloadFailed as exc:
        download_outcome_record(learner=learner, outcome="failed", message=str(exc))
        raise
    except (BksbError, LinkError, IntegrationNotConfigured) as exc:
        message = failure_message(exc)
        download_outcome_record(learner=learner, outcome="failed", message=message)
        raise DownloadFailed(message) from exc
    except Exception as exc:
        # A bug or a lost database connection: still tell staff, then let it be logged.
        download_outcome_record(learner=learner, outcome="failed", message=failure_message(exc))
        raise


def _download(
    learner: Learner,
    client: BksbClient,
    progress: Progress,
    mapper: Mapper,
    on_saved: Callable[[DownloadResult], None] | None,
) -> DownloadResult:
    username, _ = username_in_effect(learner)
    if not username:
        raise DownloadFailed("This record is not a BKSB User, or has no BKSB Username or web user account.")
    link = link_for(learner)
    progress("Resolving the bksb user")
    previous_user_id = link.bksb_user_id
    user_id = bksb_user_id_resolve(link=link, username=username, client=client)
    # A different bksb user (the username was changed elsewhere): read their whole history.
    since = last_download_time(learner, link) if previous_user_id in (None, user_id) else None
    started = timezone.now()
    result = DownloadResult(bksb_user_id=user_id, incremental=since is not None)
    stop_before = since - OVERLAP if since else None
    pages = {
        "initial": _read(client.initial_assessment_pages, user_id, stop_before, "initial", progress, result),
        "diagnostic": _read(client.diagnostic_assessment_pages, user_id, stop_before, "diagnostic", progress, result),
    }
    progress("Saving results")
    with transaction.atomic():
        commit_without_waiting()
        for kind, batches in pages.items():
            for batch in batches:
                counts = results_upsert(
                    kind=kind, learner_id=learner.pk, bksb_user_id=user_id, results=batch, mapper=mapper, now=started
                )
                result.counts.add(counts)
        # The new high-water mark is when reading began: anything recorded in
        # bksb while we were paging is read again next time.
        last_download_set(learner, link, started)
        download_outcome_record(learner=learner, outcome="succeeded", message=_summary(result), link=link)
        if on_saved is not None:
            on_saved(result)
    return result


def commit_without_waiting() -> None:
    """Let PostgreSQL commit this transaction without waiting for its disk flush.

    Safe here: results and the last-download time commit together, so a crash
    that loses the commit loses both, and the next download reads them again.
    It saves a disk flush per learner, which is most of a bulk run's database time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _read(fetch, user_id: int, stop_before, kind: str, progress: Progress, result: DownloadResult) -> list:
    batches = []
    for page in fetch(user_id, stop_before=stop_before, records_per_page=RECORDS_PER_PAGE):
        result.pages_read += 1
        progress(f"{LIST_LABELS[kind]} page {page.page} of {max(page.total_pages, 1)}")
        batches.append(page.results)
    return batches


def _summary(result: DownloadResult) -> str:
    c = result.counts
    return f"{c.created} new, {c.updated} updated, {c.unchanged} unchanged."


def download_outcome_record(*, learner: Learner, outcome: str, message: str, link: BksbLink | None = None) -> None:
    """The last download's outcome and message, as the BKSB tab shows them."""
    link = link or link_for(learner)
    link.last_outcome, link.last_outcome_at, link.last_message = outcome, timezone.now(), message[:500]
    # update(), not save(): an outcome is not a change to the link worth an audit row.
    BksbLink.objects.filter(pk=link.pk).update(
        last_outcome=link.last_outcome, last_outcome_at=link.last_outcome_at, last_message=link.last_message
    )


def failure_message(exc: Exception) -> str:
    """Plain words for staff; never a secret (the client's errors carry none)."""
    if isinstance(exc, (LinkError, IntegrationNotConfigured, BksbAuthError, DownloadFailed)):
        return str(exc)
    if isinstance(exc, BksbTransientError):
        return "bksb did not answer in time or is busy right now; nothing was changed. Try again later."
    if isinstance(exc, BksbMalformedAnswer):
        return "bksb answered something unexpected; nothing was changed. Try again later."
    if isinstance(exc, BksbNotFound):
        return "bksb does not know this learner's bksb user any more; check the BKSB Username."
    if isinstance(exc, BksbError):
        status = f" (HTTP {exc.status})" if exc.status else ""
        return f"bksb refused the request{status}; nothing was changed."
    return "The download failed unexpectedly; nothing was changed."
