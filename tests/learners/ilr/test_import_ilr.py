"""import_learners FILE.xml: an ILR file's records, grades, aims and provision types equal the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError

from learners.ilr.sample import SampleLearner
from learners.import_rows import ATTAINMENT_COLUMNS, COLUMNS
from learners.models import Learner, LearningAim
from tests.factories import LearnerFactory, WebUserFactory
from tests.learners.ilr import files
from tests.support import run

pytestmark = pytest.mark.django_db


def _aims(ref: str) -> list[tuple]:
    return list(
        LearningAim.objects.filter(learner__learner_ref=ref)
        .order_by("aim_seq_number")
        .values_list("aim_seq_number", "learn_aim_ref", "fund_model", "comp_status", "actual_end_date", "outcome")
    )


def _snapshot() -> list[tuple]:
    return [
        (*values, _aims(values[0]))
        for values in Learner.objects.order_by("learner_ref").values_list(
            "learner_ref", "first_name", "last_name", "uln", "gcse_english_grade", "gcse_maths_grade", "prior_level",
            "provision_type", "high_needs", "ehc_plan", "edf_english", "edf_maths", "updated_at",
        )
    ]  # fmt: skip


def test_the_records_grades_aims_and_provision_types_equal_the_file(tmp_path: Path):
    out, err = run(files.ilr_path(tmp_path, files.cohort()))

    assert out.strip() == (
        "Imported the 2025/26 ILR file, 6 learners: 6 created, 0 updated, 0 unchanged; "
        "aims 11 added, 0 updated, 0 removed."
    )
    assert err == ""
    rows = {
        r[0]: r[1:]
        for r in Learner.objects.values_list(
            "learner_ref", "first_name", "gcse_english_grade", "gcse_maths_grade", "prior_level", "provision_type"
        )
    }
    assert rows == {
        "SP1701": ("Priya", "5", "3", "1", "young_people"),
        "AD0501": ("Tom", "4", "5", "2", "adults"),
        "AD0302": ("Rose", "NONE", "3", "9", "adults"),
        "AP0401": ("Sam", "4", "2", "2", "apprenticeships"),
        "HN0001": ("Alex", "1", "U", "", "high_needs"),
        "CH0001": ("Jo", "", "NONE", "", "adults"),
    }
    hn = Learner.objects.get(learner_ref="HN0001")
    assert (hn.high_needs, hn.ehc_plan, hn.edf_english, hn.edf_maths) == (True, True, True, True)
    assert Learner.objects.get(learner_ref="CH0001").gcse_english_grade == ""  # not known, unlike "NONE"
    sp = Learner.objects.get(learner_ref="SP1701")
    assert (sp.uln, sp.date_of_birth, sp.start_date) == (files.uln(1), dt.date(2008, 3, 14), dt.date(2025, 9, 1))
    assert (sp.attainment_source, sp.attainment_as_of) == ("ilr", dt.date(2025, 10, 3))
    assert _aims("AP0401") == [
        (1, "ZPROG001", 36, 1, None, None),
        (2, "60350581", 36, 1, None, None),
        (3, "6035060X", 36, 1, None, None),
    ]
    core = LearningAim.objects.get(learner=sp, aim_seq_number=1)
    assert (core.aim_type, core.planned_maths_hours, core.planned_english_hours) == (5, 100, None)
    apprenticeship = LearningAim.objects.get(learner__learner_ref="AP0401", aim_seq_number=1)
    assert (apprenticeship.prog_type, apprenticeship.std_code) == (25, 123)


def test_what_the_file_holds_and_the_product_does_not_use_is_not_stored(tmp_path: Path):
    LearnerFactory(learner_ref="AD0501", email="tom@college.example")
    run(files.ilr_path(tmp_path, files.cohort()))

    assert Learner.objects.get(learner_ref="AD0501").email == "tom@college.example"  # the ILR's Email is not read
    assert not Learner.objects.filter(email="private@example.invalid").exists()
    stored = " ".join(str(v) for row in Learner.objects.values_list() for v in row)
    for private in ("QQ123456C", "Secret Street", "ZZ99 9ZZ", "07000000000", "private@example.invalid"):
        assert private not in stored


def test_imported_records_are_found_by_the_list_search_by_their_new_names(client, tutor, tmp_path: Path):
    on_file = WebUserFactory(
        user__username="tbaker.web", learner__learner_ref="AD0501", learner__last_name="Formerly", learner__email=""
    ).learner
    client.force_login(tutor)

    run(files.ilr_path(tmp_path, files.cohort()))

    def found(query: str) -> str:
        return client.get("/learners/", {"q": query}).text

    for query in ("priya shah", "SP1701"):
        assert "Shah, Priya" in found(query), query
    # Updated by the file: found by its new name, still by its web username (which the ILR does not hold).
    for query in ("baker", "tom baker", "AD0501", "tbaker.web"):
        assert "Baker, Tom" in found(query), query
    assert "Baker, Tom" not in found("formerly")
    assert Learner.objects.get(pk=on_file.pk).last_name == "Baker"


def test_a_second_import_of_the_same_file_changes_nothing(tmp_path: Path):
    path = files.ilr_path(tmp_path, files.cohort())
    run(path)
    before = _snapshot()
    history = Learner.history.count()

    out, _ = run(path)

    assert "6 learners: 0 created, 0 updated, 6 unchanged; aims 0 added, 0 updated, 0 removed" in out
    assert _snapshot() == before
    assert Learner.history.count() == history


def test_a_learner_whose_aims_changed_gets_the_files_aims_added_updated_and_removed(tmp_path: Path):
    run(files.ilr_path(tmp_path, files.cohort()))
    kept_pk = LearningAim.objects.get(learner__learner_ref="CH0001", aim_seq_number=3).pk

    out, _ = run(files.ilr_path(tmp_path, files.cohort(later=True), name="later.xml"))

    assert "0 created, 1 updated, 5 unchanged; aims 1 added, 1 updated, 1 removed" in out
    assert _aims("CH0001") == [
        (1, "60350593", 35, 2, dt.date(2025, 12, 12), 1),
        (3, "6035060X", 35, 1, None, None),
        (4, "60350520", 35, 1, None, None),
    ]
    assert LearningAim.objects.get(learner__learner_ref="CH0001", aim_seq_number=3).pk == kept_pk


def test_a_dry_run_counts_and_writes_nothing(tmp_path: Path):
    out, _ = run(files.ilr_path(tmp_path, files.cohort()), "--dry-run")

    assert out.strip() == (
        "Checked the 2025/26 ILR file (dry run, nothing written): would be 6 learners: 6 created, 0 updated, "
        "0 unchanged; aims 11 added, 0 updated, 0 removed."
    )
    assert not Learner.objects.exists()


def test_the_2026_27_file_is_read_too(tmp_path: Path):
    out, _ = run(files.ilr_path(tmp_path, [files.adult_with_gcse()], year="2026-27"))
    assert out.startswith("Imported the 2026/27 ILR file, 1 learner: 1 created")


def test_a_file_of_another_year_is_refused_with_nothing_written(tmp_path: Path):
    with pytest.raises(CommandError) as refused:
        run(files.ilr_path(tmp_path, files.cohort(), year="2024-25"))

    assert str(refused.value) == (
        "This ILR file has the namespace ESFA/ILR/2024-25: only 2025/26 (ESFA/ILR/2025-26) and 2026/27 "
        "(ESFA/ILR/2026-27) files are read. Nothing was imported."
    )
    assert not Learner.objects.exists()


def test_a_broken_file_is_refused_with_its_line_and_nothing_written(tmp_path: Path):
    path = files.ilr_path(tmp_path, files.cohort())
    text = path.read_text()
    path.write_text(text[: text.index("<Learner>", text.index("HN0001") - 400) + 300])  # cut mid-learner

    with pytest.raises(CommandError) as refused:
        run(path)

    assert str(refused.value).startswith("The file is not well-formed XML: ")
    assert "(line " in str(refused.value)
    assert str(refused.value).endswith("Nothing was imported.")
    assert not Learner.objects.exists()


def test_a_learner_with_a_bad_uln_is_reported_by_reference_and_element_with_nothing_written(tmp_path: Path):
    bad = files.adult_with_gcse()
    bad.uln = "1000000042"
    path = files.ilr_path(tmp_path, [files.study_programme(), bad])

    with pytest.raises(CommandError, match="1 learner refused"):
        run(path)
    assert not Learner.objects.exists()
    assert not LearningAim.objects.exists()


def test_skip_invalid_imports_the_good_learners_and_refuses_the_bad(tmp_path: Path):
    bad_uln = files.adult_with_gcse()
    bad_uln.uln = "1000000042"
    bad_aim = files.apprentice()
    bad_aim.aims[1].start = "2025-13-01"
    bad_grade = SampleLearner("XG0001", files.uln(9), "Kim", "Lee", eng_grade="Z")
    path = files.ilr_path(tmp_path, [files.study_programme(), bad_uln, bad_aim, bad_grade])

    with pytest.raises(CommandError, match="3 learners refused"):
        run(path, "--skip-invalid")

    assert list(Learner.objects.values_list("learner_ref", flat=True)) == ["SP1701"]


def test_bad_learner_messages(tmp_path: Path):
    from learners.ilr.importing import ilr_check

    bad_uln = files.adult_with_gcse()
    bad_uln.uln = "1000000042"
    bad_aim = files.apprentice()
    bad_aim.aims[1].start = "2025-13-01"
    repeated = files.study_programme()
    path = files.ilr_path(tmp_path, [files.study_programme(), bad_uln, bad_aim, repeated])

    refused = [str(error) for error in ilr_check(path=path).refused]

    assert refused[0].startswith("Learner AD0501 (learner 2, line ")
    assert refused[0].endswith("): ULN: 1000000042 fails the ULN check digit. (rules ULN_01, ULN_04)")
    assert refused[1].endswith(
        "): LearningDelivery[AimSeqNumber 2]/LearnStartDate: “2025-13-01” is not a date (YYYY-MM-DD)."
    )
    assert refused[2].endswith("): LearnRefNumber: SP1701 is already learner 1 of this file.")


def test_the_csv_import_takes_the_optional_attainment_columns(tmp_path: Path):
    from tests.support import csv_file, row

    header = [*COLUMNS, *ATTAINMENT_COLUMNS]
    good = row("C1", uln="1000000043", gcse_english_grade="c", gcse_maths_grade="none", prior_level="Full level 2")
    path = csv_file(tmp_path, [good], header=header)
    run(path)

    learner = Learner.objects.get(learner_ref="C1")
    assert (learner.uln, learner.gcse_english_grade, learner.gcse_maths_grade) == ("1000000043", "C", "NONE")
    assert (learner.prior_level, learner.attainment_source) == ("2", "csv")
    out, _ = run(path)
    assert "0 updated, 1 unchanged" in out

    bad = row("C2", uln="1000000042", gcse_english_grade="Z", gcse_maths_grade="", prior_level="42")
    with pytest.raises(CommandError, match="1 row refused"):
        run(csv_file(tmp_path, [bad], header=header))
    assert not Learner.objects.filter(learner_ref="C2").exists()


def test_a_csv_without_the_attainment_columns_leaves_them_as_they_are(tmp_path: Path):
    from tests.support import csv_file, row

    run(files.ilr_path(tmp_path, [files.apprentice()]))
    run(csv_file(tmp_path, [row("AP0401", first_name="Samuel")]))

    learner = Learner.objects.get(learner_ref="AP0401")
    assert (learner.first_name, learner.gcse_english_grade, learner.attainment_source) == ("Samuel", "4", "ilr")


def test_prior_level_codes_that_ended_in_2013_are_refused(tmp_path: Path):
    from learners.ilr.importing import ilr_check

    old_level_4 = files.adult_with_gcse()
    old_level_4.prior_level = "4"  # Level 4 until 31 July 2013; 10 since
    path = files.ilr_path(tmp_path, [old_level_4])

    [refused] = [str(error) for error in ilr_check(path=path).refused]

    assert refused.endswith("PriorAttain/PriorLevel: “4” is not a PriorLevel code.")
