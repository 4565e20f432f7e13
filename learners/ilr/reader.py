"""Stream an ILR XML file learner by learner, reading only the elements the product uses, each checked.

lxml's iterparse reads one Learner element at a time and the element is cleared
once read, so memory stays flat however many learners the file holds. The DfE
publishes each year's XSD, but it cannot be fetched from here, so the elements
read are checked by this module against the schema's shapes and the ILR rules
named in each message; elements not read (ethnicity, health, addresses, contact
preferences and the rest) are skipped unread and never stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from learners.attainment import GRADE_WORDS, PriorLevel, uln_problem

# Namespace -> collection year. The current and the previous year are accepted.
YEARS = {"ESFA/ILR/2025-26": "2025/26", "ESFA/ILR/2026-27": "2026/27"}
LEARN_REF = re.compile(r"[A-Za-z0-9 ]{1,12}")
AIM_REF = re.compile(r"[A-Za-z0-9]{8}")
PRIOR_LEVELS = set(PriorLevel.values)
# Never resolve entities, load a DTD or reach the network (XXE); huge_tree stays off.
PARSER_OPTIONS: dict[str, Any] = {"resolve_entities": False, "no_network": True, "load_dtd": False}


class IlrFileError(ValueError):
    """The file as a whole cannot be read as an ILR file of an accepted year: no learner is looked at."""


@dataclass(frozen=True)
class IlrAim:
    aim_seq_number: int
    learn_aim_ref: str
    aim_type: int
    fund_model: int
    prog_type: int | None
    std_code: int | None
    start_date: dt.date
    planned_end_date: dt.date
    actual_end_date: dt.date | None
    comp_status: int
    outcome: int | None
    planned_english_hours: int | None
    planned_maths_hours: int | None
    source_of_funding: str


@dataclass(frozen=True)
class IlrLearner:
    position: int  # 1 for the file's first Learner
    line: int
    learn_ref: str
    uln: str
    given_names: str
    family_name: str
    date_of_birth: dt.date | None
    eng_grade: str
    math_grade: str
    prior_level: str
    edf_english: bool
    edf_maths: bool
    ecf_code: str
    mcf_code: str
    high_needs: bool
    ehc_plan: bool
    aims: tuple[IlrAim, ...]


@dataclass(frozen=True)
class IlrLearnerError:
    """A refused learner: where it is in the file, its LearnRefNumber, and each element at fault."""

    position: int
    line: int
    learn_ref: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        ref = f" {self.learn_ref}" if self.learn_ref else ""
        return f"Learner{ref} (learner {self.position}, line {self.line}): {'; '.join(self.reasons)}"


@dataclass
class IlrHeader:
    year: str = ""
    prepared: dt.date | None = None


def ilr_sniff(head: bytes) -> bool:
    """Whether a file's first bytes are XML (the import tells ILR from CSV by content, never by name)."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def ilr_learners_read(path: Path, header: IlrHeader) -> Iterator[IlrLearner | IlrLearnerError]:
    """Each Learner of the file, read and checked, in file order; fills `header` as it is read.

    Raises IlrFileError for a file that is not XML, not an ILR file, or of a year
    not accepted. The parser never resolves entities or reaches the network.
    """
    namespace = _namespace_read(path)
    header.year = YEARS[namespace]
    position = 0
    tags = [f"{{{namespace}}}Learner", f"{{{namespace}}}CollectionDetails"]
    context = etree.iterparse(str(path), events=("end",), tag=tags, **PARSER_OPTIONS)
    try:
        for _event, element in context:
            if etree.QName(element).localname == "CollectionDetails":
                _header_read(element, namespace, header)
                continue
            position += 1
            yield _learner_read(element, namespace, position)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise IlrFileError(_syntax_message(exc)) from None


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    return f"The file is not well-formed XML: {exc.msg} (line {exc.lineno}). Nothing was imported."


def _namespace_read(path: Path) -> str:
    """The root element's namespace, read from the first element alone."""
    try:
        for _event, root in etree.iterparse(str(path), events=("start",), **PARSER_OPTIONS):
            return _root_check(root)
    except etree.XMLSyntaxError as exc:
        raise IlrFileError(_syntax_message(exc)) from None
    raise IlrFileError("The file is empty.")


