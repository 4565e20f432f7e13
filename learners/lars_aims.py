"""The Functional Skills English and maths aims of the DfE's LARS download, into the English or maths aim mapping.

The LARS CSV download (a zip of one CSV per LARS table) holds what the mapping needs in two files:
- ``LearningDelivery.csv``, one row per aim: ``LearnAimRef``, ``LearnAimRefTitle`` and
  ``NotionalNVQLevelv2`` ("E" entry level, "1", "2", ...);
- ``AnnualValue.csv``, rows per aim and funding year: ``LearnAimRef`` and ``BasicSkillsType``, whose
  code 19 is "Functional Skills Mathematics" and 20 "Functional Skills English" (the ESFA's
  ILR validation service names the codes: ``LARSBasicSkills.FunctionalSkillsMathematics = 19``,
  ``FunctionalSkillsEnglish = 20``).
An entry level aim's sub-level (Entry 1, 2 or 3) is read from its title ("... at Entry Level 3",
"... (Entry 3)"), as the titles of the Functional Skills qualifications name it; an aim whose title
does not is listed as skipped, never guessed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from learners.models import AimLevel, EnglishMathsAim, Subject

DELIVERY_COLUMNS = ("LearnAimRef", "LearnAimRefTitle", "NotionalNVQLevelv2")
ANNUAL_VALUE_COLUMNS = ("LearnAimRef", "BasicSkillsType")
FS_SUBJECTS = {19: Subject.MATHS, 20: Subject.ENGLISH}
NUMBERED_LEVELS = {"1": AimLevel.LEVEL_1, "2": AimLevel.LEVEL_2}
ENTRY_LEVELS = {"1": AimLevel.ENTRY_1, "2": AimLevel.ENTRY_2, "3": AimLevel.ENTRY_3}
ENTRY_SUB_LEVEL = re.compile(r"\bEntry(?:\s+Level)?\s*([123])\b", re.IGNORECASE)
REF_LENGTH = EnglishMathsAim._meta.get_field("learn_aim_ref").max_length or 8
TITLE_LENGTH = EnglishMathsAim._meta.get_field("title").max_length or 200
COLUMNS = {"LearningDelivery.csv": DELIVERY_COLUMNS, "AnnualValue.csv": ANNUAL_VALUE_COLUMNS}
CHANGE_REASON = "LARS download (import_lars_aims)"


class LarsFileError(Exception):
    """The file is not the LARS CSV it should be; nothing was written."""


@dataclass(frozen=True)
class LarsAim:
    ref: str
    title: str
    subject: str
    level: str


@dataclass
class LarsAimsSummary:
    found: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    written: bool = False


def lars_aims_import(*, deliveries: TextIO, annual_values: TextIO, dry_run: bool = False) -> LarsAimsSummary:
    """Add or update the mapping's row of every Functional Skills English or maths aim in the two files.

    Both files are read whole before anything is written; the writes are one transaction.
    """
    subjects, skipped = _fs_subjects(annual_values)
    aims, skipped_aims = _fs_aims(deliveries, subjects)
    summary = LarsAimsSummary(found=len(aims), skipped=skipped + skipped_aims)
    existing = EnglishMathsAim.objects.in_bulk([a.ref for a in aims], field_name="learn_aim_ref")
    new, changed = [], []
    for aim in aims:
        row = existing.get(aim.ref)
        if row is None:
            new.append(EnglishMathsAim(learn_aim_ref=aim.ref, title=aim.title, subject=aim.subject, level=aim.level))
        elif (row.title, row.subject, row.level) != (aim.title, aim.subject, aim.level):
            row.title, row.subject, row.level = aim.title, aim.subject, aim.level
            changed.append(row)
    summary.created, summary.updated = len(new), len(changed)
    summary.unchanged = len(aims) - len(new) - len(changed)
    if dry_run or not (new or changed):
        return summary
    with transaction.atomic():
        bulk_create_with_history(new, EnglishMathsAim, batch_size=500, default_change_reason=CHANGE_REASON)
        bulk_update_with_history(
            changed, EnglishMathsAim, ["title", "subject", "level"], batch_size=500, default_change_reason=CHANGE_REASON
        )
    summary.written = True
    return summary


def _fs_subjects(stream: TextIO) -> tuple[dict[str, str], list[str]]:
    """Each Functional Skills English or maths aim's subject, by aim reference, from AnnualValue.csv."""
    found: dict[str, set[str]] = {}
    for row in _rows(stream, "AnnualValue.csv"):
        code = row["BasicSkillsType"].strip()
        subject = FS_SUBJECTS.get(int(code)) if code.isdigit() else None
        if subject is not None:
            found.setdefault(row["LearnAimRef"].strip(), set()).add(subject)
    subjects, skipped = {}, []
    for ref, both in sorted(found.items()):
        if len(both) == 1:
            subjects[ref] = both.pop()
        else:
            skipped.append(f"{ref}: its BasicSkillsType is 19 (maths) in one year and 20 (English) in another")
    return subjects, skipped


