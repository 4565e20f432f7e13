"""Rotating BKSB_ENCRYPTION_KEY: the old key keeps reading while bksb_rotate_key re-encrypts."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core import checks
from django.core.management import CommandError, call_command

from bksb_integration.config.connection import client_for
from bksb_integration.models import BksbSettings
from bksb_integration.models.encryption import SecretUnreadable
from tests.fakes import PASSWORD, SECRET
from tests.support import configure

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def saved_with_the_old_key(settings) -> None:
    settings.BKSB_ENCRYPTION_KEY = OLD_KEY
    settings.BKSB_ENCRYPTION_OLD_KEYS = []
    configure()


def _tokens() -> tuple[str, str]:
    row = BksbSettings.load()
    return row.secret_access_key_encrypted, row.default_password_encrypted


def _rotate() -> str:
    out = io.StringIO()
    call_command("bksb_rotate_key", stdout=out, stderr=out)
    return out.getvalue()


def test_a_new_key_with_the_old_one_listed_still_reads_what_is_stored(settings, saved_with_the_old_key):
    settings.BKSB_ENCRYPTION_KEY = NEW_KEY
    settings.BKSB_ENCRYPTION_OLD_KEYS = [OLD_KEY]
    stored = BksbSettings.load()
    assert (stored.secret_access_key, stored.default_password) == (SECRET, PASSWORD)
    client_for(stored).close()
    settings.BKSB_ENCRYPTION_OLD_KEYS = []
    with pytest.raises(SecretUnreadable):
        _ = BksbSettings.load().secret_access_key


def test_new_secrets_are_encrypted_with_the_new_key(settings, saved_with_the_old_key):
    settings.BKSB_ENCRYPTION_KEY = NEW_KEY
    settings.BKSB_ENCRYPTION_OLD_KEYS = [OLD_KEY]
    stored = BksbSettings.load()
    stored.default_password = "Another-Pw-2"
    stored.save()
    assert Fernet(NEW_KEY).decrypt(stored.default_password_encrypted.encode()) == b"Another-Pw-2"


def test_rotate_key_re_encrypts_with_the_new_key_and_never_prints_a_secret(settings, saved_with_the_old_key):
    settings.BKSB_ENCRYPTION_KEY = NEW_KEY
    settings.BKSB_ENCRYPTION_OLD_KEYS = [OLD_KEY]
    audit_rows = BksbSettings.history.count()

    out = _rotate()

    assert "Re-encrypted with BKSB_ENCRYPTION_KEY: Secret Access Key, Default Password" in out
    assert "BKSB_ENCRYPTION_OLD_KEYS can now be removed" in out
    for secret in (SECRET, PASSWORD, OLD_KEY, NEW_KEY):
        assert secret not in out
    settings.BKSB_ENCRYPTION_OLD_KEYS = []
    stored = BksbSettings.load()
    assert (stored.secret_access_key, stored.default_password) == (SECRET, PASSWORD)
    assert BksbSettings.history.count() == audit_rows  # no audit row: nothing anyone can see changed


def test_rotate_key_twice_changes_nothing_the_second_time(settings, saved_with_the_old_key):
    settings.BKSB_ENCRYPTION_KEY = NEW_KEY
    settings.BKSB_ENCRYPTION_OLD_KEYS = [OLD_KEY]
    _rotate()
    rotated = _tokens()

    out = _rotate()

    assert _tokens() == rotated
    assert "Already encrypted with BKSB_ENCRYPTION_KEY: Secret Access Key, Default Password" in out
    assert "Re-encrypted" not in out


def test_rotate_key_with_nothing_stored_says_so():
    assert "Nothing stored to re-encrypt" in _rotate()


def test_a_secret_no_key_reads_is_reported_left_alone_and_the_command_fails(settings, saved_with_the_old_key):
    before = _tokens()
    settings.BKSB_ENCRYPTION_KEY = NEW_KEY
    settings.BKSB_ENCRYPTION_OLD_KEYS = []

    with pytest.raises(CommandError, match="cannot be read with BKSB_ENCRYPTION_KEY or BKSB_ENCRYPTION_OLD_KEYS"):
        _rotate()

    assert _tokens() == before


def test_a_malformed_old_key_is_found_by_the_system_check(settings, saved_with_the_old_key):
    settings.BKSB_ENCRYPTION_OLD_KEYS = ["not-a-key"]
    found = checks.run_checks(include_deployment_checks=True, tags=["bksb"])
    errors = [m for m in found if m.level >= checks.ERROR]
    assert [m.id for m in errors] == ["bksb.E002"]
    assert "BKSB_ENCRYPTION_OLD_KEYS" in errors[0].msg
    assert "not-a-key" not in errors[0].msg


def test_the_system_check_passes_while_the_old_key_is_listed(settings, saved_with_the_old_key):
    settings.BKSB_ENCRYPTION_KEY = NEW_KEY
    settings.BKSB_ENCRYPTION_OLD_KEYS = [OLD_KEY]
    assert checks.run_checks(include_deployment_checks=True, tags=["bksb"]) == []
