"""Hub fixtures: bksb settings in a known state and a signed-in learner."""

from __future__ import annotations

import pytest

from bksb_integration.models import BksbSettings
from tests.support import BKSB_SITE


@pytest.fixture
def bksb_settings(db) -> BksbSettings:
    """bksb switched on (no API keys) with the BKSB URL option on."""
    settings = BksbSettings.load()
    settings.integration_enabled = True
    settings.hub_bksb_url_enabled = True
    settings.hub_bksb_url = BKSB_SITE
    settings.save()
    return settings


@pytest.fixture
def levels_on(db) -> BksbSettings:
    """The provider shows learners their levels on the Hub."""
    settings = BksbSettings.load()
    settings.hub_show_levels = True
    settings.save()
    return settings


@pytest.fixture
def bksb_learner(web_user):
    """The web user's learner, a BKSB User going by their web user account name."""
    learner = web_user.learner
    learner.bksb_user = True
    learner.save()
    return learner


@pytest.fixture
def hub_client(client, web_user):
    client.force_login(web_user.user)
    return client
