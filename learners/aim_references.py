"""The aim references on file, kept in a small table (AimReference) for the list's Aim filter.

Listing every reference from the aims themselves costs an index probe per distinct reference on
every list page (a skip scan: about 18 ms at 5,700 references). The ILR import, the one writer of
learning aims, calls `aim_references_keep` in each chunk's transaction: the chunk's references are
added and those no record holds any more are dropped, so the table stays equal to the aims'.
`aim_references_rebuild` fills it from the aims (the migration that made it, a benchmark's data).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from learners.models import AimReference, LearningAim


def aim_references_keep(*, written: Iterable[str], dropped: bool = True) -> None:
    """After aims were written: add the references written and, when some aims were removed or changed
    (`dropped`), drop the references nobody holds any more (one query each)."""
    refs = set(written)
    if refs:
        AimReference.objects.bulk_create([AimReference(ref) for ref in sorted(refs)], ignore_conflicts=True)
    if dropped:
        held = LearningAim.objects.filter(learn_aim_ref=OuterRef("learn_aim_ref"))
        AimReference.objects.filter(~Exists(held)).delete()


def aim_references_rebuild() -> None:
    """The table made again from every aim on file."""
    refs = LearningAim.objects.order_by().values_list("learn_aim_ref", flat=True).distinct()
    aim_references_keep(written=refs)
