"""Candidate bksb usernames for a record: which names, in which order, why, and how strong."""

from __future__ import annotations

import pytest

from bksb_integration.matching.candidates import (
    MAX_CANDIDATES,
    PatternError,
    candidates_for,
    default_builtins,
    patterns_parse,
    settings_candidates,
)
from bksb_integration.models import BksbSettings
from tests.factories import LearnerFactory, WebUserFactory

pytestmark = pytest.mark.django_db


def _names(candidates) -> list[str]:
    return [c.username for c in candidates]


def _record(**fields):
    values = {"learner_ref": "A12345", "first_name": "Zoë", "last_name": "O'Brien", "email": "Zoe.OBrien@College.ac.uk"}
    return LearnerFactory(**(values | fields))


def test_candidates_follow_the_built_in_order_typed_first():
    learner = WebUserFactory(learner=_record(bksb_username="  ZOB1 "), user__username="zoe.web").learner

    found = candidates_for(learner, builtins=default_builtins(), patterns=[], limit=20)

    assert _names(found)[:9] == [
        "ZOB1",
        "zob1",
        "zoe.web",
        "Zoe.OBrien@College.ac.uk",
        "zoe.obrien@college.ac.uk",
        "Zoe.OBrien",
        "zoe.obrien",
        "A12345",
        "a12345",
    ]
    assert _names(found)[9:] == ["zoeobrien", "zobrien12345"]


def test_each_candidate_says_why_and_how_strong():
    learner = WebUserFactory(learner=_record(), user__username="zoe.web").learner

    found = {c.username: c for c in candidates_for(learner, builtins=default_builtins(), patterns=[], limit=20)}

    assert found["zoe.web"].strength == "strong"
    assert found["zoe.web"].reason == "the web user account's name"
    assert found["Zoe.OBrien@College.ac.uk"].strength == "strong"
    assert found["zoe.obrien@college.ac.uk"].strength == "strong"
    assert found["A12345"].strength == "possible"
    assert found["A12345"].reason == "the learner reference"
    assert found["zoe.obrien"].strength == "possible"
    assert found["zobrien12345"].reason == "initial and surname, with the reference's digits"


def test_no_more_than_eight_candidates_and_none_repeated():
    learner = WebUserFactory(learner=_record(bksb_username="Typed.Name"), user__username="Web.Name").learner

    found = settings_candidates(learner, BksbSettings.load())

    assert len(found) == MAX_CANDIDATES
    assert len(set(_names(found))) == len(found)


def test_a_record_with_little_data_proposes_only_what_it_has():
    learner = LearnerFactory(learner_ref="REF", first_name="", last_name="Khan", email="")

    assert _names(settings_candidates(learner, BksbSettings.load())) == ["REF", "ref"]


def test_switched_off_and_reordered_built_ins_are_respected():
    learner = WebUserFactory(learner=_record(), user__username="zoe.web").learner

    found = candidates_for(learner, builtins=["ref", "web_username"], patterns=[])

    assert _names(found) == ["A12345", "a12345", "zoe.web"]


def test_admin_patterns_fill_placeholders_in_their_place():
    learner = WebUserFactory(learner=_record(), user__username="zoe.web").learner
    patterns = ["{initial}{last}{digits}@college.ac.uk", "s{ref}"]

    found = candidates_for(learner, builtins=["patterns", "ref"], patterns=patterns)

    assert _names(found) == ["zobrien12345@college.ac.uk", "sA12345", "sa12345", "A12345", "a12345"]
    assert found[0].reason == "your pattern {initial}{last}{digits}@college.ac.uk"
    assert found[0].strength == "possible"


def test_a_pattern_naming_a_missing_value_is_skipped_for_that_record():
    learner = _record()  # no web user

    assert _names(candidates_for(learner, builtins=["patterns"], patterns=["{web_username}.x"])) == []


def test_a_pattern_giving_the_email_is_strong():
    learner = _record()

    found = candidates_for(learner, builtins=["patterns"], patterns=["{email}"])

    assert [(c.username, c.strength) for c in found] == [
        ("Zoe.OBrien@College.ac.uk", "strong"),
        ("zoe.obrien@college.ac.uk", "strong"),
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{surname}.{first}", "{surname} is not a placeholder"),
        ("{ref", "a brace is not closed"),
        ("fixed.name", "has no placeholder"),
        ("{ref:>10}", "without : or !"),
        ("{}", "is not a placeholder"),
    ],
)
def test_bad_patterns_are_refused_with_a_clear_reason(text, says):
    with pytest.raises(PatternError, match=says.replace("{", r"\{").replace("}", r"\}")):
        patterns_parse(f"{{ref}}\n{text}\n")


def test_names_with_accents_spaces_and_html_become_plain_usernames():
    learner = LearnerFactory(learner_ref="X9", first_name="Mary Ann", last_name="<b>Łukasz-Ómar</b>", email="")

    found = candidates_for(learner, builtins=["first_last", "firstlast"], patterns=[])

    assert _names(found) == ["maryann.bukasz-omarb", "maryannbukasz-omarb"]
