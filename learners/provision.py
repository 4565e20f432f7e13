"""A record's provision type (Ofsted's four), from its aims and learner FAMs: the one place the rule lives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from learners.aim_codes import FUND_MODEL_16_19, FUND_MODEL_APPRENTICESHIPS, PROG_TYPE_STANDARD
from learners.models import ProvisionType

# Adult funding streams: adult skills, community learning, Growth and skills short courses, other adult, ESF.
ADULT_FUND_MODELS = {35, 10, 39, 81, 70}


@dataclass(frozen=True)
class AimFacts:
    fund_model: int
    prog_type: int | None


def provision_type_for(*, aims: Iterable[AimFacts], high_needs: bool) -> str:
    """High needs first (the HNS FAM: high-needs funding), then apprenticeships (fund model 36 or a standard),
    then young people (fund model 25, or other 16-19: 82), then adults; "" when no aim says.

    An EHC plan alone does not make a learner high needs: Ofsted's high-needs
    provision is what a provider receives high-needs funding for, which HNS records.
    """
    aims = list(aims)
    if high_needs:
        return ProvisionType.HIGH_NEEDS
    if any(aim.fund_model == FUND_MODEL_APPRENTICESHIPS or aim.prog_type == PROG_TYPE_STANDARD for aim in aims):
        return ProvisionType.APPRENTICESHIPS
    if any(aim.fund_model in (FUND_MODEL_16_19, 82) for aim in aims):
        return ProvisionType.YOUNG_PEOPLE
    if any(aim.fund_model in ADULT_FUND_MODELS for aim in aims):
        return ProvisionType.ADULTS
    return ""
