"""A population built to trip each cross-check rule exactly once, a clean record beside it, and the fixes."""

from __future__ import annotations

import datetime as dt
import itertools

from bksb_integration.models import LearnerLevel
from learners.models import EnglishMathsAim, Learner, LearningAim
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

START = dt.date(2025, 9, 1)
BEFORE = dt.datetime(2025, 8, 20, 9, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.UTC)
AGED_17 = dt.date(2008, 3, 14)
AGED_30 = dt.date(1995, 3, 14)
# English and maths aims as the admin's mapping names them (the test's own references).
AIMS = {
    ("english", "entry_3"): "ZCKEE3", ("english", "level_1"): "ZCKEL1", ("english", "level_2"): "ZCKEL2",
    ("maths", "entry_3"): "ZCKME3", ("maths", "level_1"): "ZCKML1", ("maths", "level_2"): "ZCKML2",
}  # fmt: skip
PROGRAMME = "ZPROG001"
_sessions = itertools.count(7000)
_users = itertools.count(3100000)


def aims_mapped() -> None:
    for (subject, level), ref in AIMS.items():
        EnglishMathsAim.objects.get_or_create(
            learn_aim_ref=ref, defaults={"title": f"FS {subject} {level}", "subject": subject, "level": level}
        )


def aim(learner: Learner, seq: int, ref: str, fund_model: int, **values: object) -> LearningAim:
    return LearningAim.objects.create(
        learner=learner, aim_seq_number=seq, learn_aim_ref=ref, aim_type=values.pop("aim_type", 4),
        fund_model=fund_model, start_date=START, planned_end_date=dt.date(2026, 6, 30),
        comp_status=values.pop("comp_status", 1), **values,
    )  # fmt: skip


def result(learner: Learner, text: str, subject: str, when: dt.datetime, *, kind: str = "initial") -> None:
    """One bksb result stored as a download stores it (the levels summary kept with it)."""
    user_id = learner.bksb_link.bksb_user_id if hasattr(learner, "bksb_link") else next(_users)
    store(learner, item(next(_sessions), text, subject=subject, when=when, kind=kind), user_id=user_id)


def _young(ref: str, **fields: object) -> Learner:
    values: dict[str, object] = {
        "learner_ref": ref, "date_of_birth": AGED_17, "provision_type": "young_people",
        "gcse_english_grade": "5", "gcse_maths_grade": "5", "attainment_source": "ilr",
        "attainment_as_of": dt.date(2025, 10, 3), **fields,
    }  # fmt: skip
    learner = LearnerFactory(**values)
    aim(learner, 1, PROGRAMME, 25, aim_type=5, planned_english_hours=100, planned_maths_hours=100)
    return learner


def _adult(ref: str, **fields: object) -> Learner:
    values: dict[str, object] = {"learner_ref": ref, "date_of_birth": AGED_30, "provision_type": "adults", **fields}
    return LearnerFactory(**{"gcse_english_grade": "NONE", "gcse_maths_grade": "NONE", **values})


def _apprentice(ref: str, born: dt.date, **fields: object) -> Learner:
    learner = LearnerFactory(learner_ref=ref, date_of_birth=born, provision_type="apprenticeships", **fields)
    aim(learner, 1, "ZAPPSTD1", 36, aim_type=1, prog_type=25, std_code=123)
    return learner


