"""What the next retention run will do, in words and numbers: the Retention page and `--dry-run` read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bksbmis.dates import uk_date
from learners.models import Learner
from privacy.models import RecordKind
from privacy.retention import Periods, RetentionPlan, retention_plan

SHOWN = 100


@dataclass(frozen=True)
class RetentionPreview:
    plan: RetentionPlan
    counts: dict[str, int]
    learners: list[Learner]  # the first SHOWN of each, by reference
    applicants: list[Learner]
    held: list[Learner]

    def cutoff(self, kind: str) -> dt.date | None:
        return self.plan.cutoffs.get(kind)

    def lines(self) -> list[str]:
        """The preview as plain lines, for the command line."""
        lines = []
        for kind in RecordKind:
            months, cutoff = self.plan.periods.get(kind.value), self.cutoff(kind.value)
            period = "kept (no period set)" if months is None else f"{months} months: on or before {uk_date(cutoff)}"
            lines.append(f"{kind.label}: {period}")
        counts = self.counts
        lines += [
            f"Learners to anonymise: {counts['learners']}",
            f"Applicants never enrolled to anonymise: {counts['applicants']}",
            f"Past their period but under an audit hold (left alone): {counts['held']}",
            f"bksb results to delete: {counts['initial_results']} initial assessment, "
            f"{counts['diagnostic_results']} diagnostic, {counts['sessions']} assessment sessions",
        ]
        for title, records in (("Learner", self.learners), ("Applicant", self.applicants)):
            lines += [f"  {title} {record.learner_ref}" for record in records]
        return lines


def retention_preview(*, periods: Periods | None = None) -> RetentionPreview:
    """The run as it would go today, with the stored periods or those given (before they are saved)."""
    plan = retention_plan(periods=periods)
    return RetentionPreview(
        plan=plan,
        counts=plan.counts(),
        learners=list(plan.learners.order_by("learner_ref")[:SHOWN]),
        applicants=list(plan.applicants.order_by("learner_ref")[:SHOWN]),
        held=list(plan.held.select_related("audit_hold").order_by("learner_ref")[:SHOWN]),
    )
