"""How much work one click may queue: one unfinished job per person and kind, and a cap on a selection.

"Select all N matching this filter" can pick every record. Without bounds, a
tutor's two clicks queued two 50,000-record jobs: hours of a worker, and for
Match and Create bksb users, bksb's request budget that Get Results shares.
Past a cap the work is a command an administrator runs.
"""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import pluralize

from jobs.selectors import job_unfinished
from permissions.access import AnyUser


def waiting_job_refusal(*, kind: str, what: str, started_by: AnyUser) -> str:
    """Why this person may not queue another `what` job now (theirs is unfinished), or ''."""
    waiting = job_unfinished(kind=kind, started_by=started_by)
    if waiting is None:
        return ""
    return (
        f"Your {what} job {waiting.pk} ({intcomma(waiting.done)} of {intcomma(waiting.total)} "
        f"record{pluralize(waiting.total)}) is still {waiting.get_status_display().lower()}: "
        "each person has one at a time. Start the next once it has finished."
    )


def selection_cap_refusal(*, count: int, cap: int, what: str, command: str) -> str:
    """Why `count` selected records are too many for one `what` job from a screen, or ''."""
    if count <= cap:
        return ""
    return (
        f"You selected {intcomma(count)} records; one {what} job from a screen takes at most {intcomma(cap)}. "
        f"Narrow the filter, or ask an administrator to run {command}, which has no such limit."
    )
