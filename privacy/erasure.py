"""Erasure on request (one record anonymised, with a reason) and the audit holds that refuse it."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from learners.models import Learner
from privacy.anonymise import ANONYMOUS_PREFIX, learners_anonymise
from privacy.models import AnonymisedRecord, AuditHold, PrivacyEvent

HELD = "This record is under an audit hold ({reason}): it cannot be erased until an administrator clears the hold."
ALREADY = "This record was anonymised already: nothing identifies the person any more."
NO_REASON = "Give the reason for the erasure (the request it answers)."


class ErasureRefused(Exception):
    """Nothing was changed; the message says why, for staff."""


def learner_erase(*, learner: Learner, reason: str, by: User) -> PrivacyEvent:
    """Anonymise one record at the person's request, as the retention run would; refused under an audit hold."""
    reason = reason.strip()
    if not reason:
        raise ErasureRefused(NO_REASON)
    with transaction.atomic():
        # The record's row is locked, so a hold set at the same moment is either seen here or waits for this.
        locked = Learner.objects.select_for_update().get(pk=learner.pk)
        hold = AuditHold.objects.filter(learner=locked).first()
        if hold is not None:
            raise ErasureRefused(HELD.format(reason=hold.reason))
        if AnonymisedRecord.objects.filter(learner=locked).exists():
            raise ErasureRefused(ALREADY)
        event = PrivacyEvent.objects.create(
            action=PrivacyEvent.Action.ERASURE,
            by=by,
            record_id=locked.pk,
            record_label=f"{ANONYMOUS_PREFIX}{locked.pk}",
            reason=reason[:500],
        )
        done = learners_anonymise(learner_ids=[locked.pk], event=event)
        event.counts = {"done": dict(done)}
        event.save(update_fields=["counts"])
    return event


def audit_hold_set(*, learner: Learner, reason: str, by: User) -> AuditHold:
    """Hold the record: no retention run or erasure touches it until the hold is cleared. Audited."""
    reason = reason.strip()
    if not reason:
        raise ValueError("An audit hold needs a reason.")
    with transaction.atomic():
        Learner.objects.select_for_update().filter(pk=learner.pk).first()
        hold, _ = AuditHold.objects.update_or_create(learner=learner, defaults={"reason": reason[:500], "set_by": by})
        _hold_event(PrivacyEvent.Action.HOLD_SET, learner=learner, reason=reason, by=by)
    return hold


def audit_hold_clear(*, learner: Learner, reason: str, by: User) -> bool:
    """Clear the record's hold, saying why; False when it had none. Audited."""
    reason = reason.strip()
    if not reason:
        raise ValueError("Clearing an audit hold needs a reason.")
    with transaction.atomic():
        Learner.objects.select_for_update().filter(pk=learner.pk).first()
        if not AuditHold.objects.filter(learner=learner).delete()[0]:
            return False
        _hold_event(PrivacyEvent.Action.HOLD_CLEARED, learner=learner, reason=reason, by=by)
    return True


def _hold_event(action: str, *, learner: Learner, reason: str, by: User) -> None:
    PrivacyEvent.objects.create(
        action=action, by=by, record_id=learner.pk, record_label=learner.learner_ref, reason=reason[:500]
    )
