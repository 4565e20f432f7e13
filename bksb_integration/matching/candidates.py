"""Candidate bksb usernames for a record: what matching asks bksb about, and why.

bksb has no user search: the only way to find a learner's existing bksb user is
to ask for usernames one by one. So a record proposes at most MAX_CANDIDATES
names, each with the rule that proposed it and a strength: strong when it is
the record's email or its web user account's name (the names bksb accounts are
most often made with), possible for names derived from the record.

Values people typed (the BKSB Username, the web user's name, the email, the
reference) are tried as written and in their ASCII-folded lower-case form;
names built from the record (first.last ...) only in that form.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bksb_integration.accounts.usernames import web_user_of
from bksb_integration.models import BksbSettings
from bksb_integration.models.config import default_match_builtins
from learners.models import Learner

MAX_CANDIDATES = 8
STRONG = "strong"
POSSIBLE = "possible"
MAX_USERNAME = 254

# The built-in rules, in the default order ("patterns" places the admin's own patterns).
BUILTINS: dict[str, str] = {
    "typed": "the typed BKSB Username",
    "web_username": "the web user account's name",
    "email": "the email",
    "email_local": "the email's local part",
    "ref": "the learner reference",
    "patterns": "your patterns (below)",
    "first_last": "first.last",
    "firstlast": "firstlast",
    "initial_surname": "initial and surname, with the reference's digits",
}

PLACEHOLDERS: dict[str, str] = {
    "ref": "the learner reference",
    "digits": "the digits of the learner reference",
    "first": "the first name (lower case, no spaces)",
    "last": "the last name (lower case, no spaces)",
    "initial": "the first letter of the first name (lower case)",
    "email": "the email",
    "email_local": "the email before the @",
    "web_username": "the web user account's name",
    "bksb_username": "the typed BKSB Username",
}


@dataclass(frozen=True)
class Candidate:
    username: str
    reason: str
    strength: str

    @property
    def strong(self) -> bool:
        return self.strength == STRONG


class PatternError(ValueError):
    """A pattern that cannot be used; the message is fit to show an admin."""


def folded(text: str) -> str:
    """ASCII-folded lower case: "Zoë O'Brien" -> "zoe o'brien"."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


def name_part(text: str) -> str:
    """A name as usernames carry it: folded, without spaces or apostrophes ("Mary Ann" -> "maryann")."""
    return re.sub(r"[^a-z0-9-]", "", folded(text))


def normalised(username: str) -> str:
    """The key a username's probe answer is kept under: the name as sent, trimmed and NFC."""
    return unicodedata.normalize("NFC", username.strip())


def pattern_check(pattern: str) -> None:
    """Raise PatternError unless `pattern` uses only known placeholders, at least one."""
    try:
        parts = [(field, spec, conversion) for _, field, spec, conversion in string.Formatter().parse(pattern)]
    except ValueError:
        raise PatternError(f"“{pattern}”: a brace is not closed (write placeholders as {{ref}}).") from None
    placed = [part for part in parts if part[0] is not None]
    if not placed:
        raise PatternError(f"“{pattern}” has no placeholder: every record would propose the same name.")
    for field, _, _ in placed:
        if field not in PLACEHOLDERS:
            known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            raise PatternError(f"“{pattern}”: {{{field}}} is not a placeholder. Use {known}.")
    if any(spec or conversion for _, spec, conversion in placed):
        raise PatternError(f"“{pattern}”: write placeholders plainly, as {{ref}}, without : or !.")


def patterns_parse(text: str) -> list[str]:
    """The admin's patterns, one a line, each checked; PatternError names the first bad one."""
    patterns = [line.strip() for line in text.splitlines() if line.strip()]
    for pattern in patterns:
        pattern_check(pattern)
    return patterns


def default_builtins() -> list[str]:
    return builtins_parse(default_match_builtins())


def builtins_parse(keys: Iterable[object]) -> list[str]:
    """The stored built-in order, keeping only known keys once each (an old or edited row never breaks matching)."""
    return list(dict.fromkeys(key for key in keys if isinstance(key, str) and key in BUILTINS))


