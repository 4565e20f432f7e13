"""The ILR's codes for a learning aim, in words (ILR specification 2025/26 and its 2026/27 changes)."""

from __future__ import annotations

AIM_TYPES = {
    1: "Programme aim",
    3: "Component aim within a programme",
    4: "Aim not part of a programme",
    5: "Core aim (16 to 19 study programme)",
}
FUND_MODELS = {
    10: "Community learning",
    25: "16 to 19 (excluding apprenticeships)",
    35: "Adult skills",
    36: "Apprenticeships",
    39: "Growth and skills short courses",
    70: "ESF",
    81: "Other adult",
    82: "Other 16 to 19",
    99: "Not funded",
}
PROG_TYPES = {24: "Traineeship", 25: "Apprenticeship standard", 30: "T Level transition programme", 31: "T Level"}
COMP_STATUSES = {1: "Continuing", 2: "Completed", 3: "Withdrawn", 6: "Break in learning"}
OUTCOMES = {1: "Achieved", 2: "Partial achievement", 3: "No achievement", 8: "Outcome not yet known"}

FUND_MODEL_16_19, FUND_MODEL_ADULT_SKILLS, FUND_MODEL_APPRENTICESHIPS = 25, 35, 36
PROG_TYPE_STANDARD = 25


def code_words(table: dict[int, str], code: int | None) -> str:
    if code is None:
        return "—"
    return f"{table[code]} ({code})" if code in table else f"Code {code}"
