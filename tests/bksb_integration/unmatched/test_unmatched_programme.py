"""The unmatched report narrows to a provision type, funding model or aim, for staff with View prior attainment."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.learners.ilr import files
from tests.support import configure, run

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(fast_clients=True)]

REPORT = "/management/bksb/unmatched/"


@pytest.fixture
def imported(sandbox, tmp_path: Path) -> None:
    configure(sandbox.url)
    run(files.ilr_path(tmp_path, files.cohort()))  # none has a bksb user yet: all six are on the report


def test_the_report_and_its_csv_narrow_to_a_provision_type(imported, client, manager):
    client.force_login(manager)
    page = client.get(REPORT, {"provision": "apprenticeships"}).text
    assert "AP0401" in page
    assert "AD0501" not in page
    assert '<label for="id_provision">Provision type</label>' in page

    answer = client.get(REPORT.rstrip("/") + ".csv", {"provision": "adults"})
    refs = {row["learner_ref"] for row in csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode()))}
    assert refs == {"AD0501", "AD0302", "CH0001"}


def test_staff_without_the_right_get_no_programme_filter(imported, client, staff_with):
    client.force_login(staff_with("view_learners", "bksb_module", "edit_bksb_link", "create_bksb_user"))
    page = client.get(REPORT, {"provision": "apprenticeships"}).text
    assert "Provision type" not in page
    assert "AD0501" in page
