"""An import warns when a BKSB Username is on two records: only one of them can be linked."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import csv_file, line, row, run, upload

pytestmark = pytest.mark.django_db

URL = reverse("learners:import")
IN_FILE = "BKSB Username Demo.Learner0001 is also on L000001 (line 2): only one of them can be linked."
IN_DATABASE = "BKSB Username demo.learner0005 is also on L000123: only one of them can be linked."


def test_the_same_bksb_username_twice_in_the_file_is_a_warning_in_the_preview(client, manager):
    client.force_login(manager)
    file = upload(
        line("L000001", bksb_user="yes", bksb_username="demo.learner0001"),
        line("L000002", bksb_user="yes", bksb_username="Demo.Learner0001"),
        line("L000003", bksb_user="yes", bksb_username="demo.learner0003"),
    )

    preview = client.post(URL, {"csv_file": file})

    [warning] = preview.context["summary"].warnings
    assert (warning.line, warning.learner_ref, warning.message) == (3, "L000002", IN_FILE)
    page = html.unescape(preview.text)
    assert "Warnings" in page
    assert IN_FILE in page
    assert "Confirm import" in page  # a warning, not a refusal


def test_a_bksb_username_already_on_another_record_is_a_warning_in_the_preview(client, manager):
    LearnerFactory(learner_ref="L000123", bksb_user=True, bksb_username="Demo.Learner0005")
    client.force_login(manager)

    preview = client.post(URL, {"csv_file": upload(line("L000001", bksb_user="yes", bksb_username="demo.learner0005"))})

    [warning] = preview.context["summary"].warnings
    assert (warning.line, warning.learner_ref, warning.message) == (2, "L000001", IN_DATABASE)
    assert IN_DATABASE in html.unescape(preview.text)


def test_a_record_keeping_its_own_bksb_username_is_not_warned_about(client, manager):
    LearnerFactory(learner_ref="L000001", bksb_user=True, bksb_username="demo.learner0005")
    LearnerFactory(learner_ref="L000002", bksb_user=True, bksb_username="demo.learner0006")
    client.force_login(manager)
    # L000002 gives its username up in the same file that hands it to L000003.
    file = upload(
        line("L000001", bksb_user="yes", bksb_username="demo.learner0005"),
        line("L000002", bksb_user="yes", bksb_username="demo.learner0007"),
        line("L000003", bksb_user="yes", bksb_username="demo.learner0006"),
    )

    preview = client.post(URL, {"csv_file": file})

    assert preview.context["summary"].warnings == []
    assert "Warnings" not in preview.text


def test_the_command_prints_the_warnings_and_still_imports(tmp_path):
    LearnerFactory(learner_ref="L000123", bksb_username="demo.learner0005")
    path = csv_file(
        tmp_path,
        [
            row("L000001", bksb_username="demo.learner0001"),
            row("L000002", bksb_username="Demo.Learner0001"),
            row("L000003", bksb_username="demo.learner0005"),
        ],
    )

    out, err = run(path)

    assert "Imported 3 rows" in out
    assert f"warning: line 3 (L000002): {IN_FILE}" in err
    assert f"warning: line 4 (L000003): {IN_DATABASE}" in err
    assert Learner.objects.filter(learner_ref__in=["L000001", "L000002", "L000003"]).count() == 3
