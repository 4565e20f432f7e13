"""Re-encrypting the stored secrets with the current BKSB_ENCRYPTION_KEY (after a new key is set)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.views.decorators.debug import sensitive_variables

from bksb_integration.models import BksbSettings
from bksb_integration.models.config import ENCRYPTED_FIELDS
from bksb_integration.models.encryption import SecretUnreadable, is_current, rotate


@dataclass
class Rotation:
    """What stored_secrets_rotate did, by label: never a secret."""

    rotated: list[str] = field(default_factory=list)
    already_current: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    changed_meanwhile: list[str] = field(default_factory=list)


@sensitive_variables()
def stored_secrets_rotate() -> Rotation:
    """Re-encrypt each stored secret that an old key encrypted; safe to run again.

    A secret already under BKSB_ENCRYPTION_KEY is left as it is. Each column is
    swapped with a conditional update (the token it read, for the new one), so a
    secret saved meanwhile is never overwritten; and no audit row is written, since
    nothing anyone can see changes.
    """
    rotation = Rotation()
    row = BksbSettings.objects.filter(pk=1).values(*ENCRYPTED_FIELDS).first() or {}
    for column, label in ENCRYPTED_FIELDS.items():
        token = row.get(column, "")
        if not token:
            continue
        if is_current(token):
            rotation.already_current.append(label)
            continue
        try:
            fresh = rotate(token)
        except SecretUnreadable:
            rotation.unreadable.append(label)
            continue
        swapped = BksbSettings.objects.filter(pk=1, **{column: token}).update(**{column: fresh})
        (rotation.rotated if swapped == 1 else rotation.changed_meanwhile).append(label)
    return rotation
