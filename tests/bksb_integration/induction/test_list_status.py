"""The learner list's Initial assessments column and filter, and its CSV column."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.urls import reverse

from bksb_integration.induction.status_store import assessment_status_rebuild
from bksb_integration.models import AssessmentSession, BksbLink
from tests.factories import LearnerFactory
from tests.support import add_result

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 9, 8, 9, 0, tzinfo=dt.UTC)


def _started(last_name: str, user_id: int):
    learner = LearnerFactory(last_name=last_name, bksb_user=True, bksb_username=last_name.lower())
    BksbLink.objects.create(learner=learner, bksb_user_id=user_id, resolved_at=T0)
    AssessmentSession.objects.create(
        learner=learner,
        bksb_user_id=user_id,
        course_subject="ENG_NEW",
        subject="english",
        session_id=user_id * 10,
        assessment_type=1,
        started_at=T0,
        first_seen_at=T0,
        last_seen_at=T0,
    )
    return learner


@pytest.fixture
def records(db):
    done = LearnerFactory(last_name="Done", bksb_user=True, bksb_username="done")
    for subject, code in (("english", "ENG_NEW"), ("maths", "MATHS_NEW")):
        add_result(done, bksb_user_id=900, subject=subject, course_subject=code)
    people = {"started": _started("Going", 901), "none": LearnerFactory(last_name="Nobody"), "done": done}
    assessment_status_rebuild()  # the facts above are written straight into their tables
    return people


def test_the_list_shows_each_record_s_stage_and_both_subjects(client, tutor, records):
    client.force_login(tutor)
    page = client.get(reverse("learners:list")).content.decode()
    assert "<th>Initial assessments</th>" in page
    assert "English: Started · Maths: Has a bksb user" in page
    assert "English: Results in · Maths: Results in" in page
    assert "English: No bksb user · Maths: No bksb user" in page


def test_the_filter_shows_only_the_records_at_that_stage(client, tutor, records):
    client.force_login(tutor)
    page = client.get(reverse("learners:list"), {"bksb_status": "in_progress"}).content.decode()
    # The records' names as the list links them (other columns' filters offer words such as "Done in English").
    assert ">Going, " in page
    assert ">Done, " not in page
    assert ">Nobody, " not in page
    page = client.get(reverse("learners:list"), {"bksb_status": "results_in"}).content.decode()
    assert ">Done, " in page
    assert ">Going, " not in page


def test_the_filtered_list_costs_the_same_queries_for_more_records(
    client, tutor, records, django_assert_max_num_queries
):
    client.force_login(tutor)
    client.get(reverse("learners:list"))  # the first visit creates the bksb settings row the flag filter reads
    # The list's 8, the person's choice of columns, its registered columns' (the status column, three level
    # columns) and filters' options (Tag, Funding flag): a constant number, the same for more records.
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("learners:list"), {"bksb_status": "in_progress"})
    for number in range(40):
        _started(f"More{number}", 1000 + number)
    assessment_status_rebuild()
    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("learners:list"), {"bksb_status": "in_progress"}).content.decode()
    assert "More39" in page


def test_the_csv_export_carries_the_stage_and_the_subjects(client, tutor, records):
    client.force_login(tutor)
    response = client.get(reverse("learners:export"), {"bksb_status": "in_progress"})
    text = b"".join(response.streaming_content).decode()
    header, row = (next(csv.reader([line])) for line in text.splitlines()[:2])
    assert header[11] == "Initial assessments"  # the first column after the list's own, registered first
    assert row[11] == "In progress (English: Started · Maths: Has a bksb user)"


def test_get_results_is_offered_on_the_list_only_to_those_with_get_results_for_all(client, tutor, manager, records):
    button = 'formaction="/learners/bksb/get-results/"'
    client.force_login(tutor)
    assert button not in client.get(reverse("learners:list")).content.decode()
    client.force_login(manager)
    assert button in client.get(reverse("learners:list")).content.decode()


def test_staff_without_the_bksb_module_see_no_status_in_the_column(client, staff_with, records):
    client.force_login(staff_with("view_learners", username="records_only"))
    page = client.get(reverse("learners:list")).content.decode()
    assert "Going" in page
    assert "English: Started" not in page


def test_staff_without_the_bksb_module_see_no_bksb_column_filter_or_csv_column(client, django_user_model, records):
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user(username="clerk1", password="pw-clerk1", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_learners"))
    client.force_login(clerk)
    page = client.get(reverse("learners:list")).text
    assert "Going" in page
    assert "Initial assessments" not in page
    # The filter cannot be used by hand either: it is ignored, so nothing about bksb can be inferred.
    filtered = client.get(reverse("learners:list"), {"bksb_status": "results_in"}).text
    assert "Nobody" in filtered
    export = b"".join(client.get(reverse("learners:export")).streaming_content).decode()
    assert "Initial assessments" not in export.splitlines()[0]
