"""What a learner's Hub shows: reads only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.config.connection import bksb_switched_on
from bksb_integration.models import BksbSettings, DiagnosticAssessmentResult, InitialAssessmentResult, Subject
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
    """The learner's latest mapped level in English, Maths and ICT, in two queries.

    Latest by result date across initial and diagnostic results and across
    assessment ids; a result whose text no mapping row matches has no level
    and is passed over. Only results of the learner's current bksb user count:
    those kept from a previous BKSB Username are not theirs to show, and a
    record not linked to a bksb user shows none.
    """
    latest: dict[str | None, InitialAssessmentResult | DiagnosticAssessmentResult] = {}
    for model in (InitialAssessmentResult, DiagnosticAssessmentResult):
        rows = (
            model.objects.filter(
                learner=learner,
                bksb_user_id=F("learner__bksb_link__bksb_user_id"),
                subject__in=list(HUB_SUBJECTS),
                level__isnull=False,
            )
            .annotate(
                newest=Window(RowNumber(), partition_by=[F("subject")], order_by=[F("result_date").desc(), F("pk")])
            )
            .filter(newest=1)
            .only("subject", "level", "assessment_name", "result_date")
        )
        for row in rows:
            held = latest.get(row.subject)
            if held is None or row.result_date > held.result_date:
                latest[row.subject] = row
    return [_latest_level(label, latest.get(subject)) for subject, label in HUB_SUBJECTS.items()]


def _latest_level(label: str, row: InitialAssessmentResult | DiagnosticAssessmentResult | None) -> LatestLevel:
    if row is None:
        return LatestLevel(label, None, "", None)
    return LatestLevel(label, row.get_level_display(), row.assessment_name, row.result_date)
