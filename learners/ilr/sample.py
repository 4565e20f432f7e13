"""Synthetic ILR files in the public schema's shape, for tests, demos and the benchmark.

Each learner carries the elements the import must skip (ethnicity, sex, health,
National Insurance number, postcodes, address, phone, email, contact
preferences) beside those it reads, so a test can show they are never stored.
Written a learner at a time, so a 50,000-learner file needs no memory to make.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape


@dataclass
class SampleAim:
    seq: int
    ref: str
    fund_model: int
    start: str
    planned_end: str
    aim_type: int = 4
    prog_type: int | None = None
    std_code: int | None = None
    comp_status: int = 1
    actual_end: str = ""
    outcome: int | None = None
    fams: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SampleLearner:
    ref: str
    uln: str
    given: str
    family: str
    birth: str = "2000-01-01"
    eng_grade: str = ""
    math_grade: str = ""
    prior_level: str = ""
    fams: list[tuple[str, str]] = field(default_factory=list)
    aims: list[SampleAim] = field(default_factory=list)


def uln_with_check_digit(nine_digits: str) -> str:
    """A valid ULN from nine digits (weights 10..2, mod 11); the caller avoids a remainder of 0."""
    remainder = sum(int(d) * w for d, w in zip(nine_digits, range(10, 1, -1), strict=True)) % 11
    return nine_digits + str(10 - remainder) if remainder else ""


def _element(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>" if value not in ("", None) else ""


def _aim_xml(aim: SampleAim) -> str:
    parts = [
        _element("LearnAimRef", aim.ref),
        _element("AimType", aim.aim_type),
        _element("AimSeqNumber", aim.seq),
        _element("LearnStartDate", aim.start),
        _element("LearnPlanEndDate", aim.planned_end),
        _element("FundModel", aim.fund_model),
        _element("ProgType", aim.prog_type),
        _element("StdCode", aim.std_code),
        _element("DelLocPostCode", "ZZ99 9ZZ"),
        _element("CompStatus", aim.comp_status),
        _element("LearnActEndDate", aim.actual_end),
        _element("Outcome", aim.outcome),
    ]
    parts += [
        f"<LearningDeliveryFAM>{_element('LearnDelFAMType', t)}{_element('LearnDelFAMCode', c)}</LearningDeliveryFAM>"
        for t, c in aim.fams
    ]
    return f"<LearningDelivery>{''.join(parts)}</LearningDelivery>"


def learner_xml(learner: SampleLearner) -> str:
    """One Learner element in the schema's order, with the personal data the import must not keep."""
    parts = [
        _element("LearnRefNumber", learner.ref),
        _element("ULN", learner.uln),
        _element("FamilyName", learner.family),
        _element("GivenNames", learner.given),
        _element("DateOfBirth", learner.birth),
        _element("Ethnicity", 31),
        _element("Sex", "F"),
        _element("LLDDHealthProb", 2),
        _element("NINumber", "QQ123456C"),
        _element("PriorAttainLegacy", ""),
        _element("PostcodePrior", "ZZ99 9ZZ"),
        _element("Postcode", "ZZ99 9ZZ"),
        _element("AddLine1", "1 Secret Street"),
        _element("TelNo", "07000000000"),
        _element("Email", "private@example.invalid"),
        _element("MathGrade", learner.math_grade),
        _element("EngGrade", learner.eng_grade),
        "<ContactPreference><ContPrefType>RUI</ContPrefType><ContPrefCode>1</ContPrefCode></ContactPreference>",
    ]
    parts += [
        f"<LearnerFAM>{_element('LearnFAMType', t)}{_element('LearnFAMCode', c)}</LearnerFAM>" for t, c in learner.fams
    ]
    if learner.prior_level:
        parts.append(
            f"<PriorAttain>{_element('PriorLevel', learner.prior_level)}"
            f"{_element('DateLevelApp', '2024-08-01')}</PriorAttain>"
        )
    parts += [_aim_xml(aim) for aim in learner.aims]
    return f"<Learner>{''.join(parts)}</Learner>\n"


def ilr_lines(learners: Iterable[SampleLearner], *, year: str = "2025-26") -> Iterator[str]:
    """The file's text, a learner at a time."""
    short = year.replace("-", "")[2:]
    yield '<?xml version="1.0" encoding="utf-8"?>\n'
    yield f'<Message xmlns="ESFA/ILR/{year}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    yield (
        "<Header><CollectionDetails><Collection>ILR</Collection>"
        f"<Year>{short}</Year><FilePreparationDate>2025-10-03</FilePreparationDate></CollectionDetails>"
        "<Source><ProtectiveMarking>OFFICIAL-SENSITIVE-Personal</ProtectiveMarking><UKPRN>10000001</UKPRN>"
        "<SoftwareSupplier>bksbmis sample</SoftwareSupplier><Release>1</Release><SerialNo>01</SerialNo>"
        "<DateTime>2025-10-03T09:00:00</DateTime></Source></Header>\n"
        "<LearningProvider><UKPRN>10000001</UKPRN></LearningProvider>\n"
    )
    for learner in learners:
        yield learner_xml(learner)
    yield "</Message>\n"


def ilr_file_write(target: Path | IO[str], learners: Iterable[SampleLearner], *, year: str = "2025-26") -> None:
    if isinstance(target, Path):
        with target.open("w", encoding="utf-8") as stream:
            stream.writelines(ilr_lines(learners, year=year))
    else:
        target.writelines(ilr_lines(learners, year=year))
