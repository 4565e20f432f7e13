"""Linking a record to its bksb user: BKSB User, BKSB Username and Apply (bksb faked with responses)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from bksb_integration.accounts.linking import LinkError, link_apply
from bksb_integration.config.connection import client_for
from bksb_integration.models import BksbLink, InitialAssessmentResult
from learners.models import Learner
from tests.factories import LearnerFactory, WebUserFactory
from tests.fakes import URL
from tests.support import configure, linked_learner

pytestmark = pytest.mark.django_db

GET_USER_ID = URL + "api/users/user/getUserId"


@pytest.fixture(autouse=True)
def _switched_on(bksb_http):
    """Switched on against URL; every answer a test registers on bksb_http must be asked for."""
    configure(URL)
    bksb_http.assert_all_requests_are_fired = True


def _known(mock, username: str, user_id: int) -> None:
    mock.get(GET_USER_ID, body=str(user_id), match=[responses.matchers.query_param_matcher({"username": username})])


def _unknown(mock, username: str) -> None:
    mock.get(
        GET_USER_ID,
        body=f"A user with username '{username}' not found.",
        status=404,
        match=[responses.matchers.query_param_matcher({"username": username})],
    )


def _result(learner: Learner, user_id: int, session: int = 1) -> InitialAssessmentResult:
    now = timezone.now()
    return InitialAssessmentResult.objects.create(
        learner=learner,
        bksb_user_id=user_id,
        session_id=session,
        assessment_id=50000,
        result="Maths Entry 3",
        result_date=now - dt.timedelta(days=3),
        first_seen_at=now,
        last_changed_at=now,
    )


def test_blank_username_uses_the_web_user_account_name(bksb_http):
    web_user = WebUserFactory(user__username="demo.learner0001")
    _known(bksb_http, "demo.learner0001", 2100001)

    outcome = link_apply(learner=web_user.learner, bksb_user=True, username="", client=client_for())

    assert outcome.applied
    assert outcome.username == "demo.learner0001"
    link = BksbLink.objects.get(learner=web_user.learner)
    assert (link.bksb_user_id, link.resolved_username) == (2100001, "demo.learner0001")
    assert Learner.objects.get(pk=web_user.learner.pk).bksb_user is True


def test_typed_username_wins_over_the_web_user_name_and_works_for_applicants(bksb_http):
    applicant = LearnerFactory(kind="applicant")
    _known(bksb_http, "o'brien.test", 1950001)

    outcome = link_apply(learner=applicant, bksb_user=True, username="  o'brien.test ", client=client_for())

    assert outcome.applied
    saved = Learner.objects.get(pk=applicant.pk)
    assert saved.bksb_username == "o'brien.test"
    assert BksbLink.objects.get(learner=applicant).bksb_user_id == 1950001


def test_unknown_username_gives_a_clear_message_and_changes_nothing(bksb_http):
    learner = LearnerFactory()
    _unknown(bksb_http, "nobody.here")

    with pytest.raises(
        LinkError, match=re.escape("bksb has no user called “nobody.here”; check the username or create a bksb user")
    ):
        link_apply(learner=learner, bksb_user=True, username="nobody.here", client=client_for())

    saved = Learner.objects.get(pk=learner.pk)
    assert (saved.bksb_user, saved.bksb_username) == (False, "")
    assert (learner.bksb_user, learner.bksb_username) == (False, "")
    assert not BksbLink.objects.filter(learner=learner, bksb_user_id__isnull=False).exists()


def test_changing_the_username_of_a_learner_with_results_asks_first_and_keeps_the_old_results(bksb_http):
    learner = linked_learner("demo.learner0001", web_user=False)
    BksbLink.objects.create(learner=learner, bksb_user_id=2100001, resolved_username="demo.learner0001")
    old = _result(learner, 2100001)
    _known(bksb_http, "demo.learner0002", 2100002)

    asked = link_apply(learner=learner, bksb_user=True, username="demo.learner0002", client=client_for())
    assert asked.needs_confirmation
    assert not asked.applied
    assert Learner.objects.get(pk=learner.pk).bksb_username == "demo.learner0001"

    done = link_apply(learner=learner, bksb_user=True, username="demo.learner0002", client=client_for(), confirmed=True)
    assert done.applied
    assert BksbLink.objects.get(learner=learner).bksb_user_id == 2100002
    old.refresh_from_db()
    assert old.bksb_user_id == 2100001


def test_unticking_bksb_user_needs_no_bksb_and_keeps_results(bksb_http):
    learner = linked_learner("demo.learner0001", web_user=False)
    _result(learner, 2100001)

    outcome = link_apply(learner=learner, bksb_user=False, username="demo.learner0001", client=None)

    assert outcome.applied
    assert Learner.objects.get(pk=learner.pk).bksb_user is False
    assert InitialAssessmentResult.objects.filter(learner=learner).count() == 1


# --- the tab's Apply -----------------------------------------------------------------------------


def test_apply_on_the_tab_links_and_says_so(client, manager, bksb_http):
    web_user = WebUserFactory(user__username="demo.learner0001")
    _known(bksb_http, "demo.learner0001", 2100001)
    client.force_login(manager)

    response = client.post(reverse("bksb:link", args=[web_user.learner.pk]), {"bksb_user": "on"}, follow=True)

    page = response.content.decode()
    assert "Linked to bksb user demo.learner0001 (id 2100001)." in page
    assert "(from the web user account)" in page
    assert "2100001" in page


def test_apply_with_htmx_returns_the_link_section_and_refreshes_the_results(client, manager, bksb_http):
    web_user = WebUserFactory(user__username="demo.learner0001")
    _known(bksb_http, "demo.learner0001", 2100001)
    client.force_login(manager)

    response = client.post(
        reverse("bksb:link", args=[web_user.learner.pk]), {"bksb_user": "on"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "bksbResultsChanged"
    assert 'id="bksb-link"' in response.content.decode()


def test_after_apply_on_the_tab_the_list_search_finds_the_record_by_its_bksb_username(client, manager, bksb_http):
    learner = LearnerFactory(first_name="Kit", last_name="Marlowe", learner_ref="L000301", email="kit.m@example.org")
    _known(bksb_http, "kit.typed", 2100007)
    _known(bksb_http, "kit.second", 2100008)
    client.force_login(manager)
    url = reverse("bksb:link", args=[learner.pk])

    def found(query: str) -> bool:
        return "Marlowe, Kit" in client.get(reverse("learners:list"), {"q": query}).text

    client.post(url, {"bksb_user": "on", "bksb_username": "kit.typed"})
    assert all(found(query) for query in ("marlowe", "L000301", "kit.m@example", "kit.typed"))

    client.post(url, {"bksb_user": "on", "bksb_username": "kit.second"})
    assert found("kit.second")
    assert not found("kit.typed")


def test_unknown_username_on_the_tab_is_shown_beside_the_field(client, manager, bksb_http):
    learner = LearnerFactory()
    _unknown(bksb_http, "nobody.here")
    client.force_login(manager)

    response = client.post(reverse("bksb:link", args=[learner.pk]), {"bksb_user": "on", "bksb_username": "nobody.here"})

    assert response.status_code == 400
    assert "bksb has no user called “nobody.here”" in response.content.decode()
    assert Learner.objects.get(pk=learner.pk).bksb_user is False


def test_a_change_of_bksb_user_on_the_tab_asks_for_confirmation(client, manager, bksb_http):
    learner = linked_learner("demo.learner0001", web_user=False)
    BksbLink.objects.create(learner=learner, bksb_user_id=2100001, resolved_username="demo.learner0001")
    _result(learner, 2100001)
    _known(bksb_http, "demo.learner0002", 2100002)
    client.force_login(manager)
    url = reverse("bksb:link", args=[learner.pk])

    asked = client.post(url, {"bksb_user": "on", "bksb_username": "demo.learner0002"})
    assert "Yes, change the BKSB Username" in asked.content.decode()
    assert Learner.objects.get(pk=learner.pk).bksb_username == "demo.learner0001"

    client.post(url, {"bksb_user": "on", "bksb_username": "demo.learner0002", "confirmed": "on"})
    assert Learner.objects.get(pk=learner.pk).bksb_username == "demo.learner0002"


def test_apply_while_the_integration_is_off_explains(client, manager, bksb_http):
    configure(URL, enabled=False)
    learner = LearnerFactory()
    client.force_login(manager)

    response = client.post(reverse("bksb:link", args=[learner.pk]), {"bksb_user": "on", "bksb_username": "x.y"})

    assert response.status_code == 400
    assert "not configured" in response.content.decode()


def test_bksb_down_while_applying_is_explained(client, manager, bksb_http, fast_clients):
    learner = LearnerFactory()
    bksb_http.get(GET_USER_ID, status=503, body="Service Unavailable")
    client.force_login(manager)

    response = client.post(reverse("bksb:link", args=[learner.pk]), {"bksb_user": "on", "bksb_username": "x.y"})

    assert response.status_code == 400
    assert "bksb did not answer in time or is busy right now" in response.content.decode()
    assert Learner.objects.get(pk=learner.pk).bksb_user is False