def population() -> dict[str, Learner]:
    """{the finding's code: the one record that trips it}, and "clean": a record with none."""
    aims_mapped()
    made: dict[str, Learner] = {}
    made["english_grade_without_edf"] = _young("CK01", gcse_english_grade="3")
    made["maths_grade_without_edf"] = _young("CK02", gcse_maths_grade="U")
    made["english_grade_missing"] = _young("CK03", gcse_english_grade="")
    made["maths_grade_missing"] = _young("CK04", gcse_maths_grade="")

    learner = made["english_aim_level_held"] = _adult("CK05", gcse_english_grade="4")
    aim(learner, 1, AIMS["english", "level_1"], 35)
    result(learner, "English Entry 3", "english", BEFORE)
    learner = made["maths_aim_level_held"] = _adult("CK06", gcse_maths_grade="2", edf_maths=True)
    aim(learner, 1, AIMS["maths", "entry_3"], 35)
    result(learner, "Maths Entry 2", "maths", BEFORE)

    learner = made["english_aim_below_assessed"] = _adult("CK07")
    aim(learner, 1, AIMS["english", "entry_3"], 35)
    result(learner, "English Level 1", "english", AFTER)
    learner = made["maths_aim_below_assessed"] = _adult("CK08")
    aim(learner, 1, AIMS["maths", "entry_3"], 35)
    result(learner, "Maths Level 1", "maths", AFTER, kind="diagnostic")

    learner = made["english_hours_below_minimum"] = _young("CK09", gcse_english_grade="3", edf_english=True)
    LearningAim.objects.filter(learner=learner).update(planned_english_hours=30)
    learner = made["maths_hours_below_minimum"] = _young("CK10", gcse_maths_grade="2", edf_maths=True)
    LearningAim.objects.filter(learner=learner).update(planned_maths_hours=20)

    learner = made["english_no_initial_assessment"] = _apprentice("CK11", AGED_17)
    result(learner, "Maths Entry 3", "maths", BEFORE)
    learner = made["maths_no_initial_assessment"] = _apprentice("CK12", AGED_17)
    result(learner, "English Entry 3", "english", BEFORE)
    result(learner, "Maths Entry 3", "maths", AFTER)

    learner = made["english_aim_no_bksb_result"] = _adult("CK13")
    aim(learner, 1, AIMS["english", "level_1"], 35)
    learner = made["maths_aim_no_bksb_result"] = _adult("CK14")
    aim(learner, 1, AIMS["maths", "level_1"], 35)

    learner = made["apprentice_no_decision"] = _apprentice("CK15", AGED_30)
    result(learner, "English Level 1", "english", BEFORE)
    result(learner, "Maths Level 1", "maths", BEFORE)

    # Clean: a 17-year-old apprentice with grade 3 English (and its EDF), on a Level 2 English aim and a Level 2
    # maths aim above what grade 3 and bksb say, each subject assessed before the start.
    learner = made["clean"] = _apprentice(
        "CK16", AGED_17, gcse_english_grade="3", edf_english=True, gcse_maths_grade="NONE"
    )
    aim(learner, 2, AIMS["english", "level_2"], 36)
    aim(learner, 3, AIMS["maths", "level_2"], 36)
    result(learner, "English Entry 3", "english", BEFORE)
    result(learner, "Maths Level 1", "maths", BEFORE)
    return made


def population_fix(made: dict[str, Learner]) -> None:
    """Correct each record's data as its finding's fix says (the decision is the decision record's, at merge)."""
    Learner.objects.filter(pk=made["english_grade_without_edf"].pk).update(edf_english=True)
    Learner.objects.filter(pk=made["maths_grade_without_edf"].pk).update(edf_maths=True)
    Learner.objects.filter(pk=made["english_grade_missing"].pk).update(gcse_english_grade="NONE")
    Learner.objects.filter(pk=made["maths_grade_missing"].pk).update(gcse_maths_grade="4")
    LearningAim.objects.filter(learner=made["english_aim_level_held"]).update(learn_aim_ref=AIMS["english", "level_2"])
    Learner.objects.filter(pk=made["english_aim_level_held"].pk).update(gcse_english_grade="3", edf_english=True)
    LearningAim.objects.filter(learner=made["maths_aim_level_held"]).update(learn_aim_ref=AIMS["maths", "level_2"])
    LearningAim.objects.filter(learner=made["english_aim_below_assessed"]).update(
        learn_aim_ref=AIMS["english", "level_1"]
    )
    LearningAim.objects.filter(learner=made["maths_aim_below_assessed"]).update(learn_aim_ref=AIMS["maths", "level_1"])
    LearningAim.objects.filter(learner=made["english_hours_below_minimum"]).update(planned_english_hours=60)
    LearningAim.objects.filter(learner=made["maths_hours_below_minimum"]).update(planned_maths_hours=50)
    result(Learner.objects.get(pk=made["english_no_initial_assessment"].pk), "English Entry 3", "english", BEFORE)
    result(Learner.objects.get(pk=made["maths_no_initial_assessment"].pk), "Maths Entry 2", "maths", BEFORE)
    result(Learner.objects.get(pk=made["english_aim_no_bksb_result"].pk), "English Entry 3", "english", BEFORE)
    result(Learner.objects.get(pk=made["maths_aim_no_bksb_result"].pk), "Maths Entry 3", "maths", BEFORE)


def has_summary(learner: Learner, subject: str) -> bool:
    return LearnerLevel.objects.filter(learner=learner, subject=subject).exists()
