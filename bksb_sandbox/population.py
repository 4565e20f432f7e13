"""The sandbox's fake bksb users (a test double), generated lazily from the seed.

Nothing is stored per user: a user's results are rebuilt on demand from
(seed, user id, list) with a private ``random.Random``, so 50,000 users cost
no memory and start-up is instant. Generated history is dated before a fixed
reference time, never wall-clock now, so every run answers the same.

Usernames and ids:
- ``demo.learner0001`` .. ``demo.learner{N:04d}``: ids 2,100,000 + n.
  Every learner whose n ends in 2 (0002, 0012, ...) has multi-page lists.
- ``other.user01`` .. ``other.user10``: ids 1,900,001 ..
- hostile names (``o'brien.test`` ...): ids 1,950,001 .., with hostile strings in results.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bksb_sandbox import vocab

UK = ZoneInfo("Europe/London")
REFERENCE_TIME = datetime(2026, 11, 1, 9, 0, 0)
HISTORY = timedelta(days=3 * 365)
OLD_IDS_BEFORE = datetime(2025, 8, 1)
AMBIGUOUS_TIME = datetime(2025, 10, 26, 1, 30)  # happens twice in UK time
NONEXISTENT_TIME = datetime(2026, 3, 29, 1, 30)  # never happens in UK time
DEMO_ID_BASE = 2_100_000
OTHER_ID_BASE = 1_900_000
HOSTILE_ID_BASE = 1_950_000
KINDS = ("initial", "diagnostic")
_DEMO_NAME = re.compile(r"demo\.learner(\d{4,})")
_FIRST = ("Amira", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hamza", "Isla", "Jack")
_LAST = ("Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fisher", "Green", "Hughes")


@dataclass(frozen=True)
class PopUser:
    """One generated bksb user."""

    user_id: int
    username: str
    firstname: str
    lastname: str
    hostile: bool = False


def uk_now() -> datetime:
    """Current naive UK-local time, as bksb writes its times."""
    return datetime.now(UK).replace(tzinfo=None)


def bksb_time(when: datetime, fraction: str = "") -> str:
    """Naive ISO time, optionally with bksb's short fractional seconds ("33.17")."""
    text = when.replace(microsecond=0).isoformat()
    return f"{text}.{fraction}" if fraction else text


def parse_bksb_time(text: str) -> datetime:
    """Inverse of ``bksb_time`` (fraction ignored)."""
    return datetime.fromisoformat(text.split(".")[0])


class Population:
    """Looks users up by name or id and builds their results on demand."""

    def __init__(self, seed: int, users: int) -> None:
        self.seed = seed
        self.users = users

    def by_username(self, username: str) -> PopUser | None:
        """The generated user with exactly this username, if any."""
        match = _DEMO_NAME.fullmatch(username)
        if match:
            n = int(match.group(1))
            if 1 <= n <= self.users and f"{n:04d}" == match.group(1):
                return self.by_id(DEMO_ID_BASE + n)
            return None
        if username in vocab.OTHER_USERNAMES:
            return self.by_id(OTHER_ID_BASE + 1 + vocab.OTHER_USERNAMES.index(username))
        if username in vocab.HOSTILE_USERNAMES:
            return self.by_id(HOSTILE_ID_BASE + 1 + vocab.HOSTILE_USERNAMES.index(username))
        return None

    def by_id(self, user_id: int) -> PopUser | None:
        """The generated user with this bksb user id, if any."""
        if 1 <= user_id - DEMO_ID_BASE <= self.users:
            return self._make(user_id, f"demo.learner{user_id - DEMO_ID_BASE:04d}")
        for base, names in (
            (OTHER_ID_BASE, vocab.OTHER_USERNAMES),
            (HOSTILE_ID_BASE, vocab.HOSTILE_USERNAMES),
        ):
            if 1 <= user_id - base <= len(names):
                return self._make(user_id, names[user_id - base - 1], base == HOSTILE_ID_BASE)
        return None

    def _make(self, user_id: int, username: str, hostile: bool = False) -> PopUser:
        rng = random.Random(f"{self.seed}:{user_id}:name")
        return PopUser(user_id, username, rng.choice(_FIRST), rng.choice(_LAST), hostile)

    def results(self, user: PopUser, kind: str) -> list[dict[str, Any]]:
        """The user's generated results of one kind, newest first (fresh copies)."""
        cached = _generate(self.seed, user.user_id, user.hostile, kind)
        return [dict(item) for item in cached]


@lru_cache(maxsize=512)
def _generate(seed: int, user_id: int, hostile: bool, kind: str) -> tuple[dict[str, Any], ...]:
    rng = random.Random(f"{seed}:{user_id}:{kind}")
    multi_page = user_id % 10 == 2
    count = rng.randint(25, 60) if multi_page else rng.randint(0, 8)
    if hostile:
        count = max(count, len(vocab.HOSTILE_STRINGS) + 1)
    dates = [REFERENCE_TIME - HISTORY * rng.random() for _ in range(count)]
    if count and user_id % 13 == 0:
        dates[0] = AMBIGUOUS_TIME
    if count > 1 and user_id % 17 == 0:
        dates[1] = NONEXISTENT_TIME
    dates.sort()
    first_sid = user_id * 128 + (0 if kind == "initial" else 64)
    items = [make_item(rng, kind, first_sid + i, when) for i, when in enumerate(dates)]
    if hostile:
        for item, text in zip(items, vocab.HOSTILE_STRINGS, strict=False):
            _spoil(item, text)
    items.reverse()
    return tuple(items)


def make_item(
    rng: random.Random,
    kind: str,
    session_id: int,
    when: datetime,
    subject: vocab.Subject | None = None,
    result: str | None = None,
) -> dict[str, Any]:
    """One result as bksb lists it (PercentScore only on diagnostics)."""
    subject = subject or rng.choices(vocab.SUBJECTS, vocab.SUBJECT_WEIGHTS)[0]
    level = rng.choices(vocab.LEVELS, vocab.LEVEL_WEIGHTS)[0]
    old = subject.old_assessment_id and when < OLD_IDS_BEFORE and rng.random() < 0.6
    fraction = "" if rng.random() < 0.4 else f"{rng.randint(1, 999):03d}".rstrip("0")
    item: dict[str, Any] = {
        "SessionId": session_id,
        "CourseSubject": subject.code,
        "CourseName": subject.course_name,
        "ResultDate": bksb_time(when, fraction),
        "AssessmentName": vocab.assessment_name(subject, kind, level),
        "AssessmentID": subject.old_assessment_id if old else subject.assessment_id,
        "Result": result or vocab.result_text(subject, level, rng.random()),
    }
    if kind == "diagnostic":
        item["PercentScore"] = None if rng.random() < 0.1 else rng.randint(0, 100)
    if rng.random() < 0.05:
        item["ExtraInfo"] = {"Source": "sandbox", "Attempt": rng.randint(1, 3)}
    return item


def _spoil(item: dict[str, Any], text: str) -> None:
    """Put an untrusted string where a careless page would render it raw."""
    if len(text) > 1000:
        item["CourseName"] = text
    else:
        item["AssessmentName"] = text
        item["Result"] = text
