"""Tools > Audit trail: who changed what and when, never a secret."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bksb_integration.models import BksbLink, BksbSettings, LevelMapping
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

AUDIT = reverse("permissions:audit")
SECRET = "audit-secret-key-4242"
PASSWORD = "Audit-Default-Pw-99"


def test_anonymous_visitor_is_sent_to_log_in(client):
    assert client.get(AUDIT)["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["tutor", "outsider", "web_user"])
def test_without_view_audit_trail_the_page_is_refused(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(getattr(user, "user", user))
    assert client.get(AUDIT).status_code == 403


def test_manager_with_view_audit_trail_sees_the_page(client, manager):
    client.force_login(manager)
    assert client.get(AUDIT).status_code == 200


def test_settings_changes_show_who_and_what_but_never_secrets(client, admin_user):
    client.force_login(admin_user)
    client.post(
        reverse("bksb:settings"),
        {
            "integration_enabled": "on",
            "api_url": "https://bksb.example.test/",
            "access_key_id": "audited-key",
            "secret_access_key": SECRET,
            "default_password": PASSWORD,
        },
    )
    assert BksbSettings.load().secret_access_key == SECRET
    text = client.get(AUDIT).text
    assert "bksb settings" in text
    assert "audited-key" in text
    assert "admin1" in text
    assert SECRET not in text
    assert PASSWORD not in text
    assert BksbSettings.load().secret_access_key_encrypted not in text


def test_learning_statuses_are_shown_by_label_and_settings_named_once(client, admin_user):
    settings = BksbSettings.load()
    settings.eligible_learning_statuses = ["in_learning"]
    settings.save()
    settings.eligible_learning_statuses = ["in_learning", "break_in_learning"]
    settings.save()
    client.force_login(admin_user)
    text = client.get(AUDIT + "?source=settings").text
    assert "Eligible learning statuses: In Learning → In Learning, Break in Learning" in text
    assert "in_learning" not in text
    assert "bksb settings<br>" not in text


def test_learner_bksb_fields_are_shown_other_fields_are_not(client, admin_user):
    learner = LearnerFactory(learner_ref="L777001", first_name="Ada", email="ada@example.test")
    learner.email = "changed@example.test"
    learner.save()
    learner.bksb_username = "ada.bksb"
    learner.bksb_user = True
    learner.save()
    client.force_login(admin_user)
    text = client.get(AUDIT + "?source=learners").text
    assert "Learner L777001" in text
    assert "BKSB Username: — → ada.bksb" in text
    assert "BKSB User: No → Yes" in text
    assert "changed@example.test" not in text
    assert text.count("Learner L777001") == 1


def test_links_mappings_and_permission_changes_are_listed(client, admin_user, roles, learner):
    BksbLink.objects.create(learner=learner, bksb_user_id=2148453)
    row = LevelMapping.objects.get(text="Entry 3", match="ends_with")
    row.level = "entry_2"
    row.save()
    client.force_login(admin_user)
    client.post(f"{reverse('permissions:edit')}?target=g{roles['Tutors'].pk}", {"bksb_module": "hidden"})
    text = client.get(AUDIT).text
    assert "Learner L000001" in text
    assert "2148453" in text
    assert "Level mapping “Entry 3”" in text
    # The seeded row has no earlier version in the history: only its new value shows.
    assert "Level: Entry 2" in text
    assert "Group Tutors" in text
    assert "Get BKSB Results: Yes → No" in text


def test_a_source_filter_limits_the_list(client, admin_user, roles):
    row = LevelMapping.objects.first()
    row.delete()
    client.force_login(admin_user)
    client.post(f"{reverse('permissions:edit')}?target=g{roles['Tutors'].pk}", {"bksb_module": "hidden"})
    text = client.get(AUDIT + "?source=permissions").text
    assert "Group Tutors" in text
    assert "Deleted" not in text
    assert "Deleted" in client.get(AUDIT + "?source=levels").text


def test_key_ids_in_the_audit_trail_need_manage_bksb_settings(client, staff_with):
    settings = BksbSettings.load()
    settings.api_url, settings.access_key_id = "https://keys.example.test/", "key-id-7731"
    settings.save()
    auditor = staff_with("view_audit", "bksb_module", username="auditor1")
    client.force_login(auditor)

    text = client.get(AUDIT + "?source=settings").text

    assert "bksb settings" in text
    assert "Access Key ID" in text
    assert "(shown to those who manage the bksb settings)" in text
    assert "key-id-7731" not in text
    assert "keys.example.test" not in text

    manager = staff_with("view_audit", "bksb_module", "manage_bksb_settings", username="keeper1")
    client.force_login(manager)
    text = client.get(AUDIT + "?source=settings").text
    assert "key-id-7731" in text
    assert "https://keys.example.test/" in text
