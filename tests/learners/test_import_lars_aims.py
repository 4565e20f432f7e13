"""import_lars_aims: the Functional Skills English and maths aims of the LARS CSV download, into the aim mapping."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from learners.models import EnglishMathsAim

pytestmark = pytest.mark.django_db

# The first columns of the published files, in their order, and a few after them.
DELIVERY_HEADER = (
    "LearnAimRef,EffectiveFrom,EffectiveTo,LearnAimRefTitle,LearnAimRefType,NotionalNVQLevel,NotionalNVQLevelv2,"
    "AwardOrgAimRef,EntrySubLevel,AwardOrgCode\n"
)
ANNUAL_HEADER = "LearnAimRef,EffectiveFrom,EffectiveTo,BasicSkills,BasicSkillsBroadType,BasicSkillsType\n"

DELIVERIES = DELIVERY_HEADER + (
    "6034992X,2019-08-01,,Highfield Functional Skills Qualification in Mathematics at Level 2,1439,2,2,,,HIGHFIELD\n"
    "60348963,2019-08-01,,Open Awards Entry Level Functional Skills Qualification in English (Entry 3),1439,E,E,,,OA\n"
    "60399991,2019-08-01,,Example Functional Skills Qualification in English at Entry Level 1,1439,E,E,,,EXAMPLE\n"
    "60350581,2019-08-01,,NCFE Level 1 Functional Skills Qualification in English (renamed),1439,1,1,,,NCFE\n"
    '60399992,2019-08-01,,"Example Entry Level Award in Functional Skills Mathematics, all levels",1439,E,E,,,EX\n'
    "60123456,2015-08-01,,AQA Level 1/Level 2 GCSE (9-1) in Mathematics,0003,2,2,,,AQA\n"
)
ANNUAL_VALUES = ANNUAL_HEADER + (
    "6034992X,2019-08-01,2020-07-31,1,2,19\n"
    "6034992X,2020-08-01,,1,2,19\n"
    "60348963,2019-08-01,,1,1,20\n"
    "60399991,2019-08-01,,1,1,20\n"
    "60350581,2019-08-01,,1,1,20\n"
    "60399992,2019-08-01,,1,2,19\n"
    "60123456,2015-08-01,,1,2,12\n"
    "60399993,2019-08-01,,1,2,19\n"
)


def _files(tmp_path: Path, deliveries: str = DELIVERIES, annual_values: str = ANNUAL_VALUES) -> tuple[str, str]:
    delivery_file = tmp_path / "LearningDelivery.csv"
    annual_file = tmp_path / "AnnualValue.csv"
    delivery_file.write_text("\ufeff" + deliveries, encoding="utf-8")
    annual_file.write_text(annual_values, encoding="utf-8")
    return str(delivery_file), str(annual_file)


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_lars_aims", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _mapped(ref: str) -> tuple[str, str, str]:
    aim = EnglishMathsAim.objects.get(learn_aim_ref=ref)
    return aim.title, aim.subject, aim.level


def test_adds_and_updates_the_functional_skills_aims_with_their_subject_and_level(tmp_path):
    # 6034992X and 60348963 ship in migration 0006 with these titles: unchanged
    before = EnglishMathsAim.objects.count()

    out, err = _run(*_files(tmp_path))

    assert out == (
        "4 Functional Skills English or maths aims found: 1 added, 1 updated, 2 unchanged; 2 skipped (listed above).\n"
    )
    assert _mapped("60399991") == (
        "Example Functional Skills Qualification in English at Entry Level 1",
        "english",
        "entry_1",
    )
    assert _mapped("6034992X") == (
        "Highfield Functional Skills Qualification in Mathematics at Level 2",
        "maths",
        "level_2",
    )
    assert _mapped("60348963")[1:] == ("english", "entry_3")
    assert _mapped("60350581") == (
        "NCFE Level 1 Functional Skills Qualification in English (renamed)",
        "english",
        "level_1",
    )
    assert not EnglishMathsAim.objects.filter(learn_aim_ref="60123456").exists()  # a GCSE, not Functional Skills
    assert EnglishMathsAim.objects.count() == before + 1
    assert err.splitlines() == [
        "skipped: 60399992 Example Entry Level Award in Functional Skills Mathematics, all levels: "
        "an entry level aim whose title names no Entry 1, 2 or 3",
        "skipped: 60399993: in AnnualValue.csv but not in LearningDelivery.csv",
    ]
    history = EnglishMathsAim.objects.get(learn_aim_ref="60350581").history.first()
    assert history.history_change_reason == "LARS download (import_lars_aims)"


def test_a_second_import_of_the_same_files_changes_nothing(tmp_path, django_assert_max_num_queries):
    files = _files(tmp_path)
    _run(*files)

    with django_assert_max_num_queries(1):
        out, _ = _run(*files)

    assert out.startswith("4 Functional Skills English or maths aims found: 0 added, 0 updated, 4 unchanged;")


def test_the_writes_are_a_few_queries_whatever_the_number_of_aims(tmp_path, django_assert_max_num_queries):
    rows = [
        f"6039{n:04d},2019-08-01,,Example Functional Skills Qualification in English at Level 1,1439,1,1,,,EX"
        for n in range(300)
    ]
    values = [f"6039{n:04d},2019-08-01,,1,1,20" for n in range(300)]
    files = _files(tmp_path, DELIVERY_HEADER + "\n".join(rows) + "\n", ANNUAL_HEADER + "\n".join(values) + "\n")

    with django_assert_max_num_queries(8):
        out, _ = _run(*files)

    assert out == "300 Functional Skills English or maths aims found: 300 added, 0 updated, 0 unchanged.\n"


def test_a_dry_run_counts_and_writes_nothing(tmp_path):
    before = list(EnglishMathsAim.objects.values_list("learn_aim_ref", "title", "subject", "level"))

    out, _ = _run(*_files(tmp_path), "--dry-run")

    assert out.startswith(
        "4 Functional Skills English or maths aims found (dry run, nothing written): would be 1 added,"
    )
    assert list(EnglishMathsAim.objects.values_list("learn_aim_ref", "title", "subject", "level")) == before


def test_the_files_given_the_wrong_way_round_are_refused_with_what_to_do(tmp_path):
    deliveries, annual_values = _files(tmp_path)

    with pytest.raises(CommandError) as refused:
        _run(annual_values, deliveries)

    assert str(refused.value) == (
        "This is not the LARS AnnualValue.csv: it has no BasicSkillsType column. "
        "It looks like LearningDelivery.csv: give AnnualValue.csv in its place."
    )


@pytest.mark.parametrize(
    ("annual_values", "message"),
    [
        ("", "This is not the LARS AnnualValue.csv: the file is empty."),
        (
            "Name,Email\nA,a@example.com\n",
            "This is not the LARS AnnualValue.csv: it has no LearnAimRef, BasicSkillsType column.",
        ),
    ],
)
def test_a_file_that_is_not_the_lars_file_is_refused_and_nothing_written(tmp_path, annual_values, message):
    before = EnglishMathsAim.objects.count()

    with pytest.raises(CommandError) as refused:
        _run(*_files(tmp_path, annual_values=annual_values))

    assert str(refused.value) == message
    assert EnglishMathsAim.objects.count() == before


def test_a_file_that_is_not_text_is_refused(tmp_path):
    deliveries, annual_values = _files(tmp_path)
    Path(deliveries).write_bytes(b"PK\x03\x04\xff\xfe\x00binary zip")

    with pytest.raises(CommandError, match=r"^This is not the LARS LearningDelivery.csv: 'utf-8' codec can't decode"):
        _run(deliveries, annual_values)


def test_a_missing_file_is_named(tmp_path):
    deliveries, _ = _files(tmp_path)

    with pytest.raises(CommandError, match=r"^Cannot read .*/nowhere.csv: No such file or directory\.$"):
        _run(deliveries, str(tmp_path / "nowhere.csv"))


def test_an_aim_whose_subject_differs_between_years_is_skipped(tmp_path):
    annual_values = ANNUAL_HEADER + "6034992X,2019-08-01,2020-07-31,1,2,19\n6034992X,2020-08-01,,1,1,20\n"

    out, err = _run(*_files(tmp_path, annual_values=annual_values))

    assert out == (
        "0 Functional Skills English or maths aims found: 0 added, 0 updated, 0 unchanged; 1 skipped (listed above).\n"
    )
    assert err == "skipped: 6034992X: its BasicSkillsType is 19 (maths) in one year and 20 (English) in another\n"
