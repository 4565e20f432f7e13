"""Taking a learner to bksb: the plain BKSB URL, or a single sign-on link made at click time."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bksb_integration.accounts.sso import SsoNoAnswer, SsoNotAvailable, auto_login_link_make
from bksb_integration.models import BksbSettings
from hub.addresses import is_web_address
from learners.models import Learner

logger = logging.getLogger(__name__)

NO_ANSWER = "bksb did not answer, so you're being taken to the bksb sign-in page."
NOT_AVAILABLE = "Single sign-on is not available yet for your account, so you're being taken to the bksb sign-in page."


@dataclass(frozen=True)
class Destination:
    """Where the BKSB button sends the learner; `fallback` says why SSO was not used."""

    # A single sign-on link signs the learner in: keep it out of reprs.
    url: str = field(repr=False)
    fallback: str = ""


def bksb_destination(*, learner: Learner, settings: BksbSettings) -> Destination:
    """The BKSB URL, or with single sign-on on, a fresh auto-login link for the learner's bksb user.

    The link is made now and handed straight to the browser: it is never
    stored, and never logged (it signs the learner in). Anything bksb gets
    wrong falls back to the plain URL with a reason to show.
    """
    plain = settings.hub_bksb_url.strip()
    if not settings.hub_bksb_sso:
        return Destination(plain)
    try:
        link = auto_login_link_make(learner=learner, settings=settings)
    except SsoNotAvailable:
        return Destination(plain, NOT_AVAILABLE)
    except SsoNoAnswer:
        return Destination(plain, NO_ANSWER)
    if not is_web_address(link):
        logger.info("bksb sso failed for learner %s: the link is not a web address", learner.pk)
        return Destination(plain, NO_ANSWER)
    logger.info("bksb sso ok for learner %s", learner.pk)
    return Destination(link)
