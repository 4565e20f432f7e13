"""Validating and saving the integration's settings.

The Settings form and the `bksb_settings` command both describe what to change
as a `SettingsChange` and go through `settings_change_validate` and
`settings_update`, so the two can never disagree about what is allowed.

Every stored secret is sent only to the server it was entered for: moving the
BKSB API url to another server needs the Secret Access Key entered again and
clears every other stored secret (the Default Password) not entered again with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.views.decorators.debug import sensitive_variables

from bksb_integration.api.client import basic_auth_can_carry
from bksb_integration.config.api_address import api_address_problem
from bksb_integration.models import BksbSettings

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
DEFAULT_PORTS = {"http": 80, "https": 443}
# Every secret the settings store, with the words staff see for it.
SECRET_LABELS = {"secret_access_key": "Secret Access Key", "default_password": "Default Password"}
# A connection test of other keys says nothing about these: changing one clears the last test.
KEY_FIELDS = frozenset({"api_url", "access_key_id", "secret_access_key_encrypted"})
URL_CHANGE_NEEDS_KEY = (
    "Enter the Secret Access Key again when you change the BKSB API url: "
    "it is only ever sent to the url it was entered for."
)


def api_url_origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a url: where the Secret Access Key would be sent."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", url, None)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(parts.scheme.lower()))


def api_url_validate(url: str) -> str:
    """The BKSB API url cleaned, or ValidationError: https, or http to this machine only."""
    url = (url or "").strip()
    if not url:
        raise ValidationError("Enter the BKSB API url.")
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except (ValidationError, ValueError):
        raise ValidationError("Enter a full address, such as https://live2api.bksblive2.co.uk/.") from None
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError("The BKSB API url must not contain a user name, password, query or fragment.")
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        raise ValidationError(
            "The BKSB API url must start with https:// (plain http:// is only allowed for localhost)."
        )
    if problem := api_address_problem(url):
        raise ValidationError(problem)
    return url if url.endswith("/") else url + "/"


@dataclass
class SettingsChange:
    """What to change; None leaves a setting as it is.

    A secret is replaced only by a non-empty value, and removed only by its clear flag.
    """

    integration_enabled: bool | None = None
    api_url: str | None = None
    access_key_id: str | None = None
    auto_enrol_courses: bool | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    clear_secret_access_key: bool = False
    default_password: str | None = field(default=None, repr=False)
    clear_default_password: bool = False
    # Filled in by validation: stored secrets cleared because the url moves to another server.
    cleared_for_new_server: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class SettingsSaved:
    """What settings_update did: the fields saved, and the secrets cleared by a move."""

    changed: list[str]
    cleared_for_new_server: tuple[str, ...] = ()

    @property
    def notice(self) -> str:
        return moved_server_notice(self.cleared_for_new_server)


def moved_server_notice(cleared: tuple[str, ...]) -> str:
    """What to tell staff when a move to another server cleared stored secrets ('' if none)."""
    if not cleared:
        return ""
    labels = " and ".join(SECRET_LABELS[name] for name in cleared)
    return (
        f"The BKSB API url moved to another server, so the stored {labels} was cleared "
        "(a secret is only ever sent to the server it was entered for): enter it again."
    )


@sensitive_variables()
def settings_change_validate(*, settings: BksbSettings, change: SettingsChange) -> SettingsChange:
    """The change with its values cleaned; ValidationError({field: message}) when not allowed."""
    errors: dict[str, str] = {}
    cleaned = SettingsChange(**vars(change))
    if change.api_url is not None:
        try:
            cleaned.api_url = api_url_validate(change.api_url)
        except ValidationError as exc:
            errors["api_url"] = exc.messages[0]
    if change.access_key_id is not None:
        cleaned.access_key_id = change.access_key_id.strip()
        if len(cleaned.access_key_id) > 200:
            errors["access_key_id"] = "The Access Key ID is too long."
    errors.update(_credential_problems(cleaned))
    for name in SECRET_LABELS:
        if getattr(change, name) and getattr(change, f"clear_{name}"):
            errors[name] = "Enter a new value or clear it, not both."
    if "api_url" not in errors and _moves_server(settings, cleaned):
        if _kept(settings, cleaned, "secret_access_key"):
            errors["secret_access_key"] = URL_CHANGE_NEEDS_KEY
        else:
            # += : a change validated twice (form, then save) keeps what the first pass cleared.
            cleaned.cleared_for_new_server += _clear_kept_secrets(settings, cleaned)
    if errors:
        raise ValidationError(errors)
    _require_keys_when_enabled(settings, cleaned)
    return cleaned


def _credential_problems(change: SettingsChange) -> dict[str, str]:
    # Both go to bksb in HTTP Basic authentication, as "key id:secret". The value is
    # never repeated in the message: it is (or may be mistaken for) a secret.
    problems = {}
    for name, label in (("access_key_id", "Access Key ID"), ("secret_access_key", "Secret Access Key")):
        value = getattr(change, name)
        if value and not basic_auth_can_carry(value):
            problems[name] = (
                f"The {label} holds a character HTTP Basic authentication cannot carry: only plain ASCII "
                "letters, digits and symbols can be sent to bksb. Copy it again from bksb."
            )
    if change.access_key_id and ":" in change.access_key_id:
        problems.setdefault("access_key_id", "The Access Key ID cannot hold a colon (:). Copy it again from bksb.")
    return problems


def _moves_server(settings: BksbSettings, change: SettingsChange) -> bool:
    return change.api_url is not None and api_url_origin(change.api_url) != api_url_origin(settings.api_url)


def _kept(settings: BksbSettings, change: SettingsChange, name: str) -> bool:
    """A stored secret this change neither replaces nor clears."""
    replaced_or_cleared = getattr(change, name) or getattr(change, f"clear_{name}")
    return bool(getattr(settings, f"has_{name}") and not replaced_or_cleared)


def _clear_kept_secrets(settings: BksbSettings, change: SettingsChange) -> tuple[str, ...]:
    # Every call sends the Secret Access Key to api_url and Create user sends the
    # Default Password there too, so no stored secret may outlive a move to another
    # server: otherwise anyone who may change the url could point it at their own
    # server and read the secrets from the next Test connection or Create user.
    kept = tuple(name for name in SECRET_LABELS if _kept(settings, change, name))
    for name in kept:
        setattr(change, f"clear_{name}", True)
    return kept


def _require_keys_when_enabled(settings: BksbSettings, change: SettingsChange) -> None:
    enabled = settings.integration_enabled if change.integration_enabled is None else change.integration_enabled
    if not enabled:
        return
    key_id = settings.access_key_id if change.access_key_id is None else change.access_key_id
    if change.secret_access_key:
        has_secret = True
    else:
        has_secret = settings.has_secret_access_key and not change.clear_secret_access_key
    if not key_id or not has_secret:
        raise ValidationError(
            {"integration_enabled": "Enter the Access Key ID and Secret Access Key to enable the integration."}
        )


@sensitive_variables()
def settings_update(*, settings: BksbSettings, change: SettingsChange, reason: str = "") -> SettingsSaved:
    """Validate and save a change; which fields changed and which secrets a move cleared.

    A change of url or keys also clears the last connection test, which was of others.
    Saved at once with `update_fields`: every process reads the row afresh
    (BksbSettings.load()), so the change takes effect immediately.
    """
    change = settings_change_validate(settings=settings, change=change)
    changed: list[str] = []
    for name in ("integration_enabled", "api_url", "access_key_id", "auto_enrol_courses"):
        value = getattr(change, name)
        if value is not None and value != getattr(settings, name):
            setattr(settings, name, value)
            changed.append(name)
    for name in SECRET_LABELS:
        if getattr(change, name):
            setattr(settings, name, getattr(change, name))
            changed.append(f"{name}_encrypted")
        elif getattr(change, f"clear_{name}") and getattr(settings, f"has_{name}"):
            setattr(settings, name, "")
            changed.append(f"{name}_encrypted")
    if changed:
        stale = ["last_tested_at", "last_test_ok", "last_test_outcome"] if KEY_FIELDS.intersection(changed) else []
        if stale:
            settings.last_tested_at, settings.last_test_ok, settings.last_test_outcome = None, None, ""
        if reason:
            settings._change_reason = reason
        settings.save(update_fields=[*changed, *stale, "updated_at"])
    return SettingsSaved(changed, change.cleared_for_new_server)
