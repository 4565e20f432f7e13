"""The learner's Hub dashboard: their own record, nobody else's, and no staff page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import WebUserFactory
from tests.support import add_result_summarised as add_result

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("hub:dashboard")
STAFF_NAMESPACES = ("learners", "permissions", "bksb")


def _when(day: int) -> dt.datetime:
    return dt.datetime(2026, 10, day, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def other_web_user(db):
    return WebUserFactory(
        user__username="demo.learner0002",
        learner__first_name="Zebedee",
        learner__last_name="Quartermaine",
        learner__learner_ref="L999999",
        learner__email="zebedee.q@example.ac.uk",
        learner__bksb_user=True,
    )


def test_learner_lands_on_their_dashboard_from_home(hub_client):
    response = hub_client.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0] == DASHBOARD
    assert b"Welcome, Amira" in response.content


def test_dashboard_shows_the_learners_own_details_and_actions(hub_client, web_user):
    learner = web_user.learner
    learner.email = "amira.khan@example.ac.uk"
    learner.end_date = dt.date(2026, 7, 31)
    learner.save()

    content = hub_client.get(DASHBOARD).content.decode()

    for shown in ("Amira Khan", "L000001", "amira.khan@example.ac.uk", "1 Sep 2025", "31 Jul 2026", "In Learning"):
        assert shown in content
    assert content.count(">Log out</button>") == 1  # in the top bar, not again in the Actions widget
    assert "Actions" not in content  # no BKSB button here: nothing for the widget to hold


def test_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["admin_user", "manager", "tutor", "outsider"])
def test_staff_are_refused_the_hub(client, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("hub:bksb")).status_code == 403


def test_hub_addresses_carry_no_learner_id():
    from hub import urls

    assert all(not pattern.pattern.converters for pattern in urls.urlpatterns)


def test_learner_sees_nothing_of_another_learner(hub_client, other_web_user, levels_on):
    add_result(other_web_user.learner, assessment_name="Zebedee's Maths", result_date=_when(5))

    content = hub_client.get(DASHBOARD).content.decode()

    for hidden in ("Zebedee", "Quartermaine", "L999999", "zebedee.q@", "demo.learner0002", "Entry 3"):
        assert hidden not in content
    assert content.count("No result yet") == 3


def _staff_urls() -> list[str]:
    """Every named address in the staff namespaces, with a dummy 1 for each argument."""
    resolver = get_resolver()
    urls = []
    for namespace in STAFF_NAMESPACES:
        _, sub = resolver.namespace_dict[namespace]
        urls += [reverse(f"{namespace}:{name}", kwargs=kwargs) for name, kwargs in _patterns(sub)]
    return [*urls, reverse("hub:system_configuration")]


def _patterns(resolver: URLResolver) -> list[tuple[str, dict[str, int]]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _patterns(entry)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((entry.name, dict.fromkeys(entry.pattern.converters, 1)))
    return found


def test_web_user_is_refused_every_staff_page(hub_client, web_user, other_web_user):
    urls = [*_staff_urls(), reverse("learners:detail", kwargs={"pk": other_web_user.learner.pk})]
    assert len(urls) >= 3

    for url in urls:
        got, posted = hub_client.get(url).status_code, hub_client.post(url).status_code
        assert {got, posted} <= {403, 405}, url
        assert 403 in {got, posted}, url


def test_web_user_cannot_use_the_admin_site(hub_client):
    response = hub_client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_levels_panel_is_off_unless_the_provider_turns_it_on(hub_client, web_user):
    add_result(web_user.learner, result_date=_when(5))

    assert b"Your bksb levels" not in hub_client.get(DASHBOARD).content


def test_levels_panel_is_hidden_without_the_bksb_module(hub_client, levels_on, settings):
    settings.BKSB_INTEGRATION_AVAILABLE = False

    assert b"Your bksb levels" not in hub_client.get(DASHBOARD).content


def test_levels_panel_shows_the_latest_level_per_subject_across_lists_and_assessments(hub_client, web_user, levels_on):
    learner = web_user.learner
    add_result(learner, result_date=_when(1), level="entry_1", assessment_name="Maths (old)", assessment_id=40000)
    add_result(learner, kind="diagnostic", result_date=_when(9), level="level_1", assessment_name="Maths Diagnostic")
    add_result(learner, result_date=_when(4), level="level_2", assessment_name="Maths Initial Assessment")
    add_result(learner, result_date=_when(20), level=None, result="Mathematics ???", assessment_name="Unmapped")
    add_result(learner, result_date=_when(3), subject="english", level="entry_3", assessment_name="English IA")
    add_result(learner, result_date=_when(25), subject="other", level="level_3", assessment_name="Other thing")

    content = hub_client.get(DASHBOARD).content.decode()

    panel = content.split("Your bksb levels")[1]
    rows = {row.split("</dt>")[0]: row for row in panel.split("<dt>")[1:4]}
    assert list(rows) == ["English", "Maths", "ICT"]
    assert "Entry 3" in rows["English"]
    assert "English IA, 3 Oct 2026" in rows["English"]
    assert "Level 1" in rows["Maths"]
    assert "Maths Diagnostic, 9 Oct 2026" in rows["Maths"]
    assert "No result yet" in rows["ICT"]
    assert "Unmapped" not in panel
    assert "Other thing" not in panel


def test_levels_panel_escapes_what_bksb_sent(hub_client, web_user, levels_on):
    add_result(web_user.learner, result_date=_when(2), assessment_name="<script>alert(1)</script>")

    content = hub_client.get(DASHBOARD).content

    assert b"<script>alert(1)" not in content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_dashboard_queries_do_not_grow_with_results(hub_client, web_user, levels_on, bksb_settings):
    learner = web_user.learner
    add_result(learner, result_date=_when(1))
    with CaptureQueriesContext(connection) as few:
        hub_client.get(DASHBOARD)
    for day in range(2, 28):
        for kind in ("initial", "diagnostic"):
            add_result(learner, kind=kind, result_date=_when(day), subject=("english", "maths", "ict")[day % 3])
    with CaptureQueriesContext(connection) as many:
        hub_client.get(DASHBOARD)

    assert len(many) == len(few) <= 10
