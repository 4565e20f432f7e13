"""The kinds of job, registered by the apps that run them (in their AppConfig.ready).

This app sits below learners and bksb_integration and imports neither: each
registers its kind here with a runner, who may run (and so see) it, and the
template that shows its part of the progress window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jobs.models import Job
from permissions.access import AnyUser


class JobFailed(Exception):
    """A runner gives up with a message fit to show staff; what is already done is kept, and Try again carries on."""


class JobRefused(Exception):
    """A runner finds there is nothing it may do (e.g. the file now has bad rows): final, with a message for staff."""


@dataclass(frozen=True)
class JobEnd:
    """How a runner's work ended: `partial` when some items failed; the message is shown in the window."""

    message: str
    partial: bool = False


@dataclass(frozen=True)
class JobKind:
    code: str
    title: str  # the window's title, e.g. "Import learners"
    unit: str  # what total and done count, e.g. "rows"
    run: Callable[[Job], JobEnd]
    may_run: Callable[[AnyUser], bool]
    # The kind's part of the window, rendered with the job and what `context` adds.
    template: str
    context: Callable[[Job], Mapping[str, Any]] = field(default=lambda job: {})


_KINDS: dict[str, JobKind] = {}


def job_kind_register(kind: JobKind) -> None:
    _KINDS[kind.code] = kind


def job_kind(code: str) -> JobKind:
    """The registered kind; KeyError for a kind no installed app registers."""
    return _KINDS[code]
