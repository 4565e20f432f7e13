"""Management > BKSB > ILR cross-check: the findings a person sees, filtered, as CSV, at a constant query cost, and
a large cohort's report made by a job."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from bksb_integration.crosscheck.report_job import crosscheck_csv_path
from bksb_integration.crosscheck.rules import RULES
from jobs.models import Job
from tests.factories import LearnerFactory
from tests.support import configure

from .crosscheck_support import AGED_30, aim, population

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, manager):
    configure()
    client.force_login(manager)
    return client


def _apprentices(n: int, start: int = 0) -> None:
    for number in range(start, start + n):
        learner = LearnerFactory(learner_ref=f"AP{number:04d}", date_of_birth=AGED_30, provision_type="apprenticeships")
        aim(learner, 1, "ZAPPSTD1", 36, aim_type=1, prog_type=25)


def test_the_page_lists_each_finding_with_its_record_rule_facts_and_fix(manager_client):
    made = population()

    page = manager_client.get(reverse("bksb:crosscheck")).content.decode()

    assert f"{len(RULES)} findings in 16 records checked." in page
    detail = reverse("learners:detail", args=[made["english_grade_without_edf"].pk])
    assert f'<a href="{detail}">CK01</a>' in page
    assert "GCSE English: Grade 3 (ILR file prepared 3 Oct 2025); EDF 2: not recorded" in page
    assert "Add the learner FAM EDF 2 to the record in the ILR, or correct the grade." in page
    assert reverse("learners:detail", args=[made["clean"].pk]) + '"' not in page


def test_filters_narrow_by_finding_subject_and_provision_type(manager_client):
    population()
    url = reverse("bksb:crosscheck")

    by_code = manager_client.get(url, {"code": "maths_aim_no_bksb_result"}).content.decode()
    by_provision = manager_client.get(url, {"provision": "apprenticeships", "subject": "english"}).content.decode()

    assert "1 finding in 16 records checked." in by_code
    assert ">CK14</a>" in by_code
    assert "2 findings in 4 records checked." in by_provision  # CK11, CK12, CK15 and the clean CK16
    assert ">CK11</a>" in by_provision
    assert ">CK15</a>" in by_provision
    assert ">CK12</a>" not in by_provision


def test_the_csv_carries_every_finding_of_the_filters(manager_client):
    population()

    response = manager_client.get(reverse("bksb:crosscheck_csv"), {"subject": "maths"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert response["Content-Disposition"].startswith('attachment; filename="ilr-crosscheck-')
    assert rows[0][:3] == ["Code", "Subject", "Reference"]
    assert sorted(r[0] for r in rows[1:]) == sorted(r.code for r in RULES if r.subject in ("maths", ""))


def test_a_page_costs_the_same_queries_at_two_sizes(manager_client, django_assert_max_num_queries):
    population()
    url = reverse("bksb:crosscheck")
    manager_client.get(url)  # sessions and permissions warmed
    with django_assert_max_num_queries(12) as small:
        manager_client.get(url)
    _apprentices(60)
    with django_assert_max_num_queries(12) as large:
        page = manager_client.get(url).content.decode()
    assert "76 records checked" in page
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_large_cohort_is_a_job_that_makes_the_csv(
    manager_client, admin_user, client, settings, django_capture_on_commit_callbacks
):
    settings.CROSSCHECK_INLINE_MAX = 3
    _apprentices(5)

    page = manager_client.get(reverse("bksb:crosscheck")).content.decode()
    refused = manager_client.get(reverse("bksb:crosscheck_csv"))
    with django_capture_on_commit_callbacks(execute=True):
        window = manager_client.post(
            reverse("bksb:crosscheck_job"), {"provision": "apprenticeships"}, headers={"HX-Request": "true"}
        ).content.decode()

    assert "5 records are checked: more than the page checks at once (3)." in page
    assert refused.status_code == 302
    assert 'id="job-window"' in window
    assert "ILR cross-check" in window
    job = Job.objects.get(kind="bksb_ilr_crosscheck")
    finished = manager_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "15 findings for 5 records: download the CSV." in finished
    assert "Download the ILR cross-check (CSV)" in finished
    assert (job.status, job.done, job.total, job.params) == ("succeeded", 5, 5, {"provision": "apprenticeships"})
    download = manager_client.get(reverse("bksb:crosscheck_job_download", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    codes = ("english_no_initial_assessment", "maths_no_initial_assessment", "apprentice_no_decision")
    assert [(r[0], r[2]) for r in rows[1:]] == [(code, f"AP{n:04d}") for n in range(5) for code in codes]
    assert crosscheck_csv_path(job).stat().st_mode & 0o777 == 0o600
    client.force_login(admin_user)  # only the person who started it downloads it
    assert client.get(reverse("bksb:crosscheck_job_download", args=[job.pk])).status_code == 404
