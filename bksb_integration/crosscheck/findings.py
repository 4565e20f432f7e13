"""One record's cross-check findings: each names the rule, the facts on the ILR's side and on the other side
(bksb, or the rule), and the fix.

The rules a funding flag already implements are read from that flag or its learner fact
(levels/funding.py, levels/learner_facts.py): planned hours below the minimum, a Functional
Skills aim at a level held, no initial assessment before the start. The rest are here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

from bksb_integration.crosscheck.rules import (
    APPRENTICE_NO_DECISION,
    EDF_CODE,
    EDF_GRADES,
    ENGLISH,
    MATHS,
    RULES,
    RULES_BY_CODE,
    SUBJECT_WORDS,
    CheckRule,
)
from bksb_integration.levels import learner_facts as facts
from bksb_integration.levels.funding import RaisedFlag, Thresholds, flags_of
from bksb_integration.levels.funding_rules import COF_MINIMUM_HOURS, level_label
from bksb_integration.models import Decision, LearnerLevel, ResultList
from bksb_integration.models.mappings import LEVEL_RANK
from bksbmis.dates import uk_date
from learners.models import Learner, ProvisionType

RULE_ORDER = {rule.code: index for index, rule in enumerate(RULES)}
JSON_KEYS = (
    "code", "subject", "learner_id", "learner_ref", "learner_name", "uln", "provision_type", "aim_seq_number",
    "aim_ref", "rule", "ilr_facts", "other_facts", "fix", "source",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One contradiction: the record (and aim), the rule, the facts on each side, and the fix."""

    rule: CheckRule
    learner_id: int
    learner_ref: str
    learner_name: str
    uln: str
    provision_type: str
    ilr_facts: str
    other_facts: str
    fix: str
    aim_seq_number: int | None = None
    aim_ref: str = ""

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def provision_words(self) -> str:
        return str(ProvisionType(self.provision_type).label) if self.provision_type else "Not known"

    def as_dict(self) -> dict[str, object]:
        """The stable keys of `bksb_ilr_check --json` (JSON_KEYS)."""
        return {
            "code": self.rule.code,
            "subject": self.rule.subject,
            "learner_id": self.learner_id,
            "learner_ref": self.learner_ref,
            "learner_name": self.learner_name,
            "uln": self.uln,
            "provision_type": self.provision_type,
            "aim_seq_number": self.aim_seq_number,
            "aim_ref": self.aim_ref,
            "rule": self.rule.rule,
            "ilr_facts": self.ilr_facts,
            "other_facts": self.other_facts,
            "fix": self.fix,
            "source": self.rule.source,
        }


def findings_of(
    learner: Learner,
    *,
    levels: Mapping[str, LearnerLevel],
    aims: list[facts.AimFact],
    thresholds: Thresholds,
    decisions: Mapping[str, Decision],
) -> list[Finding]:
    """Every finding of one record, in the rules' order; `decisions`: its latest current English and maths
    decision by subject (the decision record's latest_decisions, read for a whole batch)."""
    raised = {flag.flag.code: flag for flag in flags_of(learner, levels, thresholds, aims, em_decisions=decisions)}
    found: list[Finding] = []
    for subject in (ENGLISH, MATHS):
        found += _grade_without_edf(learner, subject)
        found += _grade_missing(learner, subject)
        found += _aims_at_level_held(learner, subject, aims)
        found += _aims_below_assessed(learner, subject, aims, levels.get(subject))
        found += _hours_below_minimum(learner, subject, raised.get(f"{subject}_cof_hours"))
        found += _no_initial(learner, subject, raised.get(f"{subject}_no_initial"))
        found += _aims_without_result(learner, subject, aims, levels.get(subject))
    found += apprentice_without_decision(learner, decisions)
    return sorted(found, key=lambda f: (RULE_ORDER[f.code], f.aim_seq_number or 0))


def _finding(
    learner: Learner, code: str, ilr: str, other: str, fix: str = "", aim: facts.AimFact | None = None
) -> Finding:
    rule = RULES_BY_CODE[code]
    return Finding(
        rule, learner.pk, learner.learner_ref, learner.full_name, learner.uln, learner.provision_type, ilr, other,
        fix or rule.fix, aim.seq if aim else None, aim.ref if aim else "",
    )  # fmt: skip


def _grade_without_edf(learner: Learner, subject: str) -> list[Finding]:
    grade = facts.grade_of(learner, subject)
    has_edf = learner.edf_english if subject == ENGLISH else learner.edf_maths
    if grade not in EDF_GRADES or has_edf:
        return []
    ilr = f"{facts.grade_fact(learner, subject)}; EDF {EDF_CODE[subject]}: not recorded"
    other = (
        f"ILR rule {'EngGrade' if subject == ENGLISH else 'MathGrade'}_03: grade {grade} needs EDF {EDF_CODE[subject]}"
    )
    return [_finding(learner, f"{subject}_grade_without_edf", ilr, other)]


