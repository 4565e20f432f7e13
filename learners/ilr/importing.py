"""ILR import: check a whole file, then write its good learners and their aims a chunk per transaction.

Both passes stream the file (learners.ilr.reader), so memory stays flat. The
check pass plans every chunk against the database without writing, which is the
dry run and what refuses a file with bad learners; the write pass reads the file
again and writes each chunk's learners, aims and history in one transaction.
Records are matched by LearnRefNumber to the learner reference; a record's aims
are made equal to the file's (added, updated, removed), keyed by AimSeqNumber.
Only ILR fields are written: email, statuses, web users and the bksb fields of a
record already on file are left as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from simple_history.utils import get_history_manager_for_model

from learners.aim_references import aim_references_keep
from learners.ilr.reader import IlrAim, IlrHeader, IlrLearner, IlrLearnerError, ilr_learners_read
from learners.models import AttainmentSource, Kind, Learner, LearningAim
from learners.provision import AimFacts, provision_type_for
from learners.search_text import search_text_refresh
from learners.signals import learners_imported

CHUNK_LEARNERS = 2000
BATCH_SIZE = 1000
LEARNER_FIELDS = (
    "first_name", "last_name", "date_of_birth", "start_date", "uln", "gcse_english_grade", "gcse_maths_grade",
    "prior_level", "edf_english", "edf_maths", "ecf_code", "mcf_code", "high_needs", "ehc_plan",
    "provision_type", "attainment_source", "attainment_as_of",
)  # fmt: skip
AIM_FIELDS = tuple(f.name for f in fields(IlrAim) if f.name != "aim_seq_number")


@dataclass
class IlrCounts:
    learners: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    aims_added: int = 0
    aims_updated: int = 0
    aims_removed: int = 0

    def add(self, other: IlrCounts) -> None:
        for name in self.as_dict():
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class IlrSummary:
    year: str
    counts: IlrCounts
    refused: list[IlrLearnerError]
    written: bool


@dataclass
class IlrCheck:
    header: IlrHeader
    counts: IlrCounts = field(default_factory=IlrCounts)
    refused: list[IlrLearnerError] = field(default_factory=list)


@dataclass
class _ChunkPlan:
    create: list[Learner] = field(default_factory=list)
    update: list[Learner] = field(default_factory=list)
    aims_add: list[LearningAim] = field(default_factory=list)
    aims_update: list[LearningAim] = field(default_factory=list)
    aims_remove: list[int] = field(default_factory=list)
    counts: IlrCounts = field(default_factory=IlrCounts)
    pending_aims: list[tuple[Learner, list[IlrAim]]] = field(default_factory=list)  # aims of records to create


def ilr_import(
    *,
    path: Path,
    skip_invalid: bool,
    dry_run: bool,
    history_user: User | None = None,
    on_check: Callable[[IlrCheck], None] | None = None,
    on_read: Callable[[int], None] | None = None,
    on_chunk: Callable[[int, IlrCounts], None] | None = None,
    after_position: int = 0,
) -> IlrSummary:
    """Check the whole file, then (unless dry_run, or bad learners without skip_invalid) write it.

    on_check sees the check before writing; on_chunk(through_position, counts)
    runs inside each chunk's transaction, so what it records commits with the
    rows. Raises IlrFileError when the file as a whole is refused.
    """
    check = ilr_check(path=path, on_read=on_read)
    if on_check is not None:
        on_check(check)
    if dry_run or (check.refused and not skip_invalid):
        return IlrSummary(check.header.year, check.counts, check.refused, written=False)
    refused_positions = {error.position for error in check.refused}
    written = IlrCounts()
    header = IlrHeader()
    for chunk in _good_chunks(path, header, skip=refused_positions, after_position=after_position):
        with transaction.atomic():
            plan = _chunk_plan(chunk, as_of=_as_of(check.header))
            _chunk_write(plan, history_user)
            if on_chunk is not None:
                on_chunk(chunk[-1].position, plan.counts)
        written.add(plan.counts)
    if written.created:
        learners_imported.send(sender=Learner)  # e.g. new records get their bksb users
    return IlrSummary(check.header.year, written, check.refused, written=True)


def ilr_check(*, path: Path, on_read: Callable[[int], None] | None = None) -> IlrCheck:
    """Read every learner, refuse the bad and repeated ones, and count what writing would do. Writes nothing."""
    check = IlrCheck(header=IlrHeader())
    seen: dict[str, int] = {}
    batch: list[IlrLearner] = []
    for item in ilr_learners_read(path, check.header):
        if isinstance(item, IlrLearnerError):
            check.refused.append(item)
        elif item.learn_ref in seen:
            reason = f"LearnRefNumber: {item.learn_ref} is already learner {seen[item.learn_ref]} of this file."
            check.refused.append(IlrLearnerError(item.position, item.line, item.learn_ref, (reason,)))
        else:
            seen[item.learn_ref] = item.position
            batch.append(item)
            if len(batch) == CHUNK_LEARNERS:
                check.counts.add(_chunk_plan(batch, as_of=_as_of(check.header)).counts)
                batch = []
                if on_read is not None:
                    on_read(item.position)
    if batch:
        check.counts.add(_chunk_plan(batch, as_of=_as_of(check.header)).counts)
    return check


def _as_of(header: IlrHeader) -> dt.date:
    """When the grades were true: the file's preparation date (today for a file without one)."""
    return header.prepared or timezone.localdate()


