"""Which bksb username a learner goes by: one rule, used wherever it matters."""

from __future__ import annotations

from learners.models import Learner


def effective_bksb_username(learner: Learner) -> str:
    """The BKSB Username in effect for a learner, or "" when there is none.

    None unless BKSB User is ticked. A blank BKSB Username means "use the web
    user account name", so the learner's Hub login stands in for it.
    """
    if not learner.bksb_user:
        return ""
    username = learner.bksb_username.strip()
    if username:
        return username
    web_user = getattr(learner, "web_user", None)
    return web_user.username.strip() if web_user is not None else ""