def _root_check(root: Any) -> str:
    qname = etree.QName(root)
    if qname.localname != "Message":
        raise IlrFileError(f"This is not an ILR file: its root element is {qname.localname}, not Message.")
    namespace = qname.namespace or ""
    if namespace not in YEARS:
        accepted = " and ".join(f"{year} ({ns})" for ns, year in YEARS.items())
        found = f"the namespace {namespace}" if namespace else "no namespace"
        raise IlrFileError(f"This ILR file has {found}: only {accepted} files are read. Nothing was imported.")
    return namespace


def _header_read(element: Any, namespace: str, header: IlrHeader) -> None:
    header.year = YEARS[namespace]
    year = _text(element, namespace, "Year")
    expected = YEARS[namespace].replace("/", "")[2:]  # "2025/26" -> "2526"
    if year and year != expected:
        raise IlrFileError(
            f"Header/CollectionDetails/Year is {year} but the namespace is {namespace} (Year {expected})."
        )
    prepared = _text(element, namespace, "FilePreparationDate")
    try:
        header.prepared = dt.date.fromisoformat(prepared) if prepared else None
    except ValueError:
        raise IlrFileError(f"Header/CollectionDetails/FilePreparationDate “{prepared}” is not a date.") from None


def _text(element: Any, namespace: str, name: str) -> str:
    child = element.find(f"{{{namespace}}}{name}")
    return (child.text or "").strip() if child is not None else ""


