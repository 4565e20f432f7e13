"""The unmatched report: its four kinds found against the sandbox, the next action for each, counts on the
bksb summary page, the CSV, who may see it, and a constant number of queries whatever the page holds."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bksb_integration.models import BksbSettings, Run
from bksb_integration.sync.get_results import get_results_start
from bksb_integration.unmatched.report import unmatched_counts
from learners.models import SystemStatus
from tests.factories import LearnerFactory
from tests.support import configure, linked_learner

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(fast_clients=True)]

REPORT = "/management/bksb/unmatched/"


def _get_results(capture) -> Run:
    with capture(execute=True):
        run, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL)
    run.refresh_from_db()
    return run


def _counts() -> dict[str, int]:
    return unmatched_counts(settings=BksbSettings.load(), today=timezone.localdate())


def _rows(client, query: str = "") -> dict[str, list[str]]:
    """The report's CSV, by learner reference: [kind, reason, next action]."""
    answer = client.get(REPORT.rstrip("/") + ".csv" + query)
    assert answer.status_code == 200
    text = b"".join(answer.streaming_content).decode()
    return {
        row["learner_ref"]: [row["kind"], row["reason"], row["next_action"]]
        for row in csv.DictReader(io.StringIO(text))
    }


@pytest.fixture
def population(sandbox, django_capture_on_commit_callbacks):
    """One record of each kind, and records that belong on no report, after three Get Results runs."""
    configure(sandbox.url)
    records = {
        "fine": linked_learner("demo.learner0001", web_user=False, learner_ref="L000001"),
        "unknown": linked_learner("no.such.user", web_user=False, learner_ref="L000002", last_name="Unknown"),
        "merged": linked_learner("demo.learner0003", web_user=False, learner_ref="L000003", last_name="Merged"),
        "holder": linked_learner("demo.learner0005", web_user=False, learner_ref="L000004", last_name="Holder"),
        "failing": linked_learner("demo.learner0005", web_user=False, learner_ref="L000005", last_name="Twin"),
        "new": LearnerFactory(learner_ref="L000006", last_name="Newcomer"),
        "archived": LearnerFactory(learner_ref="L000007", system_status=SystemStatus.ARCHIVED),
    }
    _get_results(django_capture_on_commit_callbacks)
    sandbox.merge_users("demo.learner0003", "demo.learner0004", name_follows=False)
    _get_results(django_capture_on_commit_callbacks)
    _get_results(django_capture_on_commit_callbacks)
    return records


def test_the_report_finds_each_kind_with_its_reason_and_next_action(population, client, manager):
    client.force_login(manager)

    rows = _rows(client)

    assert set(rows) == {"L000002", "L000003", "L000005", "L000006"}
    assert rows["L000002"][0] == "username_not_found"
    assert rows["L000002"][1:] == ["bksb has no user called “no.such.user”.", "Find in bksb"]
    assert rows["L000003"][0] == "user_id_lost"
    assert "bksb no longer knows bksb user 2100003" in rows["L000003"][1]
    assert rows["L000003"][2] == "Find in bksb"
    assert rows["L000005"][0] == "failing"
    assert "already linked to" in rows["L000005"][1]
    assert rows["L000005"][2] == "Link"
    assert rows["L000006"] == [
        "not_a_bksb_user",
        "Eligible for bksb, but not a BKSB User. Look for it in bksb first (Find in bksb, or Match learners for many); "
        "create its user if none.",
        "Find in bksb",
    ]
    assert _counts() == {"user_id_lost": 1, "username_not_found": 1, "failing": 1, "not_a_bksb_user": 1}


def test_the_page_shows_the_rows_with_links_to_the_next_action(population, client, manager):
    client.force_login(manager)

    page = client.get(REPORT).content.decode()
    only_lost = client.get(REPORT + "?kind=user_id_lost").content.decode()

    assert "Unknown" in page
    assert "Newcomer" in page
    assert "Twin" in page
    assert f'href="/learners/{population["unknown"].pk}/bksb/">Find in bksb' in page
    assert f'href="/learners/{population["new"].pk}/bksb/">Find in bksb' in page
    assert "Merged" in only_lost
    assert "Unknown" not in only_lost


def test_a_record_is_no_longer_unknown_once_its_username_changes(population, client, manager):
    unknown = population["unknown"]
    unknown.bksb_username = "demo.learner0009"
    unknown.save()
    client.force_login(manager)

    # Still failing on each of the last three runs, until a download works with the new name.
    assert _rows(client)["L000002"][0] == "failing"


def test_the_bksb_summary_page_counts_each_kind(population, client, manager):
    client.force_login(manager)

    page = client.get("/integrations/bksb/").content.decode()

    assert "Unmatched records" in page
    assert '?kind=user_id_lost" aria-label="1 record: bksb user id stopped resolving">1</a>' in page
    assert '?kind=not_a_bksb_user" aria-label="1 record: Eligible, not a BKSB User">1</a>' in page
    assert "Create bksb users automatically</strong>: Off" in page


