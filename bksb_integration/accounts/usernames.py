"""Which bksb username is in effect for a record, and where it came from."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from learners.models import Learner, WebUser

FROM_BKSB_USERNAME = "BKSB Username"
FROM_WEB_USER = "web user account"


def web_user_of(learner: Learner) -> WebUser | None:
    try:
        return learner.web_user
    except ObjectDoesNotExist:
        return None


def username_in_effect(learner: Learner) -> tuple[str, str]:
    """(username, source). A blank BKSB Username means the web user account's name.

    Returns ("", "") when BKSB User is not ticked or no name is available.
    """
    if not learner.bksb_user:
        return "", ""
    typed = learner.bksb_username.strip()
    if typed:
        return typed, FROM_BKSB_USERNAME
    web_user = web_user_of(learner)
    if web_user is not None:
        return web_user.username, FROM_WEB_USER
    return "", ""


def effective_bksb_username(learner: Learner) -> str:
    return username_in_effect(learner)[0]
