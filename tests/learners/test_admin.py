"""The Django admin's learner pages keep the list's search column, as every other writer does."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from learners.models import Learner, WebUser
from tests.factories import LearnerFactory, UserFactory, WebUserFactory

pytestmark = pytest.mark.django_db


def _found(client, learner: Learner, query: str) -> bool:
    return f"/learners/{learner.pk}/" in client.get(reverse("learners:list"), {"q": query}).text


def _form(learner: Learner, **changes: object) -> dict[str, object]:
    data = {name: value for name, value in model_to_dict(learner).items() if value is not None}
    return data | changes


def test_a_record_edited_in_the_admin_is_found_by_its_new_name(client, admin_user):
    learner = LearnerFactory(first_name="Ada", last_name="Byron", email="ada@example.org")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:learners_learner_change", args=[learner.pk]), _form(learner, last_name="Lovelace")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _found(client, learner, "ada lovelace")
    assert not _found(client, learner, "byron")


def test_a_web_user_added_moved_or_removed_in_the_admin_changes_whose_search_finds_its_name(client, admin_user):
    first, second = LearnerFactory(), LearnerFactory()
    user = UserFactory(username="hub.person7")
    client.force_login(admin_user)

    client.post(reverse("admin:learners_webuser_add"), {"user": user.pk, "learner": first.pk})
    assert _found(client, first, "hub.person7")

    web_user = WebUser.objects.get(user=user)
    client.post(reverse("admin:learners_webuser_change", args=[web_user.pk]), {"user": user.pk, "learner": second.pk})
    assert (_found(client, first, "hub.person7"), _found(client, second, "hub.person7")) == (False, True)

    client.post(reverse("admin:learners_webuser_delete", args=[web_user.pk]), {"post": "yes"})
    assert not _found(client, second, "hub.person7")


def test_web_users_deleted_together_in_the_admin_leave_no_name_behind(client, admin_user):
    web_users = [WebUserFactory(user__username=f"bulk.hub{n}") for n in range(2)]
    client.force_login(admin_user)

    client.post(
        reverse("admin:learners_webuser_changelist"),
        {"action": "delete_selected", "_selected_action": [w.pk for w in web_users], "post": "yes"},
    )

    assert not WebUser.objects.exists()
    assert not any(_found(client, w.learner, w.username) for w in web_users)
