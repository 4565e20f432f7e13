"""Funding flags: decision support from the levels summary, the learner facts the rules read, and the thresholds.

Each raised flag names every fact it rests on: the assessment (its date, SessionId
and AssessmentID), the GCSE grade and where it came from, the age and how it was
counted, the aim, and the rules year. The same rule is written twice, once per
record in Python (for the BKSB tab, the evidence pack and the export) and once as
a queryset filter (for the list and the reports); the tests hold the two to the
same answers. The flags themselves, their rules and sources: levels.funding_rules.

Grades, ages and aims are prior attainment, which staff see only with the View
prior attainment right: a fact marks itself personal, and pages showing flags to
others leave those facts out (RaisedFlag.rests_on_for).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from bksb_integration.decisions.record import (
    NO_LEARNING_NEEDED,
    decision_words,
    latest_decision_in_q,
    latest_decisions,
)
from bksb_integration.levels import learner_facts as facts
from bksb_integration.levels.funding_rules import (
    COF_MINIMUM_HOURS,
    FLAGS,
    FLAGS_BY_CODE,
    FundingFlag,
    Thresholds,
    level_label,
)
from bksb_integration.levels.queries import levels_for
from bksb_integration.models import Decision, LearnerLevel, Subject
from bksb_integration.models.mappings import LEVEL_RANK
from bksbmis.dates import uk_date
from learners.aim_codes import FUND_MODEL_16_19
from learners.attainment import grade_level
from learners.models import Learner, LearningAim

__all__ = ["FLAGS", "FLAGS_BY_CODE", "FundingFlag", "RaisedFlag", "Thresholds", "flags_for", "flags_of"]
GRADE_KINDS = ("entitlement", "condition_of_funding", "cof_hours", "prior_attainment")


@dataclass(frozen=True)
class Fact:
    name: str
    value: str
    personal: bool = False  # prior attainment: shown only with View prior attainment

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


@dataclass(frozen=True)
class RaisedFlag:
    """A flag a record carries, with every fact it rests on (and the assessment's identity)."""

    flag: FundingFlag
    label: str
    facts: tuple[Fact, ...]
    session_id: int | None = None
    assessment_id: int | None = None

    @property
    def rests_on(self) -> str:
        return "; ".join(str(fact) for fact in self.facts)

    def rests_on_for(self, *, may_see_attainment: bool) -> str:
        shown = [str(f) for f in self.facts if may_see_attainment or not f.personal]
        if len(shown) < len(self.facts):
            shown.append("prior attainment facts hidden (View prior attainment)")
        return "; ".join(shown)


@dataclass(frozen=True)
class Decisions:
    raised: list[RaisedFlag]
    withheld: list[str]  # where the assessment alone would have raised a flag, and why it is not


def flags_of(
    learner: Learner,
    levels: Mapping[str, LearnerLevel],
    thresholds: Thresholds,
    aims: list[facts.AimFact] | None = None,
    em_decisions: Mapping[str, Decision] | None = None,
) -> list[RaisedFlag]:
    """The flags a record carries, given its summary rows by subject (and its aims and latest English and maths
    decisions by subject, read when not given)."""
    return decisions_of(learner, levels, thresholds, aims, em_decisions).raised


def decisions_of(
    learner: Learner,
    levels: Mapping[str, LearnerLevel],
    thresholds: Thresholds,
    aims: list[facts.AimFact] | None = None,
    em_decisions: Mapping[str, Decision] | None = None,
) -> Decisions:
    if aims is None:
        aims = facts.aims_for([learner.pk]).get(learner.pk, [])
    if em_decisions is None:
        em_decisions = decisions_by_subject(latest_decisions([learner.pk]), learner.pk)
    decisions = Decisions([], [])
    for flag in FLAGS:
        if flag.kind == "apprentice_learning":
            found = _apprentice_learning(flag, learner, thresholds, aims, em_decisions, decisions.withheld)
        else:
            found = _decide(flag, learner, levels.get(flag.subject), thresholds, aims, decisions.withheld)
        if found is not None:
            decisions.raised.append(found)
    return decisions


def decisions_by_subject(latest: Mapping[tuple[int, str], Decision], learner_id: int) -> dict[str, Decision]:
    """One record's latest English and maths decisions by subject, from latest_decisions' answer."""
    return {subject: decision for (owner, subject), decision in latest.items() if owner == learner_id}


def flags_for(learners: Iterable[Learner], thresholds: Thresholds | None = None) -> dict[int, list[RaisedFlag]]:
    """Each record's flags: one query for the summaries, two for the aims, one for the English and maths
    decisions (and one for the settings when not given)."""
    learners = list(learners)
    thresholds = thresholds or Thresholds.load()
    ids = [learner.pk for learner in learners]
    levels, aims, latest = levels_for(ids), facts.aims_for(ids), latest_decisions(ids)
    return {
        learner.pk: flags_of(
            learner,
            levels.get(learner.pk, {}),
            thresholds,
            aims.get(learner.pk, []),
            decisions_by_subject(latest, learner.pk),
        )
        for learner in learners
    }


def _apprentice_learning(
    flag: FundingFlag,
    learner: Learner,
    thresholds: Thresholds,
    aims: list[facts.AimFact],
    em_decisions: Mapping[str, Decision],
    withheld: list[str],
) -> RaisedFlag | None:
    """A 19+ apprentice's English or maths: planned, or dropped by the latest decision, or flagged naming it."""
    if not facts.adult_apprentice(learner) or facts.em_learning_planned(flag.subject, aims):
        return None
    decision = em_decisions.get(flag.subject)
    word = "English" if flag.subject == Subject.ENGLISH else "maths"
    if decision is not None and decision.kind in NO_LEARNING_NEEDED:
        withheld.append(f"No {word} learning planned, as decided: {decision_words(decision)}.")
        return None
    decided = Fact("Decision", decision_words(decision) if decision else f"no {word} decision recorded")
    planned = Fact("Planned learning", f"no {word} aim and no planned {word} hours", personal=True)
    programme = Fact("Programme", "apprenticeship", personal=True)
    return RaisedFlag(
        flag, flag.label(thresholds), (decided, planned, programme, *_common(learner, facts.age_of(learner)))
    )


def _common(learner: Learner, age: facts.Age) -> list[Fact]:
    return [Fact("Age", age.counted, personal=True), Fact("Rules year", facts.rules_year(learner))]


def _decide(
    flag: FundingFlag,
    learner: Learner,
    summary: LearnerLevel | None,
    thresholds: Thresholds,
    aims: list[facts.AimFact],
    withheld: list[str],
) -> RaisedFlag | None:
    label = flag.label(thresholds)
    if flag.kind == "no_initial":
        return _no_initial(flag, label, learner, summary)
    if flag.kind in ("condition_of_funding", "cof_hours", "prior_attainment"):
        return _attainment(flag, label, learner, aims)
    if summary is None or summary.initial_latest_rank is None or summary.initial_latest_level is None:
        return None
    threshold = LEVEL_RANK[flag.threshold(thresholds) or ""]
    rank = summary.initial_latest_rank
    reading = Fact("Assessment", _reading(summary))
    ids = (summary.initial_latest_session_id, summary.initial_latest_assessment_id)
    age = facts.age_of(learner)
    if flag.kind == "prior_knowledge":
        return RaisedFlag(flag, label, (reading, *_common(learner, age)), *ids) if rank >= threshold else None
    if rank >= threshold:
        return None
    if flag.kind == "digital":
        return RaisedFlag(flag, label, (reading, *_common(learner, age)), *ids) if age.adult else None
    # The adult English and maths entitlement.
    subject = str(Subject(flag.subject).label)
    grade = facts.grade_of(learner, flag.subject)
    if not age.adult:
        withheld.append(f"{subject} assessed below {level_label(thresholds.entitlement_below)}: no adult "
                        f"entitlement, which is for learners aged 19 and over ({age.counted}).")  # fmt: skip
        return None
    if grade_level(grade) == 2:
        withheld.append(f"GCSE grade {grade} held: not eligible ({facts.grade_fact(learner, flag.subject)}).")
        return None
    grade_fact = Fact("Grade", facts.grade_fact(learner, flag.subject), personal=True)
    return RaisedFlag(flag, label, (reading, grade_fact, *_common(learner, age)), *ids)


def _attainment(flag: FundingFlag, label: str, learner: Learner, aims: list[facts.AimFact]) -> RaisedFlag | None:
    """The flags that read grades and aims, not an assessment."""
    grade = facts.grade_of(learner, flag.subject)
    grade_fact = Fact("Grade", facts.grade_fact(learner, flag.subject), personal=True)
    common = _common(learner, facts.age_of(learner))
    if flag.kind == "prior_attainment":
        found = facts.aims_at_or_below_held(learner, flag.subject, aims)
        if not found:
            return None
        held = Fact("Level held", f"level {grade_level(grade)}", personal=True)
        named = ", ".join(f"{a.ref} {a.title} ({level_label(a.level)})".replace("  ", " ") for a in found)
        return RaisedFlag(flag, label, (grade_fact, held, Fact("Aim", named, personal=True), *common))
    if not facts.on_study_programme(learner, aims) or grade_level(grade) == 2:
        return None
    if flag.kind == "condition_of_funding":
        study = (
            f"GCSE {flag.subject}" if grade == "3" else f"GCSE {flag.subject} or a level 1 / entry level qualification"
        )
        programme = Fact("Programme", "16 to 19 study programme (funding model 25)", personal=True)
        return RaisedFlag(flag, label, (grade_fact, programme, Fact("Must study", study, personal=True), *common))
    hours = [_hours(aim, flag.subject) for aim in aims if aim.fund_model == FUND_MODEL_16_19]
    planned = max((h for h in hours if h is not None), default=None)
    minimum = COF_MINIMUM_HOURS[flag.subject]
    if planned is not None and planned >= minimum:
        return None
    shown = f"{planned} h" if planned is not None else "none recorded"
    planned_fact = Fact("Planned hours", f"{shown}, below the smallest band's minimum of {minimum} h", personal=True)
    return RaisedFlag(flag, label, (grade_fact, planned_fact, *common))


def _hours(aim: facts.AimFact, subject: str) -> int | None:
    return aim.english_hours if subject == Subject.ENGLISH else aim.maths_hours


def _no_initial(flag: FundingFlag, label: str, learner: Learner, summary: LearnerLevel | None) -> RaisedFlag | None:
    if learner.start_date is None:
        return None
    first = summary.initial_first_date if summary is not None else None
    if first is not None and _local_date(first) <= learner.start_date:
        return None
    subject = Subject(flag.subject).label
    if first is None:
        return RaisedFlag(flag, label, (Fact("Assessment", f"no {subject} initial assessment result is stored"),))
    text = f"the first {subject} initial assessment is dated {uk_date(_local_date(first))}"
    start = Fact("Start date", uk_date(learner.start_date))
    return RaisedFlag(flag, label, (Fact("Assessment", text), start))


def _reading(summary: LearnerLevel) -> str:
    when = _local_date(summary.initial_latest_date) if summary.initial_latest_date else None
    return (
        f"initial assessment {level_label(summary.initial_latest_level or '')}"
        f"{f' on {uk_date(when)}' if when else ''} "
        f"(SessionId {summary.initial_latest_session_id}, AssessmentID {summary.initial_latest_assessment_id})"
    )


def _local_date(when: dt.datetime) -> dt.date:
    return timezone.localtime(when).date()


def learners_flagged(learners: QuerySet[Learner], code: str, thresholds: Thresholds | None = None) -> QuerySet[Learner]:
    """Records carrying the flag, as EXISTS conditions; KeyError for an unknown code."""
    flag = FLAGS_BY_CODE[code]
    if flag.kind == "no_initial":
        return learners.filter(start_date__isnull=False).filter(flag_condition(flag, thresholds))
    return learners.filter(flag_condition(flag, thresholds))


# The flags that read only the latest initial assessment's rank and the learner row: a report counts them from the
# cohort's summary rows (flag_condition's `summary`), the others over its learner rows.
RANK_KINDS = ("entitlement", "digital", "prior_knowledge")


def flag_condition(flag: FundingFlag, thresholds: Thresholds | None = None, *, summary: str = "") -> Q:
    """The flag as one condition on a learner row: a list filter, or a count's FILTER in a report. A rank flag
    (RANK_KINDS) given `summary`, the path to summary rows joined to the learner (e.g. "bksb_levels"), is a
    condition on the joined row instead of an EXISTS: true on the flag's subject's row alone."""
    thresholds = thresholds or Thresholds.load()
    rows = LearnerLevel.objects.filter(learner_id=OuterRef("pk"), subject=flag.subject)
    if flag.kind == "no_initial":
        in_time = rows.filter(initial_first_date__date__lte=OuterRef("start_date"))
        return Q(start_date__isnull=False) & ~Q(Exists(in_time))
    if flag.kind == "prior_attainment":
        return facts.aim_at_or_below_held_q(flag.subject)
    if flag.kind == "apprentice_learning":
        dropped = latest_decision_in_q(flag.subject, NO_LEARNING_NEEDED)
        return facts.adult_apprentice_q() & ~facts.em_learning_planned_q(flag.subject) & ~dropped
    if flag.kind in ("condition_of_funding", "cof_hours"):
        applies = facts.on_study_programme_q() & facts.without_level_2_grade(flag.subject)
        if flag.kind == "condition_of_funding":
            return applies
        field = "planned_english_hours" if flag.subject == Subject.ENGLISH else "planned_maths_hours"
        enough = LearningAim.objects.filter(
            learner_id=OuterRef("pk"),
            fund_model=FUND_MODEL_16_19,
            **{f"{field}__gte": COF_MINIMUM_HOURS[flag.subject]},
        )
        return applies & ~Q(Exists(enough))
    threshold = LEVEL_RANK[flag.threshold(thresholds) or ""]

    def ranked(*, below: bool) -> Q:
        if summary:
            # By the level stored with the rank, so the report's grouped count reads its index alone (a row without
            # a mapped initial assessment has neither: not counted).
            levels = [level for level, rank in LEVEL_RANK.items() if (rank < threshold) == below]
            return Q(**{f"{summary}__subject": flag.subject, f"{summary}__initial_latest_level__in": levels})
        lookup = "lt" if below else "gte"
        return Q(Exists(rows.filter(**{f"initial_latest_rank__{lookup}": threshold})))

    if flag.kind == "prior_knowledge":
        return ranked(below=False)
    assessed = ranked(below=True) & facts.adult_q()
    if flag.kind == "digital":
        return assessed
    return assessed & facts.without_level_2_grade(flag.subject)


def flag_choices(thresholds: Thresholds | None = None) -> list[tuple[str, str]]:
    """The list filter's options: each flag's code and its wording under the current thresholds."""
    thresholds = thresholds or Thresholds.load()
    return [(flag.code, flag.label(thresholds)) for flag in FLAGS]
