"""Demo data for the embedded default: staff accounts and a few hundred records."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from bksbmis.private_files import private_write
from learners.models import Kind, Learner, LearningStatus, SystemStatus, WebUser
from learners.search_text import search_text_refresh
from permissions.roles import roles_ensure

FIRST_NAMES = [
    "Amira", "Ben", "Chloe", "Daniel", "Ella", "Finn", "Grace", "Harvey", "Isla", "Jack", "Kiera", "Liam",
    "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rhys", "Sofia", "Tom", "Uzma", "Vikram", "Willow", "Yusuf", "Zara",
]  # fmt: skip
LAST_NAMES = [
    "Ahmed", "Baker", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal", "Jones", "Kowalski",
    "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Roberts", "Singh", "Taylor", "Walsh", "Williams", "Wright",
]  # fmt: skip
STAFF = [("admin", "Administrators", True), ("manager", "Managers", False), ("tutor", "Tutors", False)]
LEARNER_PASSWORD_KEY = "learners"  # noqa: S105 - a key name, not a password


@dataclass(frozen=True)
class DemoLogins:
    staff: dict[str, str]
    learner_password: str
    learners: int
    applicants: int
    web_users: int


def demo_username(number: int) -> str:
    """Web usernames the bksb sandbox also knows (demo.learner0001, ...)."""
    return f"demo.learner{number:04d}"


def _passwords(path: Path) -> dict[str, str]:
    """Demo passwords, generated once and kept in ./var so each start prints the same."""
    if path.exists():
        pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        return dict(pairs)
    values = {name: secrets.token_urlsafe(9) for name, _, _ in STAFF}
    values[LEARNER_PASSWORD_KEY] = secrets.token_urlsafe(9)
    private_write(path, "".join(f"{k}={v}\n" for k, v in values.items()))
    return values


def _staff_accounts(passwords: dict[str, str]) -> None:
    groups = roles_ensure()
    user_model = get_user_model()
    for name, group, superuser in STAFF:
        user, _ = user_model.objects.get_or_create(username=name)
        user.is_staff = True
        user.is_superuser = superuser
        user.set_password(passwords[name])
        user.save()
        user.groups.set([groups[group]])


def _learner_row(rng: random.Random, number: int, today: dt.date) -> Learner:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    kind = Kind.APPLICANT if number % 7 == 0 else Kind.LEARNER
    start = today - dt.timedelta(days=rng.randint(30, 700))
    status = rng.choices(LearningStatus.values, weights=[70, 12, 8, 5, 5])[0]
    end = None if status == LearningStatus.IN_LEARNING else today - dt.timedelta(days=rng.randint(1, 120))
    return Learner(
        learner_ref=f"L{number:06d}",
        kind=kind,
        first_name=first,
        last_name=last,
        email=f"{first}.{last}{number}@students.example.ac.uk".lower().replace("'", ""),
        date_of_birth=dt.date(rng.randint(1975, 2009), rng.randint(1, 12), rng.randint(1, 28)),
        system_status=SystemStatus.ARCHIVED if number % 23 == 0 else SystemStatus.LIVE,
        learning_status=status,
        start_date=None if kind == Kind.APPLICANT else start,
        end_date=None if kind == Kind.APPLICANT else end,
        bksb_user=number % 3 == 0,
    )


@transaction.atomic
def demo_seed(*, learners: int = 300) -> DemoLogins:
    """Create (or refresh) the demo staff and learners. Safe to run again."""
    passwords = _passwords(Path(settings.VAR_DIR) / "demo-logins.txt")
    _staff_accounts(passwords)
    rng = random.Random(20261122)
    today = dt.date.today()
    rows = [_learner_row(rng, n, today) for n in range(1, learners + 1)]
    Learner.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["learner_ref"],
        update_fields=["first_name", "last_name", "email", "kind", "system_status", "learning_status"],
    )
    web_users = _web_users(learners, passwords[LEARNER_PASSWORD_KEY])
    search_text_refresh()
    return DemoLogins(
        staff={name: passwords[name] for name, _, _ in STAFF},
        learner_password=passwords[LEARNER_PASSWORD_KEY],
        learners=sum(1 for r in rows if r.kind == Kind.LEARNER),
        applicants=sum(1 for r in rows if r.kind == Kind.APPLICANT),
        web_users=web_users,
    )


def _web_users(learners: int, password: str) -> int:
    """Give about two in three records a Hub account named demo.learnerNNNN."""
    user_model = get_user_model()
    by_ref = dict(Learner.objects.values_list("learner_ref", "pk"))
    numbers = [n for n in range(1, learners + 1) if n % 3 != 2]
    template = user_model(username="x")
    template.set_password(password)
    user_model.objects.bulk_create(
        [user_model(username=demo_username(n), password=template.password) for n in numbers], ignore_conflicts=True
    )
    users = dict(user_model.objects.filter(username__startswith="demo.learner").values_list("username", "pk"))
    WebUser.objects.bulk_create(
        [WebUser(user_id=users[demo_username(n)], learner_id=by_ref[f"L{n:06d}"]) for n in numbers],
        ignore_conflicts=True,
    )
    return len(numbers)
