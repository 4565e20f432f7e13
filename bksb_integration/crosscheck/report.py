"""The cross-check report: which records are checked, their findings a page (or a chunk) at a time, filters,
and the CSV.

Which records: the ILR import does not record which records each import wrote (a job's
counts only), and an aim comes only from an ILR import, so every record with a learning aim
is checked: each import makes its records' aims equal to the file's, so what is checked is
what the ILR files brought in, as last imported.

Cost: a batch of records costs the same few queries whatever its size (the records, their
aims and the aim mapping, their levels summary; the thresholds once). The page checks up to
CROSSCHECK_INLINE_MAX records in one batch; a larger cohort is a job (report_job.py) that
writes the CSV a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from bksb_integration.crosscheck.findings import Finding, findings_of
from bksb_integration.crosscheck.rules import RULES_BY_CODE, SUBJECT_WORDS
from bksb_integration.decisions.record import latest_decisions
from bksb_integration.levels import learner_facts as facts
from bksb_integration.levels.funding import Thresholds, decisions_by_subject
from bksb_integration.levels.queries import levels_for
from bksbmis.csv_export import csv_lines
from learners.models import Learner, LearningAim, ProvisionType

CHUNK = 1000
NOT_KNOWN = "not_known"  # the provision filter's value for records no aim gives a type
PROVISIONS = [*ProvisionType.choices, (NOT_KNOWN, "Not known")]
CSV_HEADER = (
    "Code", "Subject", "Reference", "Name", "ULN", "Provision type", "AimSeqNumber", "Aim reference", "Rule",
    "ILR facts", "Other facts", "Fix", "Source",
)  # fmt: skip


def inline_max() -> int:
    """Above this many records the report is made by a job (the CSV), not on the page."""
    return int(settings.CROSSCHECK_INLINE_MAX)


@dataclass(frozen=True)
class FindingFilter:
    """The report's filters, each blank for all: a finding's code, a subject, a provision type."""

    code: str = ""
    subject: str = ""
    provision: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> FindingFilter:
        """From a query string or a job's params; a value the report does not know is ignored."""
        code, subject, provision = query.get("code", ""), query.get("subject", ""), query.get("provision", "")
        return cls(
            code if code in RULES_BY_CODE else "",
            subject if subject in SUBJECT_WORDS else "",
            provision if provision in dict(PROVISIONS) else "",
        )

    def as_params(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value}

    def keeps(self, finding: Finding) -> bool:
        if self.code and finding.code != self.code:
            return False
        return not self.subject or finding.rule.subject in (self.subject, "")


def learners_checked(*, provision: str = "", among: QuerySet[Learner] | None = None) -> QuerySet[Learner]:
    """The records the ILR imports brought in (every record with a learning aim), by reference; only those
    `among` (a caseload, learners.caseload) when given."""
    records = Learner.objects.filter(Exists(LearningAim.objects.filter(learner_id=OuterRef("pk"))))
    if among is not None:
        records = records.filter(pk__in=among.order_by().values("pk"))
    if provision == NOT_KNOWN:
        records = records.filter(provision_type="")
    elif provision:
        records = records.filter(provision_type=provision)
    return records.order_by("learner_ref", "pk")


def findings_for(
    learners: Sequence[Learner], *, thresholds: Thresholds, chosen: FindingFilter = FindingFilter()
) -> list[Finding]:
    """The findings of a batch of records: four queries whatever its size (levels, aims and mapping, decisions)."""
    ids = [learner.pk for learner in learners]
    levels, aims, latest = levels_for(ids), facts.aims_for(ids), latest_decisions(ids)
    return [
        finding
        for learner in learners
        for finding in findings_of(
            learner, levels=levels.get(learner.pk, {}), aims=aims.get(learner.pk, []), thresholds=thresholds,
            decisions=decisions_by_subject(latest, learner.pk),
        )
        if chosen.keeps(finding)
    ]  # fmt: skip


def findings_all(
    *, chosen: FindingFilter, among: QuerySet[Learner] | None = None, on_chunk: Callable[[int], None] | None = None
) -> Iterator[Finding]:
    """Every finding of the records checked, CHUNK records at a time by reference (the command and the job):
    the queries grow with the chunks, not the records. `on_chunk(n)` follows each chunk of n records."""
    thresholds = Thresholds.load()
    records = learners_checked(provision=chosen.provision, among=among)
    after = None
    while True:
        learners = list((records if after is None else records.filter(learner_ref__gt=after))[:CHUNK])
        if not learners:
            return
        yield from findings_for(learners, thresholds=thresholds, chosen=chosen)
        if on_chunk is not None:
            on_chunk(len(learners))
        after = learners[-1].learner_ref


def finding_row(finding: Finding) -> tuple[object, ...]:
    return (
        finding.code, SUBJECT_WORDS.get(finding.rule.subject, "English and maths"), finding.learner_ref,
        finding.learner_name, finding.uln, finding.provision_words, finding.aim_seq_number or "", finding.aim_ref,
        finding.rule.rule, finding.ilr_facts, finding.other_facts, finding.fix, finding.rule.source,
    )  # fmt: skip


def findings_csv_lines(findings: Iterable[Finding]) -> Iterator[str]:
    yield from csv_lines([CSV_HEADER])
    yield from csv_lines(finding_row(finding) for finding in findings)