def _good_chunks(path: Path, header: IlrHeader, *, skip: set[int], after_position: int) -> Iterator[list[IlrLearner]]:
    batch: list[IlrLearner] = []
    for item in ilr_learners_read(path, header):
        if isinstance(item, IlrLearnerError) or item.position in skip or item.position <= after_position:
            continue
        batch.append(item)
        if len(batch) == CHUNK_LEARNERS:
            yield batch
            batch = []
    if batch:
        yield batch


def _learner_values(learner: IlrLearner, as_of: dt.date) -> dict[str, Any]:
    facts = [AimFacts(fund_model=aim.fund_model, prog_type=aim.prog_type) for aim in learner.aims]
    return {
        "first_name": learner.given_names,
        "last_name": learner.family_name,
        "date_of_birth": learner.date_of_birth,
        "start_date": min((aim.start_date for aim in learner.aims), default=None),
        "uln": learner.uln,
        "gcse_english_grade": learner.eng_grade,
        "gcse_maths_grade": learner.math_grade,
        "prior_level": learner.prior_level,
        "edf_english": learner.edf_english,
        "edf_maths": learner.edf_maths,
        "ecf_code": learner.ecf_code,
        "mcf_code": learner.mcf_code,
        "high_needs": learner.high_needs,
        "ehc_plan": learner.ehc_plan,
        "provision_type": provision_type_for(aims=facts, high_needs=learner.high_needs),
        "attainment_source": AttainmentSource.ILR,
        "attainment_as_of": as_of,
    }


def _aim_values(aim: IlrAim) -> tuple[Any, ...]:
    return tuple(getattr(aim, name) for name in AIM_FIELDS)


def _chunk_plan(learners: list[IlrLearner], *, as_of: dt.date) -> _ChunkPlan:
    """Sort a chunk's learners and aims into what to create, update and remove, against the database."""
    plan = _ChunkPlan()
    existing = {
        ref: (pk, tuple(values))
        for pk, ref, *values in Learner.objects.filter(learner_ref__in=[item.learn_ref for item in learners])
        .values_list("pk", "learner_ref", *LEARNER_FIELDS)
        .order_by()
    }
    stored_aims: dict[int, dict[int, tuple[int, tuple[Any, ...]]]] = {}
    for pk, learner_id, seq, *values in (
        LearningAim.objects.filter(learner_id__in=[pk for pk, _ in existing.values()])
        .values_list("pk", "learner_id", "aim_seq_number", *AIM_FIELDS)
        .order_by()
    ):
        stored_aims.setdefault(learner_id, {})[seq] = (pk, tuple(values))
    for item in learners:
        values = _learner_values(item, as_of)
        plan.counts.learners += 1
        if item.learn_ref not in existing:
            record = Learner(learner_ref=item.learn_ref, kind=Kind.LEARNER, **values)
            plan.create.append(record)
            plan.counts.created += 1
            plan.pending_aims.append((record, list(item.aims)))
            plan.counts.aims_added += len(item.aims)
            continue
        pk, current = existing[item.learn_ref]
        aims_changed = _aims_plan(plan, pk, item.aims, stored_aims.get(pk, {}))
        if current != tuple(values[name] for name in LEARNER_FIELDS):
            plan.update.append(Learner(pk=pk, learner_ref=item.learn_ref, **values))
            plan.counts.updated += 1
        elif aims_changed:
            plan.counts.updated += 1
        else:
            plan.counts.unchanged += 1
    return plan


