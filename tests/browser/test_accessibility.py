"""WCAG 2.2 AA in real Chromium: axe-core on every page type of the product, as each persona sees it.

The pages come from the URL conf through the access matrix (tests/permissions/test_access_matrix.py): every
named address a persona gets as a 200 is opened as that persona and checked, so a new page is checked the day
its matrix row is added. Its URL kwargs come from the matrix's `world` (one of everything an address can
name), here filled with a real population: learners linked to the bksb sandbox with their results, sessions,
levels and a Get Results run. Downloads (CSV, zip) and htmx fragments are not pages; the windows those fill
are checked where they open, in test_keyboard_walk.py.

A failure lists each violation with its rule, the element and the page, most of which a template or
static/css/app.css change fixes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bksb_integration.induction.status_store import assessment_status_rebuild
from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import AssessmentSession, Run
from bksb_integration.sync.get_results import get_results_start
from learners.models import Learner
from tests.browser.axe import Violation, axe_violations, violations_report
from tests.permissions import test_access_matrix as matrix
from tests.permissions.test_access_matrix import ADDRESSES, EXPECTED, OBJECT_OF, PERSONAS, VARIANTS
from tests.permissions.test_access_matrix import world as world  # the fixture: one of everything an address names
from tests.support import configure, linked_learners, mappings_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.sandbox(fast_clients=True),
]

# Pages outside the matrix (it leaves out the sign-in pages), and the error pages, by who sees them.
SIGNED_OUT_PAGES = {"Log in": "/login/", "Page not found (404)": "/no-such-page/"}


@pytest.fixture
def population(world, sandbox, learner) -> dict[str, Any]:
    """The matrix's world with what its pages show filled in: results, sessions, levels, a finished run."""
    configure(sandbox.url)
    mappings_seed()
    Learner.objects.filter(pk=learner.pk).update(bksb_user=True)  # demo.learner0001 through their web user
    linked_learners(range(2, 13))
    run, _ = get_results_start(
        started_by=None, trigger=Run.Trigger.COMMAND, selection={"scope": ["all_matching"]}, with_sessions=True
    )
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED, run.message
    levels_refresh(learner_ids=Learner.objects.values_list("pk", flat=True), reason="accessibility test")
    assessment_status_rebuild()
    objects = world["objects"]
    objects["run_id"] = run.pk
    objects["session_pk"] = AssessmentSession.objects.filter(learner=learner).order_by("-session_id").first().pk
    return world


def _address(name: str, objects: dict[str, Any]) -> str:
    """The address of a URL name (or of one of its kinds, VARIANTS), its kwargs from the world; a clear failure
    naming what is missing."""
    if name in VARIANTS:
        return matrix._address(name, objects)
    keys = list(ADDRESSES[name].pattern.regex.groupindex)
    if keys and name in OBJECT_OF:
        objects = objects | {keys[0]: objects[OBJECT_OF[name]]}
    missing = [key for key in keys if key not in objects]
    if missing:
        pytest.fail(
            f"The page {name!r} needs {missing} in its address: add one to `world` (and OBJECT_OF if the name is "
            "not the kwarg's) in tests/permissions/test_access_matrix.py, so it can be checked.",
            pytrace=False,
        )
    return reverse(name, kwargs={key: objects[key] for key in keys})


def _pages_of(persona: str, objects: dict[str, Any]) -> dict[str, str]:
    """Every address the matrix gives this persona as a 200, by URL name."""
    differ = sorted(set(ADDRESSES) ^ {matrix._name(row) for row in EXPECTED})
    if differ:
        pytest.fail(f"Not checked: the access matrix and the URL conf differ on {differ}", pytrace=False)
    column = PERSONAS.index(persona)
    return {name: _address(name, objects) for name, codes in sorted(EXPECTED.items()) if codes[column] == 200}


def _check(page: Any, live_server: Any, pages: dict[str, str], persona: str) -> tuple[list[Violation], list[str]]:
    """axe on each full page; (violations, the names checked). Downloads and htmx fragments are skipped."""
    violations: list[Violation] = []
    checked: list[str] = []
    for name, address in pages.items():
        url = live_server.url + address
        answer = page.request.get(url)
        is_page = answer.headers.get("content-type", "").startswith("text/html") and "<html" in answer.text()[:500]
        if not is_page:
            continue
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        where = f"{name} ({address}) as {persona}"
        assert response is not None, where
        assert response.status == answer.status, where
        # What opens in place (the list's Filters and columns, a session's skills, a chart's table) is checked open;
        # the top bar's menus stay shut, as each would cover the page under it.
        page.evaluate("document.querySelectorAll('details:not(.navmenu)').forEach(each => { each.open = true; })")
        violations += axe_violations(page, where=where)
        checked.append(name)
    return violations, checked


def _check_menus(page: Any, persona: str) -> list[Violation]:
    """The top bar's menus, each opened on its own on the page in front of us."""
    violations: list[Violation] = []
    menus = page.locator("details.navmenu")
    for index in range(menus.count()):
        menu = menus.nth(index)
        menu.evaluate("each => { each.open = true; }")
        violations += axe_violations(page, where=f"the {menu.locator('summary').inner_text()} menu as {persona}")
        menu.evaluate("each => { each.open = false; }")
    return violations


@pytest.mark.parametrize("persona", [persona for persona in PERSONAS if persona != "anonymous"])
def test_every_page_a_signed_in_persona_sees_meets_wcag_22_aa(persona, page, live_server, browser_login, population):
    user = population["users"][persona]
    browser_login(user.username, "pw-learner" if persona == "learner" else f"pw-{user.username}")
    refused = next(name for name, codes in sorted(EXPECTED.items()) if codes[PERSONAS.index(persona)] == 403)
    pages = {f"Refused (403), at {refused}": _address(refused, population["objects"])}
    pages |= _pages_of(persona, population["objects"])

    violations, checked = _check(page, live_server, pages, persona)
    violations += _check_menus(page, persona)  # on the last page: one the persona may see

    assert len(checked) > 1, f"{persona} was shown no pages to check: {pages}"
    assert violations == [], violations_report(violations)


def test_every_page_a_signed_out_visitor_sees_meets_wcag_22_aa(page, live_server, population):
    pages = _pages_of("anonymous", population["objects"]) | SIGNED_OUT_PAGES

    violations, checked = _check(page, live_server, pages, "anonymous")

    assert len(checked) == len(pages), f"not all signed-out pages were pages: {pages}, {checked}"
    assert violations == [], violations_report(violations)
