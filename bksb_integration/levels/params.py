"""The learner list's query-string names for levels (`?bksb_maths=below_level_1`).

The list's filters (list_levels.py) read them and the cohort reports (report_charts.py)
link with them, so a link from a report opens the list filtered the same way.
"""

from __future__ import annotations

INITIAL_PARAM = "bksb_initial"
UNMAPPED_PARAM = "bksb_unmapped"
MOVEMENT_PARAM = "bksb_movement"
FLAG_PARAM = "bksb_flag"
# bksb_initial's value for "no initial assessment yet, in any subject".
NONE_IN_ANY_SUBJECT = "none"


def level_param(subject: str) -> str:
    """A subject's level filter: bksb_english, bksb_maths, bksb_ict."""
    return f"bksb_{subject}"


def initial_value(subject: str, assessed: bool) -> str:
    """bksb_initial's value for assessed (or not yet) in one subject: maths_done, maths_none."""
    return f"{subject}_{'done' if assessed else 'none'}"


def movement_value(subject: str, movement: str) -> str:
    """bksb_movement's value: maths_up, maths_no_diagnostic..."""
    return f"{subject}_{movement}"
