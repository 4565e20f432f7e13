"""One row of a learner CSV import, checked on its own and against the earlier rows of its file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models
from django.utils import timezone

from learners.attainment import GRADE_WORDS, PriorLevel, grade_key, uln_problem
from learners.models import AttainmentSource, Kind, Learner, LearningStatus, SystemStatus

COLUMNS = (
    "learner_ref", "kind", "first_name", "last_name", "email", "date_of_birth", "system_status",
    "learning_status", "start_date", "end_date", "web_username", "bksb_user", "bksb_username",
)  # fmt: skip
LEARNER_FIELDS = (
    "kind", "first_name", "last_name", "email", "date_of_birth", "system_status", "learning_status",
    "start_date", "end_date", "bksb_user", "bksb_username",
)  # fmt: skip
# Optional, together: for providers without an ILR to hand. A file with them needs View prior attainment.
ATTAINMENT_COLUMNS = ("uln", "gcse_english_grade", "gcse_maths_grade", "prior_level")
# Compared and written when the file has them (attainment_as_of is written only with a change).
ATTAINMENT_FIELDS = (*ATTAINMENT_COLUMNS, "attainment_source")
# Optional, together: who a record belongs to, for caseloads (learners.caseload).
CASELOAD_COLUMNS = ("tutor_group", "tutor")
PRIOR_LEVELS = {_k: value for value, label in PriorLevel.choices for _k in (value, str(label).lower())}
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
BOOLEANS = {"": False, "no": False, "false": False, "0": False, "yes": True, "true": True, "1": True}
validate_email = EmailValidator()
validate_username = UnicodeUsernameValidator()


@dataclass(frozen=True)
class RowError:
    """A refused row: its line in the file (the header is line 1) and every reason."""

    line: int
    learner_ref: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        ref = f" ({self.learner_ref})" if self.learner_ref else ""
        return f"line {self.line}{ref}: {'; '.join(self.reasons)}"


@dataclass(frozen=True)
class CheckedRow:
    line: int
    learner: Learner  # unsaved, carrying the row's values
    web_username: str


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").lower().split())


def _lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Accept a choice by value or label, in any case, with spaces or underscores."""
    return {_key(text): value for value, label in choices.choices for text in (value, str(label))}


LOOKUPS: dict[type[models.TextChoices], dict[str, str]] = {
    choices: _lookup(choices) for choices in (Kind, SystemStatus, LearningStatus)
}


