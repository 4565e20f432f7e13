"""The one sweeper: what beat runs every minute to take up the work of workers that died.

Each engine user registers how to find and queue again its own stalled work
(the jobs here; the download runs from bksb_integration), so one schedule
recovers everything and this app imports none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

_SWEEPERS: dict[str, Callable[[], int]] = {}


def sweeper_register(name: str, sweep: Callable[[], int]) -> None:
    """Add a sweep (returns how many things it queued again) under a name for the log."""
    _SWEEPERS[name] = sweep


def work_sweep() -> dict[str, int]:
    """Run every registered sweep; one failing never stops the others. {name: things queued again}."""
    queued: dict[str, int] = {}
    for name, sweep in _SWEEPERS.items():
        try:
            queued[name] = sweep()
        except Exception:
            logger.exception("sweep %s failed", name)
    return queued
