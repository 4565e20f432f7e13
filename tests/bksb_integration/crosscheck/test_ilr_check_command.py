"""`bksb_ilr_check`: exactly the expected findings on a population built to trip each rule once, none for a clean
record, and none once the data is fixed."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from bksb_integration.crosscheck.findings import JSON_KEYS
from bksb_integration.crosscheck.rules import RULES
from bksb_integration.decisions.record import decision_record

from .crosscheck_support import population, population_fix

pytestmark = pytest.mark.django_db


def _check(*args: str) -> str:
    out = io.StringIO()
    call_command("bksb_ilr_check", *args, stdout=out)
    return out.getvalue()


def test_each_rule_is_tripped_once_by_its_record_and_the_clean_record_has_none():
    made = population()

    found = json.loads(_check("--json"))

    assert sorted((f["code"], f["learner_ref"]) for f in found) == sorted(
        (rule.code, made[rule.code].learner_ref) for rule in RULES
    )
    assert all(tuple(f) == JSON_KEYS for f in found)
    assert made["clean"].learner_ref not in {f["learner_ref"] for f in found}


def test_a_finding_names_the_rule_the_facts_on_each_side_and_the_fix():
    made = population()

    found = {f["code"]: f for f in json.loads(_check("--json"))}

    edf = found["english_grade_without_edf"]
    assert edf["learner_id"] == made["english_grade_without_edf"].pk
    assert edf["ilr_facts"] == "GCSE English: Grade 3 (ILR file prepared 3 Oct 2025); EDF 2: not recorded"
    assert edf["other_facts"] == "ILR rule EngGrade_03: grade 3 needs EDF 2"
    assert edf["fix"].startswith("Add the learner FAM EDF 2")
    assert "EngGrade_03" in edf["source"]
    below = found["maths_aim_below_assessed"]
    assert (below["aim_seq_number"], below["aim_ref"]) == (1, "ZCKME3")
    assert below["ilr_facts"] == "Aim 1: ZCKME3 FS maths entry_3 (Entry 3, started 1 Sep 2025)"
    assert below["other_facts"].startswith("bksb: Level 1 on 1 Oct 2025 (Diagnostic, SessionId ")
    hours = found["maths_hours_below_minimum"]
    assert "Planned hours: 20 h, below the smallest band's minimum of 43 h" in hours["ilr_facts"]
    assert hours["fix"].startswith("Plan at least 43 maths hours (MMH)")
    late = found["maths_no_initial_assessment"]
    assert late["ilr_facts"] == "Start date: 1 Sep 2025; provision type: Apprenticeships"
    assert late["other_facts"] == "Assessment: the first Maths initial assessment is dated 1 Oct 2025"


def test_after_fixing_the_data_a_second_run_finds_nothing():
    made = population()
    assert json.loads(_check("--json"))

    population_fix(made)
    # The 19+ apprentice's English and maths decisions, recorded on the decision record.
    for subject in ("english", "maths"):
        decision_record(
            learner=made["apprentice_no_decision"],
            subject=subject,
            kind="opted_in",
            decided_on=dt.date(2025, 9, 1),
            discussed_by="Jo Tutor",
            recorded_by=None,
        )

    assert json.loads(_check("--json")) == []
    assert _check().strip() == "0 findings."


def test_filters_and_csv():
    made = population()

    maths = json.loads(_check("--json", "--subject", "maths"))
    one = json.loads(_check("--json", "--code", "english_grade_missing"))
    adults = json.loads(_check("--json", "--provision", "adults"))
    lines = _check("--csv").splitlines()

    assert {f["code"] for f in maths} == {r.code for r in RULES if r.subject in ("maths", "")}
    assert [(f["code"], f["learner_ref"]) for f in one] == [("english_grade_missing", "CK03")]
    assert {f["learner_ref"] for f in adults} == {"CK05", "CK06", "CK07", "CK08", "CK13", "CK14"}
    assert lines[0].startswith("Code,Subject,Reference,Name,ULN,Provision type,AimSeqNumber")
    assert len(lines) == 1 + len(RULES)
    assert made["clean"].learner_ref not in "\n".join(lines)


def test_an_unknown_filter_value_is_refused_with_the_known_ones():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--code 'nope' is not one of: english_grade_without_edf"):
        _check("--code", "nope")
