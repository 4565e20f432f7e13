"""The ILR files the tests import: one learner per case the issue names, made from the public schema's shapes."""

from __future__ import annotations

from pathlib import Path

from learners.ilr.sample import SampleAim, SampleLearner, ilr_file_write, uln_with_check_digit

YEAR_START, YEAR_END = "2025-09-01", "2026-06-30"


def uln(n: int) -> str:
    """A valid ULN: nine digits from n, nudged until the check digit exists."""
    base = 100000000 + n * 7
    while not uln_with_check_digit(str(base)):
        base += 1
    return uln_with_check_digit(str(base))


def study_programme() -> SampleLearner:
    """A 17-year-old on a 16-19 study programme with GCSE maths grade 3 (EDF 1) and a GCSE maths aim."""
    return SampleLearner(
        "SP1701", uln(1), "Priya", "Shah", birth="2008-03-14", eng_grade="5", math_grade="3", prior_level="1",
        fams=[("EDF", "1")],
        aims=[
            SampleAim(1, "ZPROG001", 25, YEAR_START, YEAR_END, aim_type=5, fams=[("MMH", "100")]),
            SampleAim(2, "50079116", 25, YEAR_START, YEAR_END, aim_type=3),
        ],
    )  # fmt: skip


def adult_with_gcse() -> SampleLearner:
    return SampleLearner(
        "AD0501", uln(2), "Tom", "Baker", birth="1990-06-01", eng_grade="4", math_grade="5", prior_level="2",
        aims=[SampleAim(1, "60350568", 35, YEAR_START, YEAR_END, fams=[("SOF", "105")])],
    )  # fmt: skip


def adult_without_gcse() -> SampleLearner:
    return SampleLearner(
        "AD0302", uln(3), "Rose", "Tyler", birth="1985-11-23", eng_grade="NONE", math_grade="3", prior_level="9",
        aims=[SampleAim(1, "60350520", 35, YEAR_START, YEAR_END)],
    )  # fmt: skip


def apprentice() -> SampleLearner:
    """An apprentice holding GCSE English grade 4, on a standard with a level 1 English Functional Skills aim."""
    return SampleLearner(
        "AP0401", uln(4), "Sam", "Okafor", birth="2004-02-02", eng_grade="4", math_grade="2", prior_level="2",
        aims=[
            SampleAim(1, "ZPROG001", 36, YEAR_START, "2027-06-30", aim_type=1, prog_type=25, std_code=123),
            SampleAim(2, "60350581", 36, YEAR_START, YEAR_END, aim_type=3, prog_type=25, std_code=123),
            SampleAim(3, "6035060X", 36, YEAR_START, YEAR_END, aim_type=3, prog_type=25, std_code=123),
        ],
    )  # fmt: skip


def high_needs() -> SampleLearner:
    return SampleLearner(
        "HN0001", uln(5), "Alex", "Morgan", birth="2007-09-30", eng_grade="1", math_grade="U",
        fams=[("HNS", "1"), ("EHC", "1"), ("EDF", "1"), ("EDF", "2")],
        aims=[SampleAim(1, "ZPROG001", 25, YEAR_START, YEAR_END, aim_type=5)],
    )  # fmt: skip


def changing(*, later: bool) -> SampleLearner:
    """A learner with several aims; `later` is the next month's file: aim 1 completed, 2 gone, 4 new."""
    if not later:
        aims = [
            SampleAim(1, "60350593", 35, YEAR_START, YEAR_END),
            SampleAim(2, "60350568", 35, YEAR_START, YEAR_END),
            SampleAim(3, "6035060X", 35, YEAR_START, YEAR_END, fams=[("MMH", "43")]),
        ]
    else:
        aims = [
            SampleAim(1, "60350593", 35, YEAR_START, YEAR_END, comp_status=2, actual_end="2025-12-12", outcome=1),
            SampleAim(3, "6035060X", 35, YEAR_START, YEAR_END, fams=[("MMH", "43")]),
            SampleAim(4, "60350520", 35, "2026-01-05", YEAR_END),
        ]
    return SampleLearner("CH0001", uln(6), "Jo", "Reed", birth="1979-01-01", math_grade="NONE", aims=aims)


def cohort(*, later: bool = False) -> list[SampleLearner]:
    return [
        study_programme(),
        adult_with_gcse(),
        adult_without_gcse(),
        apprentice(),
        high_needs(),
        changing(later=later),
    ]


def ilr_path(
    tmp_path: Path, learners: list[SampleLearner], *, name: str = "ILR-10000001-2526.xml", year: str = "2025-26"
) -> Path:
    path = tmp_path / name
    ilr_file_write(path, learners, year=year)
    return path
