"""Which records an audit sample holds: those an auditor listed (references or ULNs), or N drawn from a cohort.

A funding auditor names the learners to look at, or asks for a random sample
(typically 30 per funding stream). A list is matched against the learner
references, and against ULNs for staff who hold View prior attainment (a ULN is
prior-attainment data); whatever matches nothing is kept, to be listed on the
page, in the manifest and on the cover, never silently skipped.

A random sample is drawn with Python's `random.Random(seed)` from the cohort's
record ids in ascending order, so the same seed on the same cohort (the same
filters, and no record added or removed since) draws the same records again.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

from learners.attainment import ULN_NOT_KNOWN
from learners.models import Learner

# What separates pasted references: line breaks, spaces, commas, semicolons and tabs.
SEPARATORS = re.compile(r"[\s,;]+")
# Seeds the page offers: six digits, easy to write down and type again.
SEED_LOWEST, SEED_COUNT = 100_000, 900_000
# How long a pasted list may be (characters): far more than any sample's references.
PASTED_MAX = 100_000
# What the page and the job read of each record.
SHOWN_FIELDS = ("pk", "learner_ref", "first_name", "last_name", "uln")


@dataclass(frozen=True)
class SampleChoice:
    """The records a sample holds (in reference order) and what was asked for but matches no record."""

    learners: list[Learner]
    not_found: list[str] = field(default_factory=list)
    # A random sample: its seed and how many records the cohort had when it was drawn.
    seed: int | None = None
    cohort_size: int | None = None

    @property
    def ids(self) -> list[int]:
        return [learner.pk for learner in self.learners]


@dataclass(frozen=True)
class ManifestLine:
    """A line of the sample's manifest and cover: a pack in the zip (file and SHA-256), or why there is none."""

    reference: str
    uln: str
    file: str
    sha256: str
    note: str


def references_parse(text: str) -> list[str]:
    """The references in a pasted list, one per line or separated by commas or spaces; each once, in order."""
    seen: dict[str, None] = {}
    for token in SEPARATORS.split(text[:PASTED_MAX]):
        if token:
            seen.setdefault(token, None)
    return list(seen)


def references_resolve(*, text: str, by_uln: bool, among: QuerySet[Learner] | None = None) -> SampleChoice:
    """The records a pasted list names, matched by reference (any letter case) or, when `by_uln`, by ULN
    (a ULN held by several records names each); what matches none is in `not_found`, as typed. One query."""
    asked = references_parse(text)
    upper = [token.upper() for token in asked]
    match = Q(ref_upper__in=upper)
    ulns = [token for token in asked if token.isdigit() and len(token) == 10 and token != ULN_NOT_KNOWN]
    if by_uln and ulns:
        match |= Q(uln__in=ulns)
    records = Learner.objects.all() if among is None else among  # a caseload names no other record
    matching = records.annotate(ref_upper=Upper("learner_ref")).filter(match)
    found: list[Learner] = list(matching.only(*SHOWN_FIELDS))
    by_ref = {learner.learner_ref.upper(): learner for learner in found}
    by_uln_found: dict[str, list[Learner]] = {}
    if by_uln:
        for learner in found:
            if learner.uln in ulns:  # never 9999999999 (not known), nor a ULN of a record found by reference
                by_uln_found.setdefault(learner.uln, []).append(learner)
    chosen: dict[int, Learner] = {}
    not_found = []
    for token, key in zip(asked, upper, strict=True):
        # A reference first; a ULN (when matched at all) only when no reference reads so.
        matched = [by_ref[key]] if key in by_ref else by_uln_found.get(token, [])
        if not matched:
            not_found.append(token)
        for learner in matched:
            chosen.setdefault(learner.pk, learner)
    return SampleChoice(learners=_in_reference_order(chosen.values()), not_found=not_found)


def cohort_sample(*, learners: QuerySet[Learner], size: int, seed: int) -> SampleChoice:
    """`size` records drawn at random from the cohort with this seed (all of them when it is smaller). Two queries."""
    ids = sorted(learners.order_by().values_list("pk", flat=True))
    drawn = random.Random(seed).sample(ids, min(size, len(ids)))
    chosen = Learner.objects.filter(pk__in=drawn).only(*SHOWN_FIELDS)
    return SampleChoice(learners=_in_reference_order(chosen), seed=seed, cohort_size=len(ids))


def seed_new() -> int:
    """A fresh seed for the page to show."""
    return SEED_LOWEST + secrets.randbelow(SEED_COUNT)


def _in_reference_order(learners: Iterable[Learner]) -> list[Learner]:
    return sorted(learners, key=lambda learner: learner.learner_ref)
