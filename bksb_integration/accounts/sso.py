"""Single sign-on into bksb: a fresh auto-login link for a learner's bksb user, made at click time.

The link signs the learner in: it is handed straight to the caller, never
stored and never logged.
"""

from __future__ import annotations

import logging

from bksb_integration.accounts.linking import LinkError, bksb_user_id_resolve, link_for
from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.api.client import ClientOptions
from bksb_integration.api.errors import BksbError
from bksb_integration.config.connection import BksbNotReady, bksb_client
from bksb_integration.models import BksbSettings
from learners.models import Learner

logger = logging.getLogger(__name__)

# A learner is waiting on the click: give up quickly.
SSO_CLIENT_OPTIONS: ClientOptions = {"timeout": 5.0, "max_retries": 1, "backoff_base": 0.2, "longest_wait": 2.0}


class SsoNotAvailable(Exception):
    """This learner cannot be signed in now: bksb is not set up, or they have no bksb user."""


class SsoNoAnswer(Exception):
    """bksb did not give a usable link in time."""


def auto_login_link_make(*, learner: Learner, settings: BksbSettings) -> str:
    """A new auto-login link for the learner's bksb user. Raises SsoNotAvailable or SsoNoAnswer."""
    try:
        with bksb_client(settings, **SSO_CLIENT_OPTIONS) as client:
            username = effective_bksb_username(learner)
            user_id = bksb_user_id_resolve(link=link_for(learner), username=username, client=client)
            return client.get_auto_login_link(user_id).link
    except BksbNotReady:
        logger.info("bksb sso failed for learner %s: integration not configured", learner.pk)
        raise SsoNotAvailable from None
    except LinkError:
        logger.info("bksb sso failed for learner %s: no bksb user", learner.pk)
        raise SsoNotAvailable from None
    except BksbError as exc:
        logger.info("bksb sso failed for learner %s: %s", learner.pk, type(exc).__name__)
        raise SsoNoAnswer from None
