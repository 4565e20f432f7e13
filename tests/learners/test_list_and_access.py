from __future__ import annotations

import pytest
from django.urls import reverse

from learners.models import Kind, LearningStatus, SystemStatus
from tests.factories import LearnerFactory, WebUserFactory

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    ("learners:list", ()),
    ("learners:detail", ("learner",)),
]


def _url(name: str, args: tuple, learner) -> str:
    return reverse(name, args=[learner.pk for _ in args])


def test_anonymous_visitor_is_sent_to_log_in(client, learner):
    response = client.get(reverse("learners:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "args"), STAFF_PAGES)
def test_learner_web_user_is_refused_every_staff_page(client, web_user, name, args):
    web_user.user.is_staff = True  # even a mis-flagged web user is not staff
    web_user.user.save()
    client.force_login(web_user.user)
    assert client.get(_url(name, args, web_user.learner)).status_code == 403


@pytest.mark.parametrize(("name", "args"), STAFF_PAGES)
def test_staff_without_view_learners_is_refused(client, outsider, learner, name, args):
    client.force_login(outsider)
    assert client.get(_url(name, args, learner)).status_code == 403


def test_tutor_sees_learners_with_their_statuses(client, tutor):
    LearnerFactory(first_name="Zainab", last_name="Qureshi", learning_status=LearningStatus.BREAK_IN_LEARNING)
    client.force_login(tutor)
    response = client.get(reverse("learners:list"))
    assert response.status_code == 200
    assert "Qureshi, Zainab" in response.text
    assert "Break in Learning" in response.text


def test_search_matches_name_reference_email_and_web_username(client, tutor):
    a = LearnerFactory(first_name="Harriet", last_name="Okafor", email="h.okafor@example.org")
    b = LearnerFactory(first_name="Tom", last_name="Price", learner_ref="REF777")
    c = WebUserFactory(user__username="pwebuser99", learner__last_name="Lowe").learner
    LearnerFactory(first_name="Nobody", last_name="Else")
    client.force_login(tutor)
    for query, expected in [("okafor", a), ("REF777", b), ("example.org", a), ("pwebuser99", c), ("harriet okaf", a)]:
        text = client.get(reverse("learners:list"), {"q": query}).text
        assert f"{expected.last_name}, {expected.first_name}" in text, query
        assert "Else, Nobody" not in text, query


def test_filters_by_system_status_learning_status_and_kind(client, tutor):
    LearnerFactory(last_name="Archived", system_status=SystemStatus.ARCHIVED)
    LearnerFactory(last_name="Withdrawn", learning_status=LearningStatus.WITHDRAWN)
    LearnerFactory(last_name="Applicant", kind=Kind.APPLICANT)
    client.force_login(tutor)
    url = reverse("learners:list")
    assert "Archived" in client.get(url, {"system_status": "archived"}).text
    only_withdrawn = client.get(url, {"learning_status": "withdrawn"}).text
    assert "Withdrawn," in only_withdrawn
    assert "Archived," not in only_withdrawn
    applicants = client.get(url, {"kind": "applicant"}).text
    assert "Applicant," in applicants
    assert "Withdrawn," not in applicants


def test_list_pages_without_a_query_per_row(client, tutor, django_assert_max_num_queries):
    for _ in range(60):
        WebUserFactory()
    client.force_login(tutor)
    client.get(reverse("learners:list"))  # the first visit creates the bksb settings row the flag filter reads
    # 8 for the list itself and 1 for the person's choice of columns; the registered columns and filters add
    # theirs, a constant number: the assessment status column and the three level columns one query each (none
    # when hidden), the Tag and Funding flag filters' options one each.
    with django_assert_max_num_queries(9 + 6):
        response = client.get(reverse("learners:list"))
    assert "page 1 of 2" in response.text
    assert "Next" in response.text


def test_htmx_search_returns_only_the_table(client, tutor, learner):
    client.force_login(tutor)
    response = client.get(reverse("learners:list"), {"q": "Khan"}, HTTP_HX_REQUEST="true")
    assert "<table" in response.text
    assert "<html" not in response.text


def test_record_page_shows_details_tab(client, tutor, web_user):
    client.force_login(tutor)
    response = client.get(reverse("learners:detail", args=[web_user.learner.pk]))
    assert response.status_code == 200
    assert "Amira Khan" in response.text
    assert "demo.learner0001" in response.text


def test_web_user_logging_in_never_lands_on_staff_pages(client, web_user):
    client.force_login(web_user.user)
    response = client.get(reverse("home"))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert not response["Location"].startswith("/learners")


def test_list_tells_caches_that_htmx_fragments_differ_from_the_page(client, tutor):
    client.force_login(tutor)
    response = client.get(reverse("learners:list"), {"q": "x"}, HTTP_HX_REQUEST="true")
    assert "HX-Request" in response["Vary"]
