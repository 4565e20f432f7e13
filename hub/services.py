"""Taking a learner to bksb: the plain BKSB URL, or a single sign-on link made at click time."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bksb_integration.connection import IntegrationNotConfigured, client_for
from bksb_integration.errors import BksbError
from bksb_integration.linking import LinkError, bksb_user_id_resolve, link_for
from bksb_integration.models import BksbSettings
from bksb_integration.usernames import effective_bksb_username
from hub.addresses import is_web_address
from learners.models import Learner

logger = logging.getLogger(__name__)

# A learner is waiting on the click: give up quickly and send them to the sign-in page.
SSO_TIMEOUT = 5.0
SSO_RETRIES = 1

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
        client = client_for(settings, timeout=SSO_TIMEOUT, max_retries=SSO_RETRIES, backoff_base=0.2, longest_wait=2)
    except IntegrationNotConfigured:
        logger.info("bksb sso failed for learner %s: integration not configured", learner.pk)
        return Destination(plain, NOT_AVAILABLE)
    try:
        user_id = bksb_user_id_resolve(link=link_for(learner), username=effective_bksb_username(learner), client=client)
        link = client.get_auto_login_link(user_id).link
    except LinkError:
        logger.info("bksb sso failed for learner %s: no bksb user", learner.pk)
        return Destination(plain, NOT_AVAILABLE)
    except BksbError as exc:
        logger.info("bksb sso failed for learner %s: %s", learner.pk, type(exc).__name__)
        return Destination(plain, NO_ANSWER)
    finally:
        client.close()
    if not is_web_address(link):
        logger.info("bksb sso failed for learner %s: the link is not a web address", learner.pk)
        return Destination(plain, NO_ANSWER)
    logger.info("bksb sso ok for learner %s", learner.pk)
    return Destination(link)
