"""System checks: BKSB_ENCRYPTION_KEY (and any old keys) are Fernet keys that read the stored secrets.

A bad key otherwise shows only when a page needs a secret. Every command warns;
`manage.py check --deploy` makes the same findings errors. Also a warning when
results are stored but the levels summary was never built (bksb.W004).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db import DatabaseError, transaction

from bksb_integration.models import BksbSettings, DiagnosticAssessmentResult, InitialAssessmentResult, LearnerLevel
from bksb_integration.models.config import ENCRYPTED_FIELDS
from bksb_integration.models.encryption import NOT_SET, key_problem, readable

TAG = "bksb"
NEW_KEY_HINT = (
    "Set it to the key the secrets were saved with; a new key is made with: "
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
UNREADABLE_HINT = (
    "List the key they were saved with in BKSB_ENCRYPTION_OLD_KEYS (then run manage.py bksb_rotate_key), "
    "or enter them again on Integrations > bksb > Settings (or with manage.py bksb_settings)."
)


@checks.register(TAG)
def encryption_key_warnings(app_configs: Iterable[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return _findings(checks.Warning, "W", app_configs)


@checks.register(TAG, deploy=True)
def encryption_key_errors(app_configs: Iterable[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return _findings(checks.Error, "E", app_configs)


def _findings(
    level: type[checks.Warning] | type[checks.Error], prefix: str, app_configs: Iterable[AppConfig] | None
) -> list[checks.CheckMessage]:
    if app_configs is not None and "bksb_integration" not in {config.label for config in app_configs}:
        return []
    problem = key_problem()
    if problem:
        code = "001" if problem == NOT_SET else "002"
        return [level(problem, hint=NEW_KEY_HINT, id=f"{TAG}.{prefix}{code}")]
    tokens = _stored_tokens()
    unreadable = [label for field, label in ENCRYPTED_FIELDS.items() if not readable(tokens.get(field, ""))]
    if unreadable:
        what = " and ".join(unreadable)
        message = f"BKSB_ENCRYPTION_KEY (or a key in BKSB_ENCRYPTION_OLD_KEYS) cannot decrypt the stored {what}."
        return [level(message, hint=UNREADABLE_HINT, id=f"{TAG}.{prefix}003")]
    return []


def _stored_tokens() -> dict[str, str]:
    """The encrypted secrets of the settings row; none before migrate has made the table."""
    try:
        # A savepoint: a failed query must not break a transaction around the checks.
        with transaction.atomic():
            row = BksbSettings.objects.filter(pk=1).values(*ENCRYPTED_FIELDS).first()
    except DatabaseError:
        return {}
    return row or {}


# Levels at a glance: results stored before the summary existed have none until it is rebuilt.
LEVELS_HINT = "Run: python manage.py bksb_rebuild_levels (once, after upgrading; safe to run again)."


@checks.register(TAG)
def levels_summary_warnings(app_configs: Iterable[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if app_configs is not None and "bksb_integration" not in {config.label for config in app_configs}:
        return []
    try:
        with transaction.atomic():
            stored = InitialAssessmentResult.objects.exists() or DiagnosticAssessmentResult.objects.exists()
            missing = stored and not LearnerLevel.objects.exists()
    except DatabaseError:
        return []  # before migrate has made the tables
    if not missing:
        return []
    message = "Results are stored but the levels summary (bksb_learner_level) is empty: no levels, tags or flags show."
    return [checks.Warning(message, hint=LEVELS_HINT, id=f"{TAG}.W004")]
