"""Checks the sandbox (a test double) makes on a createUser form.

bksb's own rules are not public; these are the modelled ones: a username,
first and last name and password are required, an email if given must look
like one, and the date of birth must be a real past date. The password is
checked and then dropped: it is never stored or logged.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DOB_PARTS = ("Year", "Month", "Day", "Hour", "Minute", "Second", "Millisecond")
MAX_NAME_LENGTH = 256


def parse_create_user(form: dict[str, str], today: datetime) -> dict[str, Any]:
    """The user record from a createUser form; ValueError with bksb-like text if refused."""
    username = form.get("Username", "").strip()
    if not username:
        raise ValueError("Username is required.")
    if len(username) > MAX_NAME_LENGTH:
        raise ValueError("Username is too long.")
    for name in ("Firstname", "Lastname", "Password"):
        if not form.get(name, "").strip():
            raise ValueError(f"{name} is required.")
    email = form.get("Email", "").strip()
    if email and not _EMAIL.fullmatch(email):
        raise ValueError(f"Email '{email}' is not a valid email address.")
    return {
        "Username": username,
        "Firstname": form["Firstname"].strip(),
        "Lastname": form["Lastname"].strip(),
        "Email": email,
        "DateOfBirth": _date_of_birth(form, today).isoformat(timespec="seconds"),
        "AutoEnrolCourses": _boolean(form.get("AutoEnrolCourses", "false")),
    }


def _date_of_birth(form: dict[str, str], today: datetime) -> datetime:
    parts = []
    for part in _DOB_PARTS:
        raw = form.get(f"DateOfBirth[{part}]", "").strip()
        if not raw and part in ("Year", "Month", "Day"):
            raise ValueError(f"DateOfBirth[{part}] is required.")
        try:
            parts.append(int(raw or "0"))
        except ValueError:
            raise ValueError(f"DateOfBirth[{part}] must be a number.") from None
    year, month, day, hour, minute, second, millisecond = parts
    try:
        dob = datetime(year, month, day, hour, minute, second, millisecond * 1000)
    except ValueError:
        raise ValueError("DateOfBirth is not a valid date.") from None
    if dob.year < 1900 or dob > today:
        raise ValueError("DateOfBirth is not a valid date.")
    return dob


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ValueError("AutoEnrolCourses must be true or false.")
    return value == "true"