def _fs_aims(stream: TextIO, subjects: dict[str, str]) -> tuple[list[LarsAim], list[str]]:
    """The title and level of each aim named in ``subjects``, from LearningDelivery.csv."""
    aims: dict[str, LarsAim] = {}
    seen: set[str] = set()
    skipped = []
    for row in _rows(stream, "LearningDelivery.csv"):
        ref = row["LearnAimRef"].strip()
        subject = subjects.get(ref)
        if subject is None:
            continue
        seen.add(ref)
        title = " ".join(row["LearnAimRefTitle"].split())
        notional = row["NotionalNVQLevelv2"].strip().upper()
        level = _level(notional, title)
        if len(ref) > REF_LENGTH:
            skipped.append(f"{ref}: an aim reference longer than {REF_LENGTH} characters")
        elif level is None and notional == "E":
            skipped.append(f"{ref} {title}: an entry level aim whose title names no Entry 1, 2 or 3")
        elif level is None:
            skipped.append(f"{ref} {title}: level {notional or '(blank)'} is not one the mapping holds")
        else:
            aims[ref] = LarsAim(ref=ref, title=title[:TITLE_LENGTH], subject=subject, level=level)
    skipped += [f"{ref}: in AnnualValue.csv but not in LearningDelivery.csv" for ref in sorted(subjects.keys() - seen)]
    return list(aims.values()), skipped


def _level(notional_level: str, title: str) -> str | None:
    if notional_level in NUMBERED_LEVELS:
        return NUMBERED_LEVELS[notional_level]
    if notional_level == "E":
        match = ENTRY_SUB_LEVEL.search(title)
        return ENTRY_LEVELS[match.group(1)] if match else None
    return None


def _rows(stream: TextIO, name: str) -> Iterator[dict[str, str]]:
    """The rows of the LARS file ``name``, once the header shows the file is that one."""
    columns = COLUMNS[name]
    reader = csv.DictReader(stream)
    try:
        header = [h.strip().lstrip("\ufeff") for h in reader.fieldnames or []]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise LarsFileError(f"This is not the LARS {name}: {exc}.") from None
    if not header:
        raise LarsFileError(f"This is not the LARS {name}: the file is empty.")
    reader.fieldnames = header
    missing = [c for c in columns if c not in header]
    if missing:
        other = next((n for n, c in COLUMNS.items() if n != name and set(c) <= set(header)), None)
        hint = f" It looks like {other}: give {name} in its place." if other else ""
        raise LarsFileError(f"This is not the LARS {name}: it has no {', '.join(missing)} column.{hint}")
    try:
        for row in reader:
            yield {c: row.get(c) or "" for c in columns}
    except (csv.Error, UnicodeDecodeError) as exc:
        raise LarsFileError(f"{name}, line {reader.line_num}: {exc}.") from None
