"""One helper per access question, used by views, commands and templates alike.

Views never check group or permission names themselves: they ask here.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User

# What request.user is: an account, or nobody signed in.
AnyUser = User | AnonymousUser


def _has(user: AnyUser, codename: str) -> bool:
    return bool(user.has_perm(f"permissions.{codename}"))


def is_web_user(user: AnyUser) -> bool:
    """A learner's Hub account."""
    return bool(user.is_authenticated and hasattr(user, "web_user"))


def is_staff_user(user: AnyUser) -> bool:
    """Staff may use the staff pages; learners' web users never may."""
    return bool(user.is_authenticated and user.is_active and user.is_staff and not is_web_user(user))


def can_view_learners(user: AnyUser) -> bool:
    return is_staff_user(user) and _has(user, "view_learners")


def can_import_learners(user: AnyUser) -> bool:
    return can_view_learners(user) and _has(user, "import_learners")


def can_view_prior_attainment(user: AnyUser) -> bool:
    """ULN, GCSE grades, prior level, learner FAMs, aims and provision type: personal data the rules read."""
    return can_view_learners(user) and _has(user, "view_prior_attainment")


def can_import_ilr(user: AnyUser) -> bool:
    """An ILR file (or a CSV with attainment columns) writes prior attainment, so it needs both rights."""
    return can_import_learners(user) and _has(user, "view_prior_attainment")


def can_edit_permissions(user: AnyUser) -> bool:
    return is_staff_user(user) and _has(user, "edit_permissions")


def can_view_audit(user: AnyUser) -> bool:
    return is_staff_user(user) and _has(user, "view_audit")


def bksb_available() -> bool:
    """The deployment has taken up the bksb module at all."""
    return bool(settings.BKSB_INTEGRATION_AVAILABLE)


def can_see_bksb(user: AnyUser) -> bool:
    """May this user see the BKSB module (tab, menus, results)?"""
    return bksb_available() and is_staff_user(user) and _has(user, "bksb_module")


def can_get_bksb_results(user: AnyUser) -> bool:
    """One learner's download: BKSB Results on the learner's tab."""
    return can_see_bksb(user) and _has(user, "get_bksb_results")


def can_get_results_for_all(user: AnyUser) -> bool:
    """Get Results for every eligible learner (Management > BKSB), its runs and History."""
    return can_see_bksb(user) and _has(user, "get_all_bksb_results")


def can_create_bksb_user(user: AnyUser) -> bool:
    return can_see_bksb(user) and _has(user, "create_bksb_user")


def can_edit_bksb_link(user: AnyUser) -> bool:
    return can_see_bksb(user) and _has(user, "edit_bksb_link")


def can_reset_bksb_download(user: AnyUser) -> bool:
    return can_see_bksb(user) and _has(user, "reset_bksb_download")


def can_manage_bksb_settings(user: AnyUser) -> bool:
    return can_see_bksb(user) and _has(user, "manage_bksb_settings")


def can_view_bksb_reports(user: AnyUser) -> bool:
    """Management > BKSB > Reports: cohorts' levels, linking back to the learner list."""
    return can_see_bksb(user) and can_view_learners(user)
