"""Cohorts by programme on the learner list: provision type, funding model, aim, and English or maths aims.

Registered on the learner list (learners.listing), so the Induction board and
every "all matching this filter" action carry them too; shown only to staff
with View prior attainment, like the column and the CSV's attainment columns.
Each filter is one EXISTS (or a column) on the record, read through an index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import Exists, OuterRef, QuerySet

from learners.aim_codes import FUND_MODELS
from learners.listing import ListColumn, ListFilter, list_column_register, list_filter_register
from learners.models import AimReference, EnglishMathsAim, Learner, LearningAim, ProvisionType, Subject
from permissions.access import can_view_prior_attainment

NOT_KNOWN = "not_known"
MAX_AIMS_LISTED = 2000


def _provision_choices() -> list[tuple[str, str]]:
    return [*ProvisionType.choices, (NOT_KNOWN, "Not known")]


def _provision_apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
    return learners.filter(provision_type="" if value == NOT_KNOWN else value)


def _fund_model_choices() -> list[tuple[str, str]]:
    return [(str(code), f"{words} ({code})") for code, words in FUND_MODELS.items()]


def _fund_model_apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
    return learners.filter(Exists(LearningAim.objects.filter(learner_id=OuterRef("pk"), fund_model=int(value))))


def aim_choices() -> list[tuple[str, str]]:
    """Every aim reference on file (the first MAX_AIMS_LISTED in order), and every English or maths aim on file
    however far past them, with its title from the English and maths mapping: read from the small table of
    references on file (learners/aim_references.py), not from every aim."""
    refs = list(AimReference.objects.values_list("learn_aim_ref", flat=True)[:MAX_AIMS_LISTED])
    # Functional Skills references sort after thousands of others, and they are the aims held most: without
    # these, a college's commonest aims could not be chosen.
    held = EnglishMathsAim.objects.filter(learn_aim_ref__in=AimReference.objects.values("learn_aim_ref"))
    titles = dict(held.values_list("learn_aim_ref", "title"))
    return [(ref, f"{ref} {titles[ref]}" if ref in titles else ref) for ref in sorted({*refs, *titles})]


def _aim_on_file(value: str) -> bool:
    """Any aim a record holds, listed or not: one index probe, not the list of choices again."""
    return LearningAim.objects.filter(learn_aim_ref=value).exists()


def _aim_apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
    return learners.filter(Exists(LearningAim.objects.filter(learner_id=OuterRef("pk"), learn_aim_ref=value)))


def _english_maths_choices() -> list[tuple[str, str]]:
    return [("any", "English or maths"), *Subject.choices]


def _english_maths_apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
    mapped = EnglishMathsAim.objects.all() if value == "any" else EnglishMathsAim.objects.filter(subject=value)
    # The references as values, not a subquery: PostgreSQL then sizes the filter from each one's statistics
    # (Functional Skills aims are among the most held), so a page walks the name order probing each record's
    # aims, and the count reads the holders from the (aim reference, learner) index. A subquery's references
    # look rare to it: it gathered and sorted every holder for a page of 50.
    refs = list(mapped.order_by().values_list("learn_aim_ref", flat=True))
    return learners.filter(Exists(LearningAim.objects.filter(learner_id=OuterRef("pk"), learn_aim_ref__in=refs)))


def _provision_values(learners: Sequence[Learner]) -> Mapping[int, str]:
    return {learner.pk: learner.get_provision_type_display() for learner in learners}


def programme_filters_register() -> None:
    """Called once, from the app's ready()."""
    for param, label, choices, apply, accepts in (
        ("provision", "Provision type", _provision_choices, _provision_apply, None),
        ("fund_model", "Funding model", _fund_model_choices, _fund_model_apply, None),
        ("aim", "Aim", aim_choices, _aim_apply, _aim_on_file),
        ("em_aim", "Has an English or maths aim", _english_maths_choices, _english_maths_apply, None),
    ):
        list_filter_register(
            ListFilter(param, label, choices, apply, visible_to=can_view_prior_attainment, accepts=accepts)
        )
    list_column_register(
        ListColumn(
            key="provision_type",
            header="Provision type",
            values=_provision_values,
            template="learners/_text_cell.html",
            csv=str,
            visible_to=can_view_prior_attainment,
        )
    )
