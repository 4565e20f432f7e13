"""Funding flags: decision support computed from the levels summary and the thresholds in the bksb settings.

Each flag rests on a record's latest initial assessment in a subject (or, for
"no initial assessment before the start date", on its first one) and names it.
The same rule is written twice, once per record in Python (for the BKSB tab,
the evidence pack and the export) and once as a queryset filter (for the list
and the reports); the tests hold the two to the same answers.

The flags are not funding advice: the rules change yearly, so the thresholds
are settings (Integrations > bksb > Funding flags), and the page there says in
plain words what each flag means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from bksb_integration.levels.queries import levels_for
from bksb_integration.models import BksbSettings, LearnerLevel, Level, Subject
from bksb_integration.models.mappings import LEVEL_RANK
from bksbmis.dates import uk_date
from learners.models import Learner


@dataclass(frozen=True)
class Thresholds:
    entitlement_below: str  # English and maths
    digital_below: str
    prior_knowledge_from: str

    @classmethod
    def load(cls, settings: BksbSettings | None = None) -> Thresholds:
        settings = settings or BksbSettings.load()
        return cls(
            settings.funding_entitlement_below,
            settings.funding_digital_below,
            settings.funding_prior_knowledge_from,
        )


def _label(level: str) -> str:
    return str(Level(level).label)


@dataclass(frozen=True)
class FundingFlag:
    code: str
    subject: str
    kind: str  # "below", "at_least" or "no_initial"
    threshold: Callable[[Thresholds], str | None]
    wording: Callable[[Thresholds], str]
    meaning: Callable[[Thresholds], str]

    def label(self, thresholds: Thresholds) -> str:
        return self.wording(thresholds)


FLAGS: tuple[FundingFlag, ...] = (
    FundingFlag(
        "english_entitlement",
        Subject.ENGLISH,
        "below",
        lambda t: t.entitlement_below,
        lambda t: f"English assessed below {_label(t.entitlement_below)}: eligible for the fully funded entitlement",
        lambda t: (
            f"The latest English initial assessment is below {_label(t.entitlement_below)}. Adults assessed below "
            "Level 2 (grade 4 equivalent) in English are fully funded for it under the legal entitlement."
        ),
    ),
    FundingFlag(
        "maths_entitlement",
        Subject.MATHS,
        "below",
        lambda t: t.entitlement_below,
        lambda t: f"Maths assessed below {_label(t.entitlement_below)}: eligible for the fully funded entitlement",
        lambda t: (
            f"The latest maths initial assessment is below {_label(t.entitlement_below)}. Adults assessed below "
            "Level 2 (grade 4 equivalent) in maths are fully funded for it under the legal entitlement."
        ),
    ),
    FundingFlag(
        "digital_below",
        Subject.ICT,
        "below",
        lambda t: t.digital_below,
        lambda t: f"Digital assessed below {_label(t.digital_below)}",
        lambda t: (
            f"The latest ICT/digital initial assessment is below {_label(t.digital_below)}: "
            "the digital skills entitlement needs an assessment below Level 1."
        ),
    ),
    FundingFlag(
        "english_no_initial",
        Subject.ENGLISH,
        "no_initial",
        lambda t: None,
        lambda t: "English: no initial assessment before the start date",
        lambda t: (
            "The record has a start date, and no English initial assessment result (mapped to a level or not) "
            "is dated on or before it."
        ),
    ),
    FundingFlag(
        "maths_no_initial",
        Subject.MATHS,
        "no_initial",
        lambda t: None,
        lambda t: "Maths: no initial assessment before the start date",
        lambda t: (
            "The record has a start date, and no maths initial assessment result (mapped to a level or not) "
            "is dated on or before it."
        ),
    ),
    FundingFlag(
        "english_prior_knowledge",
        Subject.ENGLISH,
        "at_least",
        lambda t: t.prior_knowledge_from,
        lambda t: f"English prior knowledge shown: {_label(t.prior_knowledge_from)} or above at initial assessment",
        lambda t: (
            f"The latest English initial assessment is {_label(t.prior_knowledge_from)} or above: a candidate for "
            "reduced English hours for a 16-18 apprentice, when the prior knowledge is recorded on the plan."
        ),
    ),
    FundingFlag(
        "maths_prior_knowledge",
        Subject.MATHS,
        "at_least",
        lambda t: t.prior_knowledge_from,
        lambda t: f"Maths prior knowledge shown: {_label(t.prior_knowledge_from)} or above at initial assessment",
        lambda t: (
            f"The latest maths initial assessment is {_label(t.prior_knowledge_from)} or above: a candidate for "
            "reduced maths hours for a 16-18 apprentice, when the prior knowledge is recorded on the plan."
        ),
    ),
)
FLAGS_BY_CODE = {flag.code: flag for flag in FLAGS}


@dataclass(frozen=True)
class RaisedFlag:
    """A flag a record carries, with the result it rests on in words (and its identity)."""

    flag: FundingFlag
    label: str
    rests_on: str
    session_id: int | None = None
    assessment_id: int | None = None


def flags_of(learner: Learner, levels: Mapping[str, LearnerLevel], thresholds: Thresholds) -> list[RaisedFlag]:
    """The flags a record carries, given its summary rows by subject."""
    raised = []
    for flag in FLAGS:
        summary = levels.get(flag.subject)
        found = _raised(flag, learner, summary, thresholds)
        if found is not None:
            raised.append(found)
    return raised


def flags_for(learners: Iterable[Learner], thresholds: Thresholds | None = None) -> dict[int, list[RaisedFlag]]:
    """Each record's flags: one query for the summaries (and one for the settings when not given)."""
    learners = list(learners)
    thresholds = thresholds or Thresholds.load()
    levels = levels_for(learner.pk for learner in learners)
    return {learner.pk: flags_of(learner, levels.get(learner.pk, {}), thresholds) for learner in learners}


