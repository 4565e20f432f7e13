"""What the sandbox (a test double) remembers on top of its generated population.

Only overlays live here: users made through createUser, results added at
runtime, and single-use auto-login tokens. With a state file, created users
and added results survive a restart (JSON, written atomically).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from bksb_sandbox import vocab
from bksb_sandbox.population import (
    KINDS,
    Population,
    PopUser,
    bksb_time,
    make_item,
    parse_bksb_time,
    uk_now,
)

CREATED_ID_BASE = 3_000_000
ADDED_SESSION_BASE = 1_000_000_000


class Store:
    """Thread-safe users, results and tokens: population plus overlays."""

    def __init__(self, population: Population, state_file: str | None = None) -> None:
        self.population = population
        self.state_file = Path(state_file) if state_file else None
        self._lock = threading.RLock()
        self._created: dict[str, dict[str, Any]] = {}
        # createUser calls per username asked for, created or refused: a test checks nobody was sent twice.
        self._create_calls: Counter[str] = Counter()
        self._created_ids: dict[int, str] = {}
        self._added: dict[tuple[int, str], list[dict[str, Any]]] = {}
        self._next_user_id = CREATED_ID_BASE + 1
        self._next_session_id = ADDED_SESSION_BASE
        self._tokens: dict[str, tuple[str, float]] = {}
        self._injected: set[tuple[int, str]] = set()
        # V5 sessions started through the control endpoint, by user id (see start_session).
        self._live: dict[int, list[dict[str, Any]]] = {}
        # Merges made as bksb makes them (merge_users): a merged-away name -> the name it now means.
        self._merged: dict[str, str] = {}
        self._gone_ids: set[int] = set()
        self._load()

    # -- users -------------------------------------------------------------

    def user_by_name(self, username: str) -> PopUser | None:
        """A generated or created user with exactly this username (a merged-away name: the user it went into)."""
        with self._lock:
            if username in self._merged:
                username = self._merged[username]
                if not username:
                    return None  # merged away, and bksb dropped the name
            record = self._created.get(username)
        if record:
            return _as_user(record)
        return self.population.by_username(username)

    def user_by_id(self, user_id: int) -> PopUser | None:
        """A generated or created user with this bksb user id."""
        with self._lock:
            if user_id in self._gone_ids:
                return None
            name = self._created_ids.get(user_id)
        return self.user_by_name(name) if name else self.population.by_id(user_id)

    def merge_users(self, username: str, into: str, *, name_follows: bool = True) -> dict[str, Any]:
        """Merge user `username` into user `into`, as bksb merges duplicates: the first one's id stops
        resolving, and its username now names the second one's id (or, with name_follows=False,
        nobody). KeyError for an unknown user, ValueError when both are the same user."""
        with self._lock:
            source, target = self.user_by_name(username), self.user_by_name(into)
            if source is None or target is None:
                raise KeyError(username if source is None else into)
            if source.user_id == target.user_id:
                raise ValueError("a user cannot be merged into itself")
            self._merged[username] = target.username if name_follows else ""
            self._gone_ids.add(source.user_id)
            self._save()
        return {"Username": username, "LostUserId": source.user_id, "UserId": target.user_id}

    def create_user(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Record a new user from validated createUser fields; KeyError if taken."""
        with self._lock:
            self._create_calls[fields["Username"]] += 1
            if self.user_by_name(fields["Username"]):
                raise KeyError(fields["Username"])
            record = {"UserId": self._next_user_id, **fields}
            record["CreatedAt"] = uk_now().isoformat(timespec="seconds")
            self._next_user_id += 1
            self._created[record["Username"]] = record
            self._created_ids[record["UserId"]] = record["Username"]
            self._save()
            return dict(record)

    def place_users(self, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add existing bksb users under any usernames (emails, references, first.last ...), as a test sets up.

        Each needs a "Username"; "Firstname", "Lastname" and "Email" are optional.
        Placed users have no results. ValueError (nothing added) if a name is blank, repeated or taken.
        """
        names = [str(u.get("Username", "")) if isinstance(u, dict) else "" for u in users]
        counts = Counter(names)
        with self._lock:
            problems = [n for n in names if not n.strip() or self.user_by_name(n) or counts[n] > 1]
            if problems:
                raise ValueError(f"usernames blank, repeated or taken: {', '.join(sorted(set(problems)))[:300]}")
            placed = []
            for user, name in zip(users, names, strict=True):
                user_id = self._next_user_id
                record: dict[str, Any] = {
                    "UserId": user_id,
                    "Username": name,
                    "Firstname": str(user.get("Firstname", "")),
                    "Lastname": str(user.get("Lastname", "")),
                    "Email": str(user.get("Email", "")),
                    "AutoEnrolCourses": False,
                    "Placed": True,
                }
                self._next_user_id += 1
                self._created[name] = record
                self._created_ids[user_id] = name
                placed.append(dict(record))
            self._save()
        return placed

    def create_user_calls(self) -> dict[str, int]:
        """{username: createUser calls that reached the store for it} (valid forms only)."""
        with self._lock:
            return dict(self._create_calls)

    def created_users(self) -> list[dict[str, Any]]:
        """Every user made through createUser, oldest first."""
        with self._lock:
            return [dict(r) for r in self._created.values() if not r.get("Placed")]

    def details(self, username: str) -> dict[str, Any] | None:
        """Inspection view of one user for the control endpoints."""
        user = self.user_by_name(username)
        if user is None:
            return None
        with self._lock:
            record = self._created.get(username)
            added = {k: len(self._added.get((user.user_id, k), [])) for k in KINDS}
        return {
            "UserId": user.user_id,
            "Username": user.username,
            "Firstname": user.firstname,
            "Lastname": user.lastname,
            "Created": record is not None,
            "AutoEnrolCourses": record["AutoEnrolCourses"] if record else None,
            "Email": record["Email"] if record else None,
            "InitialAssessmentResults": len(self.results(user, "initial")),
            "DiagnosticAssessmentResults": len(self.results(user, "diagnostic")),
            "AddedResults": added,
        }

    # -- results -----------------------------------------------------------

    def results(self, user: PopUser, kind: str) -> list[dict[str, Any]]:
        """All of a user's results of one kind, newest first."""
        with self._lock:
            added = [dict(i) for i in self._added.get((user.user_id, kind), [])]
            created = user.user_id in self._created_ids
        return added + ([] if created else self.population.results(user, kind))

    def add_results(
        self,
        username: str,
        kind: str = "initial",
        count: int = 1,
        subject: str | None = None,
        result: str | None = None,
    ) -> list[dict[str, Any]]:
        """Add ``count`` new newest results; KeyError for an unknown user."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not 1 <= count <= 1000:
            raise ValueError("count must be 1..1000")
        if subject is not None and subject not in vocab.SUBJECT_BY_CODE:
            raise ValueError(f"subject must be one of {', '.join(vocab.SUBJECT_BY_CODE)}")
        user = self.user_by_name(username)
        if user is None:
            raise KeyError(username)
        with self._lock:
            newest = self.results(user, kind)[:1]
            start = uk_now().replace(microsecond=0)
            if newest:
                start = max(start, parse_bksb_time(newest[0]["ResultDate"]) + timedelta(minutes=1))
            items = [self._new_item(kind, start + timedelta(seconds=i), subject, result) for i in range(count)]
            items.reverse()
            self._added.setdefault((user.user_id, kind), [])[:0] = items
            self._save()
        return [dict(i) for i in items]

    def _new_item(self, kind: str, when: Any, subject: str | None, result: str | None) -> dict[str, Any]:
        self._next_session_id += 1
        rng = random.Random(f"{self.population.seed}:added:{self._next_session_id}")
        subj = vocab.SUBJECT_BY_CODE[subject] if subject else None
        return make_item(rng, kind, self._next_session_id, when, subj, result)

    def inject_once(self, user: PopUser, kind: str) -> bool:
        """Add one result for duplicate_on_page_boundary, once per user and list."""
        with self._lock:
            if (user.user_id, kind) in self._injected:
                return False
            self._injected.add((user.user_id, kind))
        self.add_results(user.username, kind, 1)
        return True

    def reset_injections(self) -> None:
        """Let duplicate_on_page_boundary fire again for every user."""
        with self._lock:
            self._injected.clear()

    # -- V5 sessions in progress ---------------------------------------------

    def start_session(
        self, username: str, subject: str, kind: str = "initial", finish_after: int = 1, result: str | None = None
    ) -> dict[str, Any]:
        """Start a V5 session now: listed unfinished `finish_after` times, finished on the next listing.

        When it finishes, its result is added as the user's newest (same SessionId),
        as bksb shows a result once the assessment is done. KeyError for an unknown user.
        """
        if subject not in ("ENG_NEW", "MATHS_NEW"):
            raise ValueError("subject must be ENG_NEW or MATHS_NEW")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not 0 <= finish_after <= 1000:
            raise ValueError("finish_after must be 0..1000")
        user = self.user_by_name(username)
        if user is None:
            raise KeyError(username)
        with self._lock:
            self._next_session_id += 1
            live = {
                "SessionId": self._next_session_id,
                "CourseSubject": subject,
                "Kind": kind,
                "DateStarted": bksb_time(uk_now() - timedelta(minutes=5)),
                "DateCompleted": None,
                "Result": result,
                "ListingsLeft": finish_after,
            }
            self._live.setdefault(user.user_id, []).append(live)
            self._save()
            return dict(live)

    def live_sessions(self, user: PopUser, subject: str) -> list[dict[str, Any]]:
        """The user's started sessions of a subject, as listed now (each listing brings a finish nearer)."""
        finished: list[dict[str, Any]] = []
        with self._lock:
            live = [session for session in self._live.get(user.user_id, []) if session["CourseSubject"] == subject]
            for session in live:
                if session["DateCompleted"] is None:
                    if session["ListingsLeft"] <= 0:
                        session["DateCompleted"] = bksb_time(uk_now())
                        finished.append(session)
                    session["ListingsLeft"] -= 1
            answer = [dict(session) for session in live]
            self._save()
        for session in finished:
            self._add_result(user, session)
        return answer

    def live_session(self, user: PopUser, session_id: int) -> dict[str, Any] | None:
        with self._lock:
            found = [s for s in self._live.get(user.user_id, []) if s["SessionId"] == session_id]
        return dict(found[0]) if found else None

    def _add_result(self, user: PopUser, session: dict[str, Any]) -> None:
        rng = random.Random(f"{self.population.seed}:live:{session['SessionId']}")
        subject = vocab.SUBJECT_BY_CODE[session["CourseSubject"]]
        when = parse_bksb_time(session["DateCompleted"])
        item = make_item(rng, session["Kind"], session["SessionId"], when, subject, session["Result"])
        item["AssessmentID"] = subject.assessment_id
        with self._lock:
            self._added.setdefault((user.user_id, session["Kind"]), []).insert(0, item)
            self._save()

    # -- auto-login tokens ---------------------------------------------------

    def issue_token(self, username: str, ttl_seconds: float = 300) -> str:
        """A single-use token that signs ``username`` in until it expires."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
            self._tokens[token] = (username, now + ttl_seconds)
        return token

    def redeem_token(self, token: str) -> str | None:
        """The token's username if it is valid; the token is used up either way."""
        with self._lock:
            entry = self._tokens.pop(token, None)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    # -- persistence ---------------------------------------------------------

    def _save(self) -> None:
        if self.state_file is None:
            return
        state = {
            "created_users": list(self._created.values()),
            "added_results": [
                {"user_id": uid, "kind": kind, "items": items} for (uid, kind), items in self._added.items()
            ],
            "merged": self._merged,
            "gone_ids": sorted(self._gone_ids),
            "next_user_id": self._next_user_id,
            "next_session_id": self._next_session_id,
            "live_sessions": [{"user_id": uid, "sessions": sessions} for uid, sessions in self._live.items()],
        }
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(state, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.state_file)

    def _load(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        state = json.loads(self.state_file.read_text(encoding="utf-8"))
        for record in state.get("created_users", []):
            self._created[record["Username"]] = record
            self._created_ids[record["UserId"]] = record["Username"]
        for entry in state.get("added_results", []):
            self._added[(entry["user_id"], entry["kind"])] = entry["items"]
        for entry in state.get("live_sessions", []):
            self._live[entry["user_id"]] = entry["sessions"]
        self._merged = dict(state.get("merged", {}))
        self._gone_ids = set(state.get("gone_ids", []))
        self._next_user_id = state.get("next_user_id", self._next_user_id)
        self._next_session_id = state.get("next_session_id", self._next_session_id)


def _as_user(record: dict[str, Any]) -> PopUser:
    return PopUser(record["UserId"], record["Username"], record["Firstname"], record["Lastname"])
