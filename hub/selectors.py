"""What a learner's Hub shows: reads only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.config.connection import bksb_switched_on
from bksb_integration.models import BksbSettings, LearnerLevel, Subject
from hub.addresses import is_web_address
from learners.models import Learner
from permissions.access import bksb_available

# The subjects a learner sees, in the words of the issue (ICT, not "ICT/Digital").
HUB_SUBJECTS = {Subject.ENGLISH: "English", Subject.MATHS: "Maths", Subject.ICT: "ICT"}


def bksb_configured(settings: BksbSettings) -> bool:
    """The deployment has the bksb module and the provider has switched the integration on."""
    return bksb_switched_on(settings)


def bksb_url_option_on(settings: BksbSettings) -> bool:
    return settings.hub_bksb_url_enabled and is_web_address(settings.hub_bksb_url)


def bksb_button_shown(*, learner: Learner, settings: BksbSettings) -> bool:
    """The Actions widget's BKSB button: bksb configured, a BKSB Username in effect, the BKSB URL option on."""
    return bksb_configured(settings) and bksb_url_option_on(settings) and bool(effective_bksb_username(learner))


def levels_shown(settings: BksbSettings) -> bool:
    return bksb_available() and settings.hub_show_levels


@dataclass(frozen=True)
class LatestLevel:
    subject: str
    level: str | None
    assessment_name: str
    result_date: dt.datetime | None


def latest_levels(*, learner: Learner) -> list[LatestLevel]:
    """The learner's latest mapped level in English, Maths and ICT, read from the levels summary: one query.

    The summary (bksb_learner_level, kept with the results) is the one answer to "latest level": latest by
    result date across initial and diagnostic results and across assessment ids, mapped results only, and
    only those of the learner's current bksb user (results kept from a previous BKSB Username are not theirs
    to show, and a record not linked to a bksb user has none).
    """
    rows = {
        row.subject: row
        for row in LearnerLevel.objects.filter(
            learner=learner, subject__in=list(HUB_SUBJECTS), latest_level__isnull=False
        ).only("subject", "latest_level", "latest_assessment_name", "latest_date")
    }
    return [_latest_level(label, rows.get(subject)) for subject, label in HUB_SUBJECTS.items()]


def _latest_level(label: str, row: LearnerLevel | None) -> LatestLevel:
    if row is None:
        return LatestLevel(label, None, "", None)
    return LatestLevel(label, row.get_latest_level_display(), row.latest_assessment_name, row.latest_date)
