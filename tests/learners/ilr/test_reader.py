"""The ILR's own rules for the fields read: the ULN check digit, GCSE grades and their levels, prior levels."""

from __future__ import annotations

import pytest

from learners.attainment import grade_level, uln_problem


@pytest.mark.parametrize("uln", ["1000000043", "9999999999"])
def test_a_uln_with_its_check_digit_or_not_known_is_accepted(uln):
    assert uln_problem(uln) is None


@pytest.mark.parametrize(
    ("uln", "problem"),
    [
        ("1000000042", "1000000042 fails the ULN check digit."),
        ("1000000004", "1000000004 fails the ULN check digit."),  # remainder 10 has no check digit
        ("123456789", "“123456789” is not 10 digits."),
        ("12345678AB", "“12345678AB” is not 10 digits."),
    ],
)
def test_a_bad_uln_says_what_is_wrong(uln, problem):
    assert uln_problem(uln) == problem


@pytest.mark.parametrize(
    ("grade", "level"),
    [("9", 2), ("4", 2), ("C", 2), ("A*", 2), ("CC", 2), ("3", 1), ("1", 1), ("D", 1), ("G", 1), ("U", None),
     ("N", None), ("NONE", None), ("", None)],
)  # fmt: skip
def test_gcse_grades_4_to_9_are_level_2_and_1_to_3_level_1(grade, level):
    assert grade_level(grade) == level
