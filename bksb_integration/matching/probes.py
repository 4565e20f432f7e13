"""Asking bksb whether candidate usernames exist, each at most once a day.

One getUserId per username answers both questions (does it exist, and which
bksb user is it), so that is the only call made. bksb's answer is kept in
UsernameProbe for PROBE_TTL, in the database so every worker and every restart
shares it; a failed request (timeout, 5xx, odd answer) is never kept, so it is
asked again next time rather than remembered as "not found". A refused key
(BksbAuthError) is not one username's failure: it propagates and stops the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass

from django.utils import timezone

from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbAuthError, BksbError, BksbUserNotFound
from bksb_integration.matching.candidates import normalised
from bksb_integration.models import UsernameProbe
from bksbmis.upsert import upsert_by_key

PROBE_TTL = dt.timedelta(days=1)


@dataclass(frozen=True)
class ProbeAnswer:
    """What bksb said of one username: its user id, None for "no such user", or the error that stopped the ask."""

    username: str
    bksb_user_id: int | None
    error: str = ""
    cached: bool = False

    @property
    def found(self) -> bool:
        return self.bksb_user_id is not None


def probes_cached(usernames: Iterable[str], *, now: dt.datetime | None = None) -> dict[str, ProbeAnswer]:
    """The answers bksb gave within PROBE_TTL, by normalised username (one query)."""
    since = (now or timezone.now()) - PROBE_TTL
    keys = {normalised(name) for name in usernames}
    rows = UsernameProbe.objects.filter(username__in=keys, probed_at__gte=since).values_list("username", "bksb_user_id")
    return {name: ProbeAnswer(name, user_id, cached=True) for name, user_id in rows}


def probe_ask(client: BksbClient, username: str) -> ProbeAnswer:
    """Ask bksb once (the client's throttle draws on the shared budget); errors are the answer's, not raised."""
    try:
        return ProbeAnswer(username, client.get_user_id(username))
    except BksbUserNotFound:
        return ProbeAnswer(username, None)
    except BksbAuthError:
        raise
    except BksbError as exc:
        return ProbeAnswer(username, None, error=str(exc) or type(exc).__name__)


def probes_store(answers: Iterable[ProbeAnswer]) -> None:
    """Keep bksb's answers (never errors) with the time asked, replacing older ones, in one statement."""
    now = timezone.now()
    rows = {
        answer.username: {"username": answer.username, "bksb_user_id": answer.bksb_user_id, "probed_at": now}
        for answer in answers
        if not answer.error and not answer.cached
    }
    upsert_by_key(UsernameProbe, rows.values(), key=("username",), update=("bksb_user_id", "probed_at"))


def usernames_probe(
    *, usernames: Iterable[str], ask: Callable[[str], ProbeAnswer], pool: Executor | None = None
) -> dict[str, ProbeAnswer]:
    """Every username's answer: from the day's cache, else asked (in parallel on `pool` if given), then kept.

    `ask` is probe_ask bound to a client; with a pool it must be safe to call from
    its threads (the caller gives each thread its own client).
    """
    keys = list(dict.fromkeys(normalised(name) for name in usernames if normalised(name)))
    answers = probes_cached(keys)
    missing = [name for name in keys if name not in answers]
    asked = list(pool.map(ask, missing)) if pool is not None and len(missing) > 1 else [ask(n) for n in missing]
    probes_store(asked)
    answers.update({answer.username: answer for answer in asked})
    return answers


def probes_prune(*, now: dt.datetime | None = None) -> int:
    """Forget answers older than PROBE_TTL (they are never used again)."""
    deleted, _ = UsernameProbe.objects.filter(probed_at__lt=(now or timezone.now()) - PROBE_TTL).delete()
    return deleted
