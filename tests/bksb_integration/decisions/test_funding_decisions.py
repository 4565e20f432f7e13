"""The funding flags read the latest English and maths decision: a 19+ apprentice who opted out (or is exempt, or
withdrew) is not flagged for English or maths learning not planned, and a flag names the decision it used."""

from __future__ import annotations

import datetime as dt

import pytest

from bksb_integration.decisions.record import decision_record
from bksb_integration.levels.funding import decisions_of, flags_for
from bksb_integration.levels.queries import levels_for
from learners.models import Learner, LearningAim
from tests.bksb_integration.levels.test_funding_flags import DEFAULT, raised
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

START = dt.date(2025, 9, 1)


def _apprentice(**values: object) -> Learner:
    learner = LearnerFactory(
        date_of_birth=dt.date(1995, 5, 5), start_date=START, provision_type="apprenticeships", **values
    )
    LearningAim.objects.create(
        learner=learner, aim_seq_number=1, learn_aim_ref="ZPROG001", aim_type=1, fund_model=36, prog_type=25,
        std_code=123, start_date=START, planned_end_date=dt.date(2027, 6, 30), comp_status=1,
    )  # fmt: skip
    return learner


def _decide(learner: Learner, kind: str, **extra: object):
    values = {"decided_on": START, "discussed_by": "Jo Tutor", "recorded_by": None} | extra
    return decision_record(learner=learner, subject="maths", kind=kind, **values)  # type: ignore[arg-type]


def _facts(learner: Learner, code: str) -> list[str]:
    learner = Learner.objects.get(pk=learner.pk)
    (flag,) = [f for f in flags_for([learner], DEFAULT)[learner.pk] if f.flag.code == code]
    return [str(fact) for fact in flag.facts]


def test_a_19_plus_apprentice_with_no_maths_planned_and_no_decision_is_flagged_saying_none_is_recorded():
    learner = _apprentice()

    assert "maths_apprentice_learning" in raised(learner)
    assert _facts(learner, "maths_apprentice_learning")[:3] == [
        "Decision: no maths decision recorded",
        "Planned learning: no maths aim and no planned maths hours",
        "Programme: apprenticeship",
    ]


def test_an_opted_out_apprentice_is_not_flagged_and_the_record_says_which_decision_dropped_it():
    learner = _apprentice()
    decision = _decide(learner, "opted_out")

    assert "maths_apprentice_learning" not in raised(learner)
    assert "english_apprentice_learning" in raised(learner)  # no English decision
    learner = Learner.objects.get(pk=learner.pk)
    withheld = decisions_of(learner, levels_for([learner.pk]).get(learner.pk, {}), DEFAULT).withheld
    assert f"No maths learning planned, as decided: Opted out on 1 Sep 2025 (entry {decision.pk})." in withheld


@pytest.mark.parametrize(
    ("kind", "extra"),
    [("exempt", {"evidence": "certificate"}), ("withdrawn", {"last_learning_date": dt.date(2026, 1, 30)})],
)
def test_an_exempt_or_withdrawn_apprentice_is_not_flagged(kind, extra):
    learner = _apprentice()
    _decide(learner, kind, **extra)

    assert "maths_apprentice_learning" not in raised(learner)


def test_an_opted_in_apprentice_with_nothing_planned_is_flagged_naming_the_decision():
    learner = _apprentice()
    decision = _decide(learner, "opted_in")

    assert "maths_apprentice_learning" in raised(learner)
    assert _facts(learner, "maths_apprentice_learning")[0] == (
        f"Decision: Opted in on 1 Sep 2025 (entry {decision.pk})"
    )


def test_a_superseded_opt_out_no_longer_counts():
    learner = _apprentice()
    wrong = _decide(learner, "opted_out")
    _decide(learner, "opted_in", supersedes=wrong.pk, supersede_reason="The employer opted in")

    assert "maths_apprentice_learning" in raised(learner)


def test_planned_maths_hours_or_a_16_18_apprentice_raise_nothing():
    planned = _apprentice()
    LearningAim.objects.filter(learner=planned).update(planned_maths_hours=40)
    young = LearnerFactory(date_of_birth=dt.date(2008, 5, 5), start_date=START, provision_type="apprenticeships")

    assert "maths_apprentice_learning" not in raised(planned)
    assert "maths_apprentice_learning" not in raised(young)
