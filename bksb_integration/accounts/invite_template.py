"""The invite email's template: plain text with a few named placeholders, such as {first_name}.

Admins write the subject and body. A full template language would let that
text include files, dump its context or loop its way to megabytes, so an
invite template can do one thing only: put a named value where its
placeholder stands. Anything else in braces is refused with a clear reason.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

# Name -> what it stands for, as the edit screen lists them.
PLACEHOLDERS: dict[str, str] = {
    "first_name": "The learner's first name.",
    "last_name": "The learner's last name.",
    "bksb_username": "Their bksb username.",
    "login_url": "Where to log in: the BKSB URL of Settings > System configuration, or “your provider's bksb site”.",
    "auto_login_link": (
        "The one-time auto-login link (body only). A paragraph holding it is left out "
        "when an invite is sent without a link."
    ),
}
LINK = "auto_login_link"
# The link logs the learner in: it stays out of subject lines, which mail systems log and show in lists.
SUBJECT_PLACEHOLDERS = frozenset(PLACEHOLDERS) - {LINK}
BODY_PLACEHOLDERS = frozenset(PLACEHOLDERS)
SUBJECT_MAX = 200
BODY_MAX = 5000

DEFAULT_SUBJECT = "Your bksb account"
DEFAULT_BODY = """Hello {first_name},

You now have a bksb account, where you will take your English, maths and digital skills assessments.

Your bksb username: {bksb_username}

To log in, go to {login_url} and enter your username and the password your provider gives you. \
bksb will ask you to choose a new password the first time you log in.

Or log in straight away with this one-time link (it expires soon, so use it today):
{auto_login_link}

If you did not expect this email, please tell your tutor.
"""

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")
_BRACED = re.compile(r"\{+[^{}\n]{0,40}\}*|\}+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def placeholder(name: str) -> str:
    return "{" + name + "}"


def template_problems(text: str, *, allowed: Collection[str]) -> list[str]:
    """Why this text is not a valid invite template (empty when it is)."""
    problems = []
    for name in dict.fromkeys(_PLACEHOLDER.findall(text)):
        if name == LINK and name not in allowed:
            problems.append(f"{placeholder(name)} can only be used in the body.")
        elif name not in allowed:
            known = ", ".join(placeholder(known) for known in PLACEHOLDERS if known in allowed)
            problems.append(f"{placeholder(name)} is not a placeholder. The placeholders are {known}.")
    stray = _BRACED.search(_PLACEHOLDER.sub("", text))
    if stray:
        problems.append(_stray_problem(stray.group()))
    return problems


def _stray_problem(fragment: str) -> str:
    """Braces that are not a placeholder, such as Django's “{{ first_name }}” or “{% if %}”."""
    word = re.sub(r"[^A-Za-z0-9_]", "", fragment)
    hint = f" Write {placeholder(word)}." if word in PLACEHOLDERS else ""
    return f"“{fragment.strip()}” is not a placeholder: use braces only around a placeholder name.{hint}"


def template_fill(text: str, values: Mapping[str, str]) -> str:
    """Put each value where its placeholder stands, in one pass (a value is never read as a template).

    Without an auto-login link, a paragraph holding {auto_login_link} is left
    out, so the email has no sentence introducing a missing link. Call with
    text that template_problems accepts.
    """
    if not values.get(LINK) and placeholder(LINK) in text:
        paragraphs = _PARAGRAPH_BREAK.split(text)
        text = "\n\n".join(p for p in paragraphs if placeholder(LINK) not in p)
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