def test_fewer_than_three_runs_make_nobody_failing(sandbox, django_capture_on_commit_callbacks):
    configure(sandbox.url)
    linked_learner("demo.learner0005", web_user=False)
    linked_learner("demo.learner0005", web_user=False)
    _get_results(django_capture_on_commit_callbacks)
    _get_results(django_capture_on_commit_callbacks)

    assert _counts()["failing"] == 0


def test_only_staff_who_run_or_fix_links_for_everyone_see_the_report(db, client, tutor, manager, staff_with):
    client.force_login(tutor)
    assert client.get(REPORT).status_code == 403
    assert client.get(REPORT.rstrip("/") + ".csv").status_code == 403
    client.force_login(staff_with("view_learners", "bksb_module", "edit_bksb_link", username="linker"))
    page = client.get(REPORT)
    assert page.status_code == 200
    assert ">History</a>" not in page.content.decode()  # a tab they could not open
    client.force_login(staff_with("bksb_module", "edit_bksb_link", username="no_records"))
    assert client.get(REPORT).status_code == 403


def test_the_page_takes_the_same_number_of_queries_for_ten_or_sixty_records(db, client, manager):
    configure()
    client.force_login(manager)
    LearnerFactory.create_batch(10)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(REPORT).status_code == 200
    LearnerFactory.create_batch(50)
    with CaptureQueriesContext(connection) as sixty:
        page = client.get(REPORT).content.decode()

    assert "60 records" in page
    assert len(sixty) == len(ten)


def test_spreadsheet_formulas_in_names_are_made_inert_in_the_csv(db, client, manager):
    configure()
    LearnerFactory(learner_ref="L000099", last_name="=HYPERLINK(1)")
    client.force_login(manager)

    answer = client.get(REPORT.rstrip("/") + ".csv")

    assert "'=HYPERLINK(1)" in b"".join(answer.streaming_content).decode()


def test_a_record_with_no_bksb_user_is_looked_for_before_it_is_created(client, manager, integration):
    """bksb may know the learner already: the report says to look (Find in bksb) until a matching run has,
    then Link when it found a user, Create user only when it found none."""
    from bksb_integration.models import MatchSuggestion
    from jobs.models import Job, JobItem
    from jobs.services import job_start

    unchecked = LearnerFactory(learner_ref="U1", last_name="Unchecked")
    found = LearnerFactory(learner_ref="U2", last_name="Found")
    nothing = LearnerFactory(learner_ref="U3", last_name="Nothing")
    items = [JobItem(subject_id=x.pk, subject=x.learner_ref) for x in (found, nothing)]
    job = job_start(kind="bksb_match", started_by=None, params={}, total=2, items=items)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    JobItem.objects.filter(job=job).update(outcome="checked")
    MatchSuggestion.objects.create(
        job=job, learner=found, username="found@x.example", bksb_user_id=7, reason="the email", strength="strong"
    )
    client.force_login(manager)

    rows = _rows(client)

    assert rows["U1"][2] == "Find in bksb"
    assert rows["U2"][2] == "Link"
    assert "A matching run found a bksb user for it" in rows["U2"][1]
    assert rows["U3"][2] == "Create user"
    assert rows["U3"][1] == "Eligible for bksb, but not a BKSB User. Matching found no bksb user for it."
    page = client.get(REPORT).content.decode()
    assert f'href="/learners/{nothing.pk}/bksb/create-user/">Create user' in page
    assert f'href="/learners/{unchecked.pk}/bksb/">Find in bksb' in page


def test_the_page_counts_what_create_bksb_users_offers_and_leaves_out_in_one_query(client, manager, integration):
    """The page's one tally agrees with the queries Create bksb users itself runs (creatable_records,
    left_out_counts): each record with no bksb user counts under the first reason that applies."""
    from bksb_integration.models import MatchSuggestion, UserCreationRequest
    from bksb_integration.unmatched.report import creatable_records, left_out_counts, unmatched_tally
    from jobs.models import Job, JobItem
    from jobs.services import job_start

    LearnerFactory(learner_ref="T1")  # never looked for
    found, nothing, refused = (LearnerFactory(learner_ref=ref) for ref in ("T2", "T3", "T4"))
    items = [JobItem(subject_id=x.pk, subject=x.learner_ref) for x in (found, nothing, refused)]
    job = job_start(kind="bksb_match", started_by=None, params={}, total=3, items=items)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    JobItem.objects.filter(job=job).update(outcome="checked")
    MatchSuggestion.objects.create(
        job=job, learner=found, username="found@x.example", bksb_user_id=7, reason="the email", strength="strong"
    )
    UserCreationRequest.objects.create(
        learner=refused, username="t4", email="t4@x.example", status=UserCreationRequest.Status.REFUSED
    )
    settings, today = BksbSettings.load(), timezone.localdate()

    tally = unmatched_tally(settings=settings, today=today)

    assert tally.counts == {"user_id_lost": 0, "username_not_found": 0, "failing": 0, "not_a_bksb_user": 4}
    assert tally.creatable == 1 == creatable_records(settings=settings, today=today).count()
    assert tally.left_out == {"found": 1, "unchecked": 1, "refused": 1}
    assert tally.left_out == left_out_counts(settings=settings, today=today)
    client.force_login(manager)
    page = client.get(REPORT).content.decode()
    assert "each of the 1 record on this report whose next action is Create user" in page
