"""The accessibility statement: open to anyone, linked from every page's footer, in the model wording, with the
college's contacts from settings (placeholders saying so until it sets them), naming the axe-core the tests run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from bksbmis.views import AXE_CORE_VERSION

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = (
    "Accessibility statement for bksbmis",
    "How accessible this website is",
    "Feedback and contact information",
    "Reporting accessibility problems with this website",
    "Enforcement procedure",
    "Technical information about this website's accessibility",
    "Compliance status",
    "Non-accessible content",
    "What we're doing to improve accessibility",
    "Preparation of this accessibility statement",
)


def test_the_statement_is_open_signed_out_with_every_section_of_the_model(client):
    page = client.get(reverse("accessibility")).content.decode()

    for heading in SECTIONS:
        assert f">{heading}</h" in page
    assert "Equality and Human Rights Commission (EHRC)" in page
    assert "Equality Advisory and Support Service (EASS)" in page
    assert "This statement was prepared on 6 December 2026." in page


def test_the_statement_names_the_axe_core_the_browser_tests_run():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["axe-core"]
    assert pinned == AXE_CORE_VERSION


def test_the_statement_shows_the_colleges_contacts_or_placeholders_saying_they_are_missing(client, settings):
    placeholder = client.get(reverse("accessibility")).content.decode()
    assert "[the college's accessibility contact email: set ACCESSIBILITY_CONTACT_EMAIL]" in placeholder
    assert "[the college: set ACCESSIBILITY_ORGANISATION]" in placeholder
    assert "mailto:" not in placeholder

    settings.ACCESSIBILITY_ORGANISATION = "Riverside College"
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@riverside.ac.uk"
    settings.ACCESSIBILITY_CONTACT_PHONE = "01234 567890"
    settings.ACCESSIBILITY_RESPONSE_DAYS = 5
    page = client.get(reverse("accessibility")).content.decode()

    assert "This website is run by Riverside College." in page
    assert '<a href="mailto:access@riverside.ac.uk">access@riverside.ac.uk</a>' in page
    assert "call 01234 567890" in page
    assert "get back to you in 5 working days" in page
    assert "set ACCESSIBILITY_" not in page


def test_every_page_links_the_statement_in_its_footer(client, tutor):
    link = f'<a href="{reverse("accessibility")}">Accessibility statement</a>'
    for address in (reverse("login"), reverse("accessibility")):
        assert link in client.get(address).content.decode()
    client.force_login(tutor)
    assert link in client.get(reverse("learners:list")).content.decode()


@pytest.mark.real_second_factor
def test_an_admin_before_their_second_factor_can_still_read_the_statement(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("learners:list")).status_code == 302
    assert client.get(reverse("accessibility")).status_code == 200