def _grade_missing(learner: Learner, subject: str) -> list[Finding]:
    if learner.provision_type not in facts.YOUNG_PROVISION or facts.grade_of(learner, subject):
        return []
    other = f"Provision type: {ProvisionType(learner.provision_type).label}"
    return [_finding(learner, f"{subject}_grade_missing", facts.grade_fact(learner, subject), other)]


def _aim_words(aim: facts.AimFact) -> str:
    title = f" {aim.title}" if aim.title else ""
    started = f", started {uk_date(aim.start_date)}" if aim.start_date else ""
    return f"Aim {aim.seq}: {aim.ref}{title} ({level_label(aim.level)}{started})"


def _aims_at_level_held(learner: Learner, subject: str, aims: list[facts.AimFact]) -> list[Finding]:
    grade_fact = facts.grade_fact(learner, subject)
    return [
        _finding(learner, f"{subject}_aim_level_held", _aim_words(aim), grade_fact, aim=aim)
        for aim in facts.aims_at_or_below_held(learner, subject, aims)
    ]


def _live_aims(subject: str, aims: list[facts.AimFact]) -> list[facts.AimFact]:
    return [aim for aim in aims if aim.subject == subject and aim.comp_status != facts.WITHDRAWN]


def _aims_below_assessed(
    learner: Learner, subject: str, aims: list[facts.AimFact], summary: LearnerLevel | None
) -> list[Finding]:
    if summary is None or summary.latest_rank is None or summary.latest_date is None:
        return []
    assessed_on = _local_date(summary.latest_date)
    reading = (
        f"bksb: {level_label(summary.latest_level or '')} on {uk_date(assessed_on)} "
        f"({ResultList(summary.latest_list).label if summary.latest_list else 'result'}, SessionId "
        f"{summary.latest_session_id}, AssessmentID {summary.latest_assessment_id})"
    )
    return [
        _finding(learner, f"{subject}_aim_below_assessed", _aim_words(aim), reading, aim=aim)
        for aim in _live_aims(subject, aims)
        if aim.start_date is not None
        and assessed_on > aim.start_date
        and LEVEL_RANK.get(aim.level, 0) < summary.latest_rank
    ]


def _hours_below_minimum(learner: Learner, subject: str, flag: RaisedFlag | None) -> list[Finding]:
    if flag is None:
        return []
    ilr = "; ".join(str(fact) for fact in flag.facts if fact.name in ("Grade", "Planned hours"))
    minimum = COF_MINIMUM_HOURS[subject]
    other = f"Minimum: {minimum} h a year (bands 1 and 2, the smallest band's); {facts.rules_year(learner)} rules"
    fam = "EMH" if subject == ENGLISH else "MMH"
    fix = (
        f"Plan at least {minimum} {SUBJECT_WORDS[subject]} hours ({fam}) on the 16 to 19 funded aim, or more if the "
        "programme's band is larger."
    )
    return [_finding(learner, f"{subject}_hours_below_minimum", ilr, other, fix)]


def _no_initial(learner: Learner, subject: str, flag: RaisedFlag | None) -> list[Finding]:
    if flag is None or learner.provision_type != ProvisionType.APPRENTICESHIPS or learner.start_date is None:
        return []
    ilr = f"Start date: {uk_date(learner.start_date)}; provision type: Apprenticeships"
    other = "; ".join(str(fact) for fact in flag.facts if fact.name == "Assessment")
    return [_finding(learner, f"{subject}_no_initial_assessment", ilr, other)]


def _aims_without_result(
    learner: Learner, subject: str, aims: list[facts.AimFact], summary: LearnerLevel | None
) -> list[Finding]:
    if summary is not None and summary.result_count > 0:
        return []
    other = f"bksb: no {SUBJECT_WORDS[subject]} result stored (initial assessment or diagnostic)"
    return [
        _finding(learner, f"{subject}_aim_no_bksb_result", _aim_words(aim), other, aim=aim)
        for aim in _live_aims(subject, aims)
    ]


def apprentice_without_decision(learner: Learner, decisions: Mapping[str, Decision]) -> list[Finding]:
    """A 19+ apprentice (age as the funding rules count it) without a current decision for English and for maths."""
    if learner.provision_type != ProvisionType.APPRENTICESHIPS or all(s in decisions for s in (ENGLISH, MATHS)):
        return []
    age = facts.age_of(learner)
    if not age.adult:
        return []
    ilr = f"Provision type: Apprenticeships; age: {age.counted}"
    other = "No English and maths decision recorded"
    return [_finding(learner, APPRENTICE_NO_DECISION.code, ilr, other)]


def _local_date(when: dt.datetime) -> dt.date:
    return timezone.localtime(when).date()
