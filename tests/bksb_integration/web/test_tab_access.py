"""Who may use each part of the BKSB tab: personas against every view."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import LearnerFactory
from tests.support import configure as configure_integration

pytestmark = pytest.mark.django_db

# (method, url name, whose right it needs)
LEARNER_VIEWS = [
    ("get", "bksb:tab", "bksb_module"),
    ("get", "bksb:tab_results", "bksb_module"),
    ("get", "bksb:export_learner", "bksb_module"),
    ("post", "bksb:link", "edit_bksb_link"),
    ("post", "bksb:download", "get_bksb_results"),
    ("post", "bksb:reset", "reset_bksb_download"),
]
PAGE_VIEWS = [("get", "bksb:tables", "bksb_module"), ("get", "bksb:export_all", "bksb_module")]


@pytest.fixture
def record():
    return LearnerFactory(learner_ref="L000777")


@pytest.fixture
def linked_record():
    configure_integration("https://bksb.example.test/", key="k", secret="s")
    return LearnerFactory(learner_ref="L000778", bksb_user=True, bksb_username="akhan1")


def _url(name: str, record) -> str:
    if name in {"bksb:tables", "bksb:export_all"}:
        return reverse(name)
    return reverse(name, args=[record.pk])


ALL = LEARNER_VIEWS + PAGE_VIEWS


@pytest.mark.parametrize(("method", "name", "right"), ALL)
def test_anonymous_visitor_is_sent_to_log_in(client, record, method, name, right):
    response = getattr(client, method)(_url(name, record))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("method", "name", "right"), ALL)
def test_web_user_is_refused_everywhere(client, record, web_user, method, name, right):
    client.force_login(web_user.user)
    assert getattr(client, method)(_url(name, record)).status_code == 403


@pytest.mark.parametrize(("method", "name", "right"), ALL)
def test_staff_without_the_bksb_module_is_refused(client, record, outsider, method, name, right):
    client.force_login(outsider)
    assert getattr(client, method)(_url(name, record)).status_code == 403


@pytest.mark.parametrize(("method", "name", "right"), LEARNER_VIEWS)
def test_each_action_needs_its_own_right(client, record, staff_with, method, name, right):
    without = {"view_learners", "bksb_module", "get_bksb_results", "edit_bksb_link", "reset_bksb_download"} - {right}
    if right == "bksb_module":
        without = {"view_learners", "get_bksb_results", "edit_bksb_link", "reset_bksb_download"}
    client.force_login(staff_with(*without))
    assert getattr(client, method)(_url(name, record)).status_code == 403


@pytest.mark.parametrize(("method", "name", "right"), LEARNER_VIEWS)
def test_the_learner_record_itself_is_needed(client, record, staff_with, method, name, right):
    client.force_login(staff_with("bksb_module", right))
    assert getattr(client, method)(_url(name, record)).status_code == 403


def test_tutor_sees_the_tab_and_may_get_results_but_not_edit_the_link_or_reset(client, linked_record, tutor):
    record = linked_record
    client.force_login(tutor)
    page = client.get(reverse("bksb:tab", args=[record.pk])).content.decode()
    assert ">BKSB Results</button>" in page
    assert "Apply" not in page
    assert "Re-download all" not in page
    assert client.post(reverse("bksb:link", args=[record.pk])).status_code == 403
    assert client.post(reverse("bksb:reset", args=[record.pk])).status_code == 403


def test_manager_sees_every_action(client, linked_record, manager):
    client.force_login(manager)
    page = client.get(reverse("bksb:tab", args=[linked_record.pk])).content.decode()
    for label in (">BKSB Results</button>", "Apply", "Re-download all", "Download CSV", "BKSB Username"):
        assert label in page


def test_the_record_shows_the_bksb_tab_only_to_those_who_may_see_it(client, record, tutor, staff_with):
    client.force_login(tutor)
    detail = client.get(reverse("learners:detail", args=[record.pk])).content.decode()
    assert reverse("bksb:tab", args=[record.pk]) in detail
    client.force_login(staff_with("view_learners", username="reader"))
    detail = client.get(reverse("learners:detail", args=[record.pk])).content.decode()
    assert reverse("bksb:tab", args=[record.pk]) not in detail


def test_tables_page_is_open_to_bksb_staff_without_learner_access(client, staff_with):
    client.force_login(staff_with("bksb_module"))
    assert client.get(reverse("bksb:tables")).status_code == 200


def test_pages_are_hidden_when_the_deployment_has_no_bksb_module(client, record, admin_user, settings):
    settings.BKSB_INTEGRATION_AVAILABLE = False
    client.force_login(admin_user)
    assert client.get(reverse("bksb:tab", args=[record.pk])).status_code == 404
