"""The provision type rule: one case per type, and the order in which they win."""

from __future__ import annotations

from learners.models import ProvisionType
from learners.provision import AimFacts, provision_type_for


def test_16_19_funding_is_young_people():
    assert provision_type_for(aims=[AimFacts(25, None)], high_needs=False) == ProvisionType.YOUNG_PEOPLE


def test_adult_skills_funding_is_adults():
    assert provision_type_for(aims=[AimFacts(35, None)], high_needs=False) == ProvisionType.ADULTS


def test_apprenticeship_funding_or_a_standard_is_apprenticeships_even_beside_other_aims():
    assert provision_type_for(aims=[AimFacts(36, 25)], high_needs=False) == ProvisionType.APPRENTICESHIPS
    assert provision_type_for(aims=[AimFacts(35, None), AimFacts(99, 25)], high_needs=False) == "apprenticeships"


def test_the_high_needs_fam_wins_over_any_aim():
    assert provision_type_for(aims=[AimFacts(25, None)], high_needs=True) == ProvisionType.HIGH_NEEDS
    assert provision_type_for(aims=[], high_needs=True) == ProvisionType.HIGH_NEEDS


def test_no_aim_that_says_is_not_known():
    assert provision_type_for(aims=[], high_needs=False) == ""
    assert provision_type_for(aims=[AimFacts(99, None)], high_needs=False) == ""
