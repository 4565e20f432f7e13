"""A record's Data protection tab in real Chromium: an admin sets an audit hold, is refused an erasure, clears
the hold and erases with a reason; and makes a subject access export and downloads it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from learners.models import Learner
from privacy.models import AuditHold
from tests.factories import LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_tab(page, live_server, learner: Learner) -> None:
    page.goto(f"{live_server.url}/learners/{learner.pk}/")
    page.get_by_role("navigation", name="Record").get_by_role("link", name="Data protection").click()
    expect(page.get_by_role("heading", name="Audit hold")).to_be_visible()


def test_an_admin_holds_is_refused_clears_and_erases(page, browser_login, live_server, admin_user):
    learner = LearnerFactory(first_name="Amira", last_name="Khan", learner_ref="L000321")
    browser_login("admin1", "pw-admin1")
    _open_tab(page, live_server, learner)

    hold = page.get_by_role("region", name="Audit hold")
    hold.get_by_label("Reason").fill("Ofsted audit, spring term")
    hold.get_by_role("button", name="Set audit hold").click()
    expect(page.get_by_role("status").filter(has_text="Audit hold set")).to_be_visible()
    expect(hold.get_by_text("On hold")).to_be_visible()

    erase = page.get_by_role("region", name="Erasure on request")
    erase.get_by_label("Reason").fill("Asked by email, 1 Dec")
    erase.get_by_label("I understand that erasure cannot be undone").check()
    erase.get_by_role("button", name="Erase this record").click()
    expect(page.get_by_role("alert").filter(has_text="under an audit hold (Ofsted audit, spring term)")).to_be_visible()
    assert Learner.objects.get(pk=learner.pk).first_name == "Amira"

    hold = page.get_by_role("region", name="Audit hold")
    hold.get_by_label("Reason").fill("Audit finished")
    hold.get_by_role("button", name="Clear audit hold").click()
    expect(page.get_by_role("status").filter(has_text="Audit hold cleared.")).to_be_visible()
    assert not AuditHold.objects.exists()

    erase = page.get_by_role("region", name="Erasure on request")
    erase.get_by_label("Reason").fill("Asked by email, 1 Dec")
    erase.get_by_label("I understand that erasure cannot be undone").check()
    erase.get_by_role("button", name="Erase this record").click()
    expect(page.get_by_text(f"Record erased: it is now ANON-{learner.pk}")).to_be_visible()
    expect(page.get_by_role("heading", name="Anonymised record")).to_be_visible()
    history = page.get_by_role("region", name="Data protection history")
    expect(history.get_by_role("row", name="Erased on request")).to_contain_text("Asked by email, 1 Dec")
    expect(history.get_by_role("row", name="Audit hold cleared")).to_contain_text("Audit finished")
    assert Learner.objects.get(pk=learner.pk).learner_ref == f"ANON-{learner.pk}"


def test_an_admin_makes_a_subject_access_export_and_downloads_it(page, browser_login, live_server, admin_user):
    learner = LearnerFactory(first_name="Zoë", last_name="Ó'Brien", learner_ref="L000322")
    browser_login("admin1", "pw-admin1")
    _open_tab(page, live_server, learner)

    page.get_by_role("button", name="Make subject access export").click()
    window = page.get_by_role("dialog", name="Subject access export")
    expect(window.get_by_text("Finished.")).to_be_visible()
    with page.expect_download() as download_info:
        window.get_by_role("link", name="Download the subject access export (zip)").click()
    with open(download_info.value.path(), "rb") as file, zipfile.ZipFile(io.BytesIO(file.read())) as archive:
        assert sorted(archive.namelist()) == ["subject-access.json", "subject-access.pdf"]
        document = json.loads(archive.read("subject-access.json"))
        assert archive.read("subject-access.pdf").startswith(b"%PDF")
    record = next(t for t in document["tables"] if t["table"] == "learners.Learner")["rows"][0]
    assert (record["first_name"], record["last_name"], record["learner_ref"]) == ("Zoë", "Ó'Brien", "L000322")
    window.get_by_role("button", name="Close").click()
    history = page.get_by_role("region", name="Data protection history")
    page.reload()
    expect(history.get_by_role("row", name="Subject access export made")).to_be_visible()