@dataclass(frozen=True)
class RecordValues:
    """What a record offers to build candidates from."""

    typed: str
    web_username: str
    email: str
    ref: str
    first: str
    last: str

    @classmethod
    def of(cls, learner: Learner) -> RecordValues:
        web_user = web_user_of(learner)
        return cls(
            typed=learner.bksb_username.strip(),
            web_username=web_user.username.strip() if web_user is not None else "",
            email=learner.email.strip(),
            ref=learner.learner_ref.strip(),
            first=learner.first_name.strip(),
            last=learner.last_name.strip(),
        )

    @property
    def email_local(self) -> str:
        return self.email.partition("@")[0] if "@" in self.email else ""

    @property
    def digits(self) -> str:
        return "".join(re.findall(r"\d", self.ref))

    def placeholders(self) -> dict[str, str]:
        return {
            "ref": self.ref,
            "digits": self.digits,
            # Names as usernames carry them, so {first}.{last} gives amira.khan, not "Amira.Khan".
            "first": name_part(self.first),
            "last": name_part(self.last),
            "initial": name_part(self.first)[:1],
            "email": self.email,
            "email_local": self.email_local,
            "web_username": self.web_username,
            "bksb_username": self.typed,
        }


# Each rule gives (text, tried as typed?) pairs; derived names are only tried folded.
Rule = Callable[[RecordValues], list[tuple[str, bool]]]

_RULES: dict[str, Rule] = {
    "typed": lambda v: [(v.typed, True)],
    "web_username": lambda v: [(v.web_username, True)],
    "email": lambda v: [(v.email, True)],
    "email_local": lambda v: [(v.email_local, True)],
    "ref": lambda v: [(v.ref, True)],
    "first_last": lambda v: (
        [(f"{name_part(v.first)}.{name_part(v.last)}", False)] if name_part(v.first) and name_part(v.last) else []
    ),
    "firstlast": lambda v: (
        [(f"{name_part(v.first)}{name_part(v.last)}", False)] if name_part(v.first) and name_part(v.last) else []
    ),
    "initial_surname": lambda v: (
        [(f"{name_part(v.first)[:1]}{name_part(v.last)}{v.digits}", False)]
        if name_part(v.first) and name_part(v.last)
        else []
    ),
}


def _pattern_texts(values: RecordValues, patterns: list[str]) -> list[tuple[str, str]]:
    """(text, pattern) for each pattern whose placeholders all have a value for this record."""
    found = []
    filled = values.placeholders()
    for pattern in patterns:
        fields = [field for _, field, _, _ in string.Formatter().parse(pattern) if field]
        if all(filled.get(field) for field in fields):
            found.append((pattern.format(**filled), pattern))
    return found


def _strength(text: str, values: RecordValues) -> str:
    strong = {folded(value) for value in (values.email, values.web_username) if value}
    return STRONG if folded(text) in strong else POSSIBLE


def candidates_for(
    learner: Learner, *, builtins: list[str], patterns: list[str], limit: int = MAX_CANDIDATES
) -> list[Candidate]:
    """The record's candidate usernames, in the rules' order, de-duplicated, at most `limit`."""
    values = RecordValues.of(learner)
    proposed: list[tuple[str, str, bool]] = []
    for key in builtins:
        if key == "patterns":
            proposed += [(text, f"your pattern {pattern}", True) for text, pattern in _pattern_texts(values, patterns)]
        elif key in _RULES:
            proposed += [(text, BUILTINS[key], as_typed) for text, as_typed in _RULES[key](values)]
    found: dict[str, Candidate] = {}
    for text, reason, as_typed in proposed:
        forms = [normalised(text), folded(text)] if as_typed else [folded(text)]
        for form in forms:
            if form and len(form) <= MAX_USERNAME and form not in found and not any(c.isspace() for c in form):
                found[form] = Candidate(form, reason, _strength(form, values))
    return list(found.values())[:limit]


def settings_candidates(learner: Learner, settings: BksbSettings) -> list[Candidate]:
    """candidates_for with the rules set on Settings > Matching (a pattern that no longer parses is skipped)."""
    return candidates_for(learner, builtins=builtins_parse(settings.match_builtins), patterns=_usable(settings))


def _usable(settings: BksbSettings) -> list[str]:
    usable = []
    for line in settings.match_patterns.splitlines():
        try:
            pattern_check(line.strip())
        except PatternError:
            continue
        usable.append(line.strip())
    return usable
