"""One helper per access question, used by views, commands and templates alike.

Views never check group or permission names themselves: they ask here.
"""

from __future__ import annotations

from collections.abc import Callable

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


def is_caseload_restricted(user: AnyUser) -> bool:
    """With caseloads on (CASELOADS_ENABLED), staff holding Own caseload only see just their own records.

    A superuser holds every permission, so is never taken as restricted."""
    return bool(settings.CASELOADS_ENABLED and not user.is_superuser and _has(user, "own_caseload_only"))


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
    """Tools > Audit trail: about every record, so never for staff restricted to their own caseload."""
    return is_staff_user(user) and _has(user, "view_audit") and not is_caseload_restricted(user)


def can_export_subject_access(user: AnyUser) -> bool:
    """Export a learner's data (subject access): one zip of everything held about a record."""
    return can_view_learners(user) and _has(user, "export_subject_access")


def can_manage_retention(user: AnyUser) -> bool:
    """Retention periods and their preview, erasure on request, and audit holds."""
    return can_view_learners(user) and _has(user, "manage_retention")


def can_see_privacy(user: AnyUser) -> bool:
    """A record's Data protection tab: either of the two rights above."""
    return can_export_subject_access(user) or can_manage_retention(user)


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


def can_record_decisions(user: AnyUser) -> bool:
    """Record English and maths decisions and professional judgements on a record's BKSB tab."""
    return can_see_bksb(user) and _has(user, "record_em_decisions")


def can_view_bksb_reports(user: AnyUser) -> bool:
    """Management > BKSB > Reports: cohorts' levels, linking back to the learner list."""
    return can_see_bksb(user) and can_view_learners(user)


def can_see_ilr_crosscheck(user: AnyUser) -> bool:
    """Management > BKSB > ILR cross-check: grades, FAMs and aims against bksb, so prior attainment too."""
    return can_view_bksb_reports(user) and can_view_prior_attainment(user)


# -- Rights combined with the records: a page or job that names learners needs View learners too. ----------


def on_record(*checks: Callable[[AnyUser], bool]) -> Callable[[AnyUser], bool]:
    """A page of a learner's record (the BKSB tab, Create user): the record, and every right in `checks`."""
    return lambda user: can_view_learners(user) and all(check(user) for check in checks)


def can_see_bksb_records(user: AnyUser) -> bool:
    """The BKSB module on records: sessions, skills, evidence packs (one or many)."""
    return can_view_learners(user) and can_see_bksb(user)


def can_follow_downloads(user: AnyUser) -> bool:
    """May follow some download run's window (its status): a learner's BKSB Results on the record, or Get Results.

    Each kind of run then asks its own right (a learner's run: on_record(can_get_bksb_results))."""
    return (can_view_learners(user) and can_get_bksb_results(user)) or can_get_results_for_all(user)


def can_watch(user: AnyUser) -> bool:
    """Watch / Stop watching on a record's tab: the record, and Get BKSB Results."""
    return can_view_learners(user) and can_get_bksb_results(user)


def can_get_results_for_records(user: AnyUser) -> bool:
    """Get Results for a selection of the list, and the Induction board: the records, and Get Results for all."""
    return can_view_learners(user) and can_get_results_for_all(user)


def can_create_bksb_users_for_records(user: AnyUser) -> bool:
    """Create bksb users and send invites for many records (their names and emails show): the records too."""
    return can_view_learners(user) and can_create_bksb_user(user)


def can_invite_from_board(user: AnyUser) -> bool:
    """Send invite again on the Induction board."""
    return can_get_results_for_records(user) and can_create_bksb_users_for_records(user)


def can_link_records(user: AnyUser) -> bool:
    """Match learners, its review and Link selected: the records, and Edit BKSB Link."""
    return can_view_learners(user) and can_edit_bksb_link(user)


def can_see_unmatched(user: AnyUser) -> bool:
    """The Unmatched report names records: the records, and the right to run or fix links for all of them."""
    return can_view_learners(user) and (can_get_results_for_all(user) or can_edit_bksb_link(user))