class _Fields:
    """The row's stripped values, and the reasons collected while reading them."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.reasons: list[str] = []

    def fail(self, name: str, message: str) -> None:
        self.reasons.append(f"{name}: {message}")

    def text(self, name: str, *, max_length: int, required: bool = False) -> str:
        value = self.values[name]
        if required and not value:
            self.fail(name, "This field is required.")
        elif len(value) > max_length:
            self.fail(name, f"Ensure this value has at most {max_length} characters (it has {len(value)}).")
        return value

    def choice(self, name: str, choices: type[models.TextChoices], *, default: str | None) -> str:
        value, lookup = self.values[name], LOOKUPS[choices]
        if not value and default is not None:
            return default
        if not value:
            self.fail(name, "This field is required.")
        elif _key(value) not in lookup:
            self.fail(name, f"“{value}” is not one of: {', '.join(str(label) for label in choices.labels)}.")
        return lookup.get(_key(value), "")

    def date(self, name: str) -> dt.date | None:
        value = self.values[name]
        if not value:
            return None
        try:
            if DATE.fullmatch(value):
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        self.fail(name, f"“{value}” is not a date as YYYY-MM-DD.")
        return None

    def boolean(self, name: str) -> bool:
        value = self.values[name].lower()
        if value not in BOOLEANS:
            self.fail(name, "Enter yes or no (or leave it empty for no).")
        return BOOLEANS.get(value, False)

    def validated(self, name: str, validator: EmailValidator | UnicodeUsernameValidator) -> None:
        if self.values[name]:
            try:
                validator(self.values[name])
            except ValidationError as exc:
                self.fail(name, " ".join(exc.messages))


def row_check(
    *,
    line: int,
    raw: Mapping[Any, Any],
    seen_refs: dict[str, int],
    seen_usernames: dict[str, int],
    attainment: bool = False,
    caseload: bool = False,
) -> CheckedRow | RowError:
    """Read one row into an unsaved Learner, or say everything wrong with it.

    seen_refs and seen_usernames remember the lines that claimed each ref and web
    username, so a later row repeating one is refused.
    """
    ref = (raw.get("learner_ref") or "").strip()
    names = COLUMNS + (ATTAINMENT_COLUMNS if attainment else ()) + (CASELOAD_COLUMNS if caseload else ())
    if (count := _field_count(raw, len(names))) != len(names):
        return RowError(line, ref, (f"This row has {count} fields but the header has {len(names)}.",))
    fields = _Fields({name: (raw.get(name) or "").strip() for name in names})
    if any("\x00" in value for value in fields.values.values()):
        return RowError(line, ref, ("This row contains a NUL (0x00) character.",))

    fields.text("learner_ref", max_length=30, required=True)
    if ref in seen_refs:
        fields.fail("learner_ref", f"{ref} is already on line {seen_refs[ref]}.")
    elif ref:
        seen_refs[ref] = line
    kind = fields.choice("kind", Kind, default=None)
    first_name = fields.text("first_name", max_length=100, required=True)
    last_name = fields.text("last_name", max_length=100, required=True)
    fields.text("email", max_length=254)
    fields.validated("email", validate_email)
    date_of_birth = fields.date("date_of_birth")
    system_status = fields.choice("system_status", SystemStatus, default=SystemStatus.LIVE)
    learning_status = fields.choice("learning_status", LearningStatus, default=LearningStatus.IN_LEARNING)
    start, end = fields.date("start_date"), fields.date("end_date")
    if start and end and end < start:
        fields.fail("end_date", "The end date is before the start date.")
    username = fields.text("web_username", max_length=150)
    fields.validated("web_username", validate_username)
    if username in seen_usernames:
        fields.fail("web_username", f"{username} is already on line {seen_usernames[username]}.")
    elif username:
        seen_usernames[username] = line
    bksb_user = fields.boolean("bksb_user")
    bksb_username = fields.text("bksb_username", max_length=150)
    read = _attainment_read(fields) if attainment else {}
    if caseload:
        read |= {
            "tutor_group": fields.text("tutor_group", max_length=50),
            "tutor": fields.text("tutor", max_length=150).lower(),  # usernames and emails match in lower case
        }
    if fields.reasons:
        return RowError(line, ref, tuple(fields.reasons))
    learner = Learner(
        learner_ref=ref,
        kind=kind,
        first_name=first_name,
        last_name=last_name,
        email=fields.values["email"],
        date_of_birth=date_of_birth,
        system_status=system_status,
        learning_status=learning_status,
        start_date=start,
        end_date=end,
        bksb_user=bksb_user,
        bksb_username=bksb_username,
        **read,
    )
    return CheckedRow(line=line, learner=learner, web_username=username)


def _attainment_read(fields: _Fields) -> dict[str, Any]:
    """The optional attainment columns, checked as the ILR checks them."""
    uln = fields.values["uln"]
    if uln and (problem := uln_problem(uln)):
        fields.fail("uln", problem)
    grades = {}
    for name in ("gcse_english_grade", "gcse_maths_grade"):
        grades[name] = grade_key(fields.values[name])
        if grades[name] and grades[name] not in GRADE_WORDS:
            fields.fail(name, f"“{fields.values[name]}” is not a GCSE grade (9 to 1, A* to G, U, N, or NONE).")
    prior = fields.values["prior_level"]
    if prior and prior.lower() not in PRIOR_LEVELS:
        fields.fail("prior_level", f"“{prior}” is not a PriorLevel code or its words.")
    return {
        "uln": uln,
        **grades,
        "prior_level": PRIOR_LEVELS.get(prior.lower(), ""),
        "attainment_source": AttainmentSource.CSV,
        "attainment_as_of": timezone.localdate(),
    }


def _field_count(raw: Mapping[Any, Any], expected: int) -> int:
    """csv.DictReader files extra fields under None and fills missing ones with None."""
    extra = raw.get(None)
    if isinstance(extra, list):
        return expected + len(extra)
    return sum(value is not None for value in raw.values()) if None in raw.values() else expected
