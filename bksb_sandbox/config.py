"""Settings of the bksb sandbox (a test double), most of them changeable at runtime."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Names of the bksb calls, as used by ``forbidden_calls`` and the stats.
CALL_NAMES = (
    "isUsernameExists",
    "getUserId",
    "createUser",
    "getAutoLoginLink",
    "initialAssessment",
    "diagnosticAssessment",
    "getAssessmentSessionsForCourseV5",
    "GetEOAReportDataForAssessmentSessionV5",
)

# Knobs that may change while the server runs (everything else is fixed at start).
RUNTIME_KNOBS = (
    "latency_ms",
    "jitter_ms",
    "rate_limit",
    "error_rate",
    "page_cap",
    "not_found_status",
    "forbidden",
    "forbidden_calls",
    "hang_ms",
    "garbage",
    "duplicate_on_page_boundary",
    "malformed_calls",
    "sessions_not_found",
    "create_user_answer_ms",
)

MAX_USERS = 800_000


@dataclass
class SandboxConfig:
    """Everything the sandbox needs; ``port=0`` picks a free port.

    ``rate_limit`` is requests per second per access key (0 = unlimited).
    ``forbidden`` answers every api call 403 (key disabled); ``forbidden_calls``
    answers 403 only for the named calls (permission not set to Allow).
    ``duplicate_on_page_boundary`` makes one new result arrive after page 1 of a
    multi-page list is served, once per user and list while the knob is on.
    ``malformed_calls`` answers the named calls 200 with JSON of the wrong shape;
    ``sessions_not_found`` answers every EOA report "session not found".
    """

    host: str = "127.0.0.1"
    port: int = 8765
    access_key_id: str = ""
    secret_access_key: str = ""
    users: int = 250
    seed: int = 1
    state_file: str | None = None
    latency_ms: float = 30.0
    jitter_ms: float = 5.0
    rate_limit: float = 0.0
    error_rate: float = 0.0
    page_cap: int = 100
    not_found_status: int = 404
    forbidden: bool = False
    forbidden_calls: list[str] = field(default_factory=list)
    hang_ms: float = 0.0
    garbage: bool = False
    duplicate_on_page_boundary: bool = False
    malformed_calls: list[str] = field(default_factory=list)
    sessions_not_found: bool = False
    # createUser answers this long after it has created the user: a client killed meanwhile never hears of it.
    create_user_answer_ms: float = 0.0
    log_requests: bool = False

    def __post_init__(self) -> None:
        validate(self)

    def public_dict(self) -> dict[str, Any]:
        """The settings without the secret, for the control endpoints."""
        data = dataclasses.asdict(self)
        data["secret_access_key"] = "***" if self.secret_access_key else ""
        return data

    def update(self, knobs: dict[str, Any]) -> None:
        """Change runtime knobs; raise ValueError (and change nothing) if any is bad."""
        unknown = sorted(set(knobs) - set(RUNTIME_KNOBS))
        if unknown:
            raise ValueError(f"not a runtime knob: {', '.join(unknown)}")
        trial = dataclasses.replace(self, **knobs)  # validates via __post_init__
        for name in knobs:
            setattr(self, name, getattr(trial, name))


def validate(cfg: SandboxConfig) -> None:
    """Raise ValueError if a setting is out of range."""
    problems = []
    if not 0 <= cfg.users <= MAX_USERS:
        problems.append(f"users must be 0..{MAX_USERS}")
    for name in ("latency_ms", "jitter_ms", "rate_limit", "hang_ms", "create_user_answer_ms"):
        if not isinstance(getattr(cfg, name), int | float) or getattr(cfg, name) < 0:
            problems.append(f"{name} must be a number >= 0")
    if not isinstance(cfg.error_rate, int | float) or not 0 <= cfg.error_rate <= 1:
        problems.append("error_rate must be between 0 and 1")
    if not isinstance(cfg.page_cap, int) or cfg.page_cap < 1:
        problems.append("page_cap must be an integer >= 1")
    if cfg.not_found_status not in (200, 404):
        problems.append("not_found_status must be 200 or 404")
    for name in ("forbidden", "garbage", "duplicate_on_page_boundary", "sessions_not_found"):
        if not isinstance(getattr(cfg, name), bool):
            problems.append(f"{name} must be true or false")
    if not isinstance(cfg.forbidden_calls, list) or not set(cfg.forbidden_calls) <= set(CALL_NAMES):
        problems.append(f"forbidden_calls must be a list of: {', '.join(CALL_NAMES)}")
    if not isinstance(cfg.malformed_calls, list) or not set(cfg.malformed_calls) <= set(CALL_NAMES):
        problems.append(f"malformed_calls must be a list of: {', '.join(CALL_NAMES)}")
    if problems:
        raise ValueError("; ".join(problems))