def _aims_plan(plan: _ChunkPlan, learner_id: int, aims: tuple[IlrAim, ...], stored: dict[int, Any]) -> bool:
    """Plan one existing record's aims to equal the file's; whether any changes."""
    before = len(plan.aims_add) + len(plan.aims_update) + len(plan.aims_remove)
    in_file = {aim.aim_seq_number for aim in aims}
    for aim in aims:
        if aim.aim_seq_number not in stored:
            plan.aims_add.append(LearningAim(learner_id=learner_id, aim_seq_number=aim.aim_seq_number, **_aim_kw(aim)))
            plan.counts.aims_added += 1
        elif stored[aim.aim_seq_number][1] != _aim_values(aim):
            pk = stored[aim.aim_seq_number][0]
            plan.aims_update.append(
                LearningAim(pk=pk, learner_id=learner_id, aim_seq_number=aim.aim_seq_number, **_aim_kw(aim))
            )
            plan.counts.aims_updated += 1
    for seq, (pk, _) in stored.items():
        if seq not in in_file:
            plan.aims_remove.append(pk)
            plan.counts.aims_removed += 1
    return len(plan.aims_add) + len(plan.aims_update) + len(plan.aims_remove) > before


def _aim_kw(aim: IlrAim) -> dict[str, Any]:
    return {name: getattr(aim, name) for name in AIM_FIELDS}


def _chunk_write(plan: _ChunkPlan, history_user: User | None) -> None:
    """Write a planned chunk in bulk: records (with history and search column), then their aims."""
    Learner.objects.bulk_create(plan.create, batch_size=BATCH_SIZE)
    if any(record.pk is None for record in plan.create):
        by_ref = {record.learner_ref: record for record in plan.create}
        for ref, pk in Learner.objects.filter(learner_ref__in=list(by_ref)).values_list("learner_ref", "pk"):
            by_ref[ref].pk = pk
    now = timezone.now()
    for record in plan.update:
        record.updated_at = now  # bulk_update skips auto_now
    Learner.objects.bulk_update(plan.update, [*LEARNER_FIELDS, "updated_at"], batch_size=BATCH_SIZE)
    for record, aims in plan.pending_aims:
        plan.aims_add += [
            LearningAim(learner_id=record.pk, aim_seq_number=a.aim_seq_number, **_aim_kw(a)) for a in aims
        ]
    LearningAim.objects.filter(pk__in=plan.aims_remove).delete()
    LearningAim.objects.bulk_update(plan.aims_update, list(AIM_FIELDS), batch_size=BATCH_SIZE)
    LearningAim.objects.bulk_create(plan.aims_add, batch_size=BATCH_SIZE)
    if plan.aims_remove or plan.aims_update or plan.aims_add:
        aim_references_keep(
            written=(aim.learn_aim_ref for aim in plan.aims_add + plan.aims_update),
            dropped=bool(plan.aims_remove or plan.aims_update),
        )
    written_ids = [record.pk for record in plan.create + plan.update]
    if not written_ids:
        return
    search_text_refresh(learner_ids=written_ids)
    # History rows copy whole records, so they are read back rather than built from the ILR fields alone.
    created_ids = {record.pk for record in plan.create}
    rows = list(Learner.objects.filter(pk__in=written_ids))
    history = get_history_manager_for_model(Learner)
    history.bulk_history_create(
        [r for r in rows if r.pk in created_ids], batch_size=BATCH_SIZE, default_user=history_user
    )
    history.bulk_history_create(
        [r for r in rows if r.pk not in created_ids], batch_size=BATCH_SIZE, update=True, default_user=history_user
    )