def _raised(
    flag: FundingFlag, learner: Learner, summary: LearnerLevel | None, thresholds: Thresholds
) -> RaisedFlag | None:
    label = flag.label(thresholds)
    if flag.kind == "no_initial":
        if learner.start_date is None:
            return None
        first = summary.initial_first_date if summary is not None else None
        if first is not None and _local_date(first) <= learner.start_date:
            return None
        if first is None:
            return RaisedFlag(flag, label, f"No {Subject(flag.subject).label} initial assessment result is stored.")
        return RaisedFlag(
            flag,
            label,
            f"The first {Subject(flag.subject).label} initial assessment is dated {uk_date(_local_date(first))}, "
            f"after the start date {uk_date(learner.start_date)}.",
        )
    if summary is None or summary.initial_latest_rank is None or summary.initial_latest_level is None:
        return None
    threshold = LEVEL_RANK[flag.threshold(thresholds) or ""]
    rank = summary.initial_latest_rank
    if (flag.kind == "below" and rank < threshold) or (flag.kind == "at_least" and rank >= threshold):
        return RaisedFlag(
            flag,
            label,
            _reading(summary),
            summary.initial_latest_session_id,
            summary.initial_latest_assessment_id,
        )
    return None


def _reading(summary: LearnerLevel) -> str:
    when = _local_date(summary.initial_latest_date) if summary.initial_latest_date else None
    return (
        f"Initial assessment {_label(summary.initial_latest_level or '')}"
        f"{f' on {uk_date(when)}' if when else ''} "
        f"(SessionId {summary.initial_latest_session_id}, AssessmentID {summary.initial_latest_assessment_id})"
    )


def _local_date(when: dt.datetime) -> dt.date:
    return timezone.localtime(when).date()


def learners_flagged(learners: QuerySet[Learner], code: str, thresholds: Thresholds | None = None) -> QuerySet[Learner]:
    """Records carrying the flag: one EXISTS (or NOT EXISTS) on the summary; KeyError for an unknown code."""
    flag = FLAGS_BY_CODE[code]
    thresholds = thresholds or Thresholds.load()
    rows = LearnerLevel.objects.filter(learner_id=OuterRef("pk"), subject=flag.subject)
    if flag.kind == "no_initial":
        in_time = rows.filter(initial_first_date__date__lte=OuterRef("start_date"))
        return learners.filter(start_date__isnull=False).filter(~Exists(in_time))
    threshold = LEVEL_RANK[flag.threshold(thresholds) or ""]
    lookup = Q(initial_latest_rank__lt=threshold) if flag.kind == "below" else Q(initial_latest_rank__gte=threshold)
    return learners.filter(Exists(rows.filter(lookup)))


def flag_choices(thresholds: Thresholds | None = None) -> list[tuple[str, str]]:
    """The list filter's options: each flag's code and its wording under the current thresholds."""
    thresholds = thresholds or Thresholds.load()
    return [(flag.code, flag.label(thresholds)) for flag in FLAGS]