class _Reader:
    """One Learner's elements read into values, collecting each element at fault."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.reasons: list[str] = []

    def text(self, element: Any, path: str, name: str, *, required: bool = False, max_length: int = 100) -> str:
        value = _text(element, self.namespace, name)
        if required and not value:
            self.reasons.append(f"{path}{name}: missing (the schema requires it).")
        elif len(value) > max_length:
            self.reasons.append(f"{path}{name}: longer than {max_length} characters.")
        return value

    def number(self, element: Any, path: str, name: str, *, required: bool = False) -> int | None:
        value = self.text(element, path, name, required=required)
        if value and not (value.isdigit() and len(value) <= 6):
            self.reasons.append(f"{path}{name}: “{value}” is not a whole number.")
            return None
        return int(value) if value else None

    def date(self, element: Any, path: str, name: str, *, required: bool = False) -> dt.date | None:
        value = self.text(element, path, name, required=required)
        if not value:
            return None
        try:
            if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        self.reasons.append(f"{path}{name}: “{value}” is not a date (YYYY-MM-DD).")
        return None

    def children(self, element: Any, name: str) -> list[Any]:
        return list(element.iterfind(f"{{{self.namespace}}}{name}"))


def _learner_read(element: Any, namespace: str, position: int) -> IlrLearner | IlrLearnerError:
    read = _Reader(namespace)
    ref = read.text(element, "", "LearnRefNumber", required=True, max_length=12)
    if ref and not LEARN_REF.fullmatch(ref):
        read.reasons.append(f"LearnRefNumber: “{ref}” has characters other than letters, digits and spaces.")
    uln = read.text(element, "", "ULN", required=True, max_length=10)
    if uln and (problem := uln_problem(uln)):
        read.reasons.append(f"ULN: {problem} (rules ULN_01, ULN_04)")
    given = read.text(element, "", "GivenNames", required=True)
    family = read.text(element, "", "FamilyName", required=True)
    birth = read.date(element, "", "DateOfBirth")
    grades = {name: read.text(element, "", name, max_length=4) for name in ("EngGrade", "MathGrade")}
    for name, grade in grades.items():
        if grade and grade not in GRADE_WORDS:
            read.reasons.append(f"{name}: “{grade}” is not a GCSE grade the ILR allows.")
    prior_level = ""
    for prior in read.children(element, "PriorAttain"):
        prior_level = read.text(prior, "PriorAttain/", "PriorLevel", required=True, max_length=3)
        if prior_level and prior_level not in PRIOR_LEVELS:
            read.reasons.append(f"PriorAttain/PriorLevel: “{prior_level}” is not a PriorLevel code.")
    fams = _fams(read, element, "LearnerFAM", "LearnFAMType", "LearnFAMCode")
    aims = _aims(read, element)
    if read.reasons:
        return IlrLearnerError(position, element.sourceline or 0, ref, tuple(read.reasons))
    return IlrLearner(
        position=position,
        line=element.sourceline or 0,
        learn_ref=ref,
        uln=uln,
        given_names=given,
        family_name=family,
        date_of_birth=birth,
        eng_grade=grades["EngGrade"],
        math_grade=grades["MathGrade"],
        prior_level=prior_level,
        edf_english="2" in fams.get("EDF", ()),
        edf_maths="1" in fams.get("EDF", ()),
        ecf_code=next(iter(fams.get("ECF", ())), ""),
        mcf_code=next(iter(fams.get("MCF", ())), ""),
        high_needs="HNS" in fams,
        ehc_plan="EHC" in fams,
        aims=aims,
    )


def _fams(read: _Reader, element: Any, name: str, type_name: str, code_name: str) -> dict[str, list[str]]:
    """FAM type -> codes, for the FAMs of an element (other FAM types are read as pairs only)."""
    found: dict[str, list[str]] = {}
    for fam in read.children(element, name):
        fam_type = read.text(fam, f"{name}/", type_name, required=True, max_length=3)
        code = read.text(fam, f"{name}/", code_name, required=True, max_length=5)
        found.setdefault(fam_type, []).append(code)
    return found


def _aims(read: _Reader, element: Any) -> tuple[IlrAim, ...]:
    aims: list[IlrAim] = []
    seen: set[int] = set()
    for delivery in read.children(element, "LearningDelivery"):
        before = len(read.reasons)
        seq = read.number(delivery, "LearningDelivery/", "AimSeqNumber", required=True)
        path = f"LearningDelivery[AimSeqNumber {seq}]/" if seq is not None else "LearningDelivery/"
        ref = read.text(delivery, path, "LearnAimRef", required=True, max_length=8)
        if ref and not AIM_REF.fullmatch(ref):
            read.reasons.append(f"{path}LearnAimRef: “{ref}” is not an 8-character aim reference.")
        aim_type = read.number(delivery, path, "AimType", required=True)
        fund_model = read.number(delivery, path, "FundModel", required=True)
        start = read.date(delivery, path, "LearnStartDate", required=True)
        planned_end = read.date(delivery, path, "LearnPlanEndDate", required=True)
        comp_status = read.number(delivery, path, "CompStatus", required=True)
        fams = _fams(read, delivery, "LearningDeliveryFAM", "LearnDelFAMType", "LearnDelFAMCode")
        hours = {}
        for fam_type in ("EMH", "MMH"):
            code = next(iter(fams.get(fam_type, ())), "")
            if code and not code.isdigit():
                read.reasons.append(f"{path}LearningDeliveryFAM {fam_type}: “{code}” is not a number of hours.")
            hours[fam_type] = int(code) if code.isdigit() else None
        if seq is not None and seq in seen:
            read.reasons.append(f"{path}AimSeqNumber: {seq} is used twice in this learner.")
        if seq is not None:
            seen.add(seq)
        prog_type = read.number(delivery, path, "ProgType")
        std_code = read.number(delivery, path, "StdCode")
        actual_end = read.date(delivery, path, "LearnActEndDate")
        outcome = read.number(delivery, path, "Outcome")
        if len(read.reasons) > before or seq is None or aim_type is None or fund_model is None:
            continue
        if comp_status is None or start is None or planned_end is None:
            continue  # each is reported above; the repeat satisfies the type checker
        aims.append(
            IlrAim(
                aim_seq_number=seq,
                learn_aim_ref=ref,
                aim_type=aim_type,
                fund_model=fund_model,
                start_date=start,
                planned_end_date=planned_end,
                comp_status=comp_status,
                planned_english_hours=hours["EMH"],
                planned_maths_hours=hours["MMH"],
                source_of_funding=next(iter(fams.get("SOF", ())), "")[:3],
                prog_type=prog_type,
                std_code=std_code,
                actual_end_date=actual_end,
                outcome=outcome,
            )
        )
    return tuple(aims)
