"""The levels summary (bksb_learner_level): kept with the results, only the current bksb user's, recomputed
after a mapping change (at once, or as a job for many records), and rebuilt by command."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import responses
from django.apps import apps as django_apps
from django.core import checks
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bksb_integration.accounts.linking import bksb_user_relink, link_apply
from bksb_integration.config.connection import client_for
from bksb_integration.creation import user_create as uc
from bksb_integration.levels import recompute_job as levels_job
from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import UNMAPPED_SUBJECT, BksbLink, LearnerLevel, LevelMapping
from jobs.models import Job, JobTotal
from tests.bksb_integration.levels.levels_support import OTHER_USER, USER, item, level_of, store
from tests.factories import LearnerFactory
from tests.fakes import URL
from tests.support import configure, linked_learner

pytestmark = pytest.mark.django_db

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def day(n: int) -> dt.datetime:
    return SEP + dt.timedelta(days=n)


def test_storing_results_writes_latest_highest_initial_and_diagnostic_readings(learner):
    store(
        learner,
        item(1, "Maths Entry 3", when=day(0)),
        item(2, "Maths Level 1", when=day(5)),
        item(3, "Maths Entry 2", when=day(10)),
        item(4, "Maths Level 2", when=day(12), kind="diagnostic", score=81.5),
        item(5, "Maths Entry 1", when=day(20), kind="diagnostic", score=33.0, assessment_id=50001),
    )

    maths = level_of(learner, "maths")
    assert (maths.result_count, maths.initial_count, maths.diagnostic_count) == (5, 3, 2)
    assert (maths.latest_level, maths.latest_rank, maths.latest_list) == ("entry_1", 2, "diagnostic")
    assert (maths.latest_session_id, maths.latest_assessment_id, maths.latest_date) == (5, 50001, day(20))
    assert (maths.highest_level, maths.highest_rank, maths.highest_session_id) == ("level_2", 6, 4)
    assert (maths.initial_latest_level, maths.initial_latest_session_id) == ("entry_2", 3)
    assert (maths.initial_highest_level, maths.initial_highest_rank, maths.initial_highest_date) == (
        "level_1",
        5,
        day(5),
    )
    assert maths.initial_first_date == day(0)
    assert (maths.diagnostic_level, maths.diagnostic_score, maths.diagnostic_session_id) == ("entry_1", 33.0, 5)
    assert maths.bksb_user_id == USER
    assert not maths.has_unmapped
    assert not LearnerLevel.objects.filter(learner=learner).exclude(subject="maths").exists()


def test_of_equal_highest_levels_the_most_recent_is_named(learner):
    store(learner, item(1, "English Level 1", subject="english", when=day(0)))
    store(learner, item(2, "English Level 1", subject="english", when=day(3)))
    assert level_of(learner, "english").highest_session_id == 2


def test_a_row_per_subject_and_esol_only_when_assessed(learner):
    store(
        learner,
        item(1, "English Entry 3", subject="english", when=day(0)),
        item(2, "ICT Below Entry 3", subject="ict", when=day(0)),
        item(3, "ESOL Entry 2", subject="esol", when=day(1)),
    )
    assert dict(LearnerLevel.objects.filter(learner=learner).values_list("subject", "latest_level")) == {
        "english": "entry_3",
        "ict": "entry_2",
        "esol": "entry_2",
    }


def test_one_initial_assessment_is_both_the_first_and_the_latest(learner):
    store(learner, item(1, "Maths Entry 3", when=day(0)))

    maths = level_of(learner, "maths")
    assert (maths.initial_first_mapped_level, maths.initial_first_mapped_rank) == ("entry_3", 4)
    assert (maths.initial_first_mapped_session_id, maths.initial_first_mapped_assessment_id) == (1, 50000)
    assert maths.initial_first_mapped_date == day(0)
    assert maths.initial_first_mapped_is_latest


def test_a_learner_who_moved_up_keeps_their_first_mapped_initial_assessment(learner):
    store(
        learner,
        item(1, "Maths: see tutor", when=day(0)),  # not mapped to a level: not where they started
        item(2, "Maths Entry 2", when=day(1)),
        item(3, "Maths Entry 3", when=day(10)),
        item(4, "Maths Level 1", when=day(30), kind="diagnostic", score=70.0),
    )

    maths = level_of(learner, "maths")
    assert (maths.initial_first_mapped_level, maths.initial_first_mapped_session_id) == ("entry_2", 2)
    assert maths.initial_first_date == day(0)  # the first initial assessment, mapped or not
    assert (maths.latest_level, maths.initial_first_mapped_is_latest) == ("level_1", False)

    store(learner, item(5, "Maths Level 1", when=day(40)))  # a reassessment: the first stays the first
    maths = level_of(learner, "maths")
    assert (maths.initial_first_mapped_level, maths.initial_first_mapped_is_latest) == ("entry_2", False)


def test_unmapped_results_are_flagged_and_never_taken_as_a_level(learner):
    store(
        learner,
        item(1, "Maths Entry 3", when=day(0)),
        item(2, "Maths: see tutor", when=day(4)),
        item(3, "Whatever Level 9", code="NEW_THING", when=day(5)),
    )
    maths = level_of(learner, "maths")
    assert maths.has_unmapped
    assert (maths.latest_level, maths.latest_session_id) == ("entry_3", 1)
    assert maths.result_count == 2
    assert maths.initial_first_date == day(0)
    unmapped = level_of(learner, UNMAPPED_SUBJECT)
    assert (unmapped.has_unmapped, unmapped.result_count, unmapped.latest_level) == (True, 1, None)


def test_a_subject_with_only_unmapped_results_has_no_level_but_counts_its_initial_assessment(learner):
    store(learner, item(1, "English: see tutor", subject="english", when=day(2)))
    english = level_of(learner, "english")
    assert (english.latest_level, english.initial_latest_level, english.has_unmapped) == (None, None, True)
    assert (english.initial_count, english.initial_first_date) == (1, day(2))


def test_results_of_a_previous_bksb_user_do_not_count(learner):
    store(learner, item(1, "Maths Level 2", when=day(0)), user_id=OTHER_USER)
    store(learner, item(7, "Maths Entry 2", when=day(-30)), user_id=USER)
    maths = level_of(learner, "maths")
    assert (maths.latest_level, maths.highest_level, maths.result_count, maths.bksb_user_id) == (
        "entry_2",
        "entry_2",
        1,
        USER,
    )


def test_unchanged_results_leave_the_summary_alone(learner):
    store(learner, item(1, "Maths Entry 3", when=day(0)))
    before = level_of(learner, "maths").computed_at
    counts = store(learner, item(1, "Maths Entry 3", when=day(0)), now=day(40))
    assert counts.unchanged == 1
    assert level_of(learner, "maths").computed_at == before


def test_a_changed_result_updates_the_summary_in_the_same_store(learner):
    store(learner, item(1, "Maths Entry 3", when=day(0)))
    store(learner, item(1, "Maths Level 1", when=day(0)))
    assert level_of(learner, "maths").latest_level == "level_1"


@responses.activate
def test_linking_to_another_bksb_user_recomputes_from_their_results_only():
    configure(URL)
    learner = linked_learner("demo.learner0001", web_user=False)
    BksbLink.objects.create(learner=learner, bksb_user_id=USER, resolved_username="demo.learner0001")
    store(learner, item(1, "Maths Level 2", when=day(0)), user_id=USER)
    assert level_of(learner, "maths").latest_level == "level_2"
    responses.get(URL + "api/users/user/getUserId", body=str(OTHER_USER))

    link_apply(learner=learner, bksb_user=True, username="demo.learner0002", client=client_for(), confirmed=True)

    assert not LearnerLevel.objects.filter(learner=learner).exists()
    store(learner, item(9, "Maths Entry 1", when=day(3)), user_id=OTHER_USER)
    assert level_of(learner, "maths").latest_level == "entry_1"


def test_editing_a_level_mapping_recomputes_the_summaries(client, admin_user, learner):
    store(learner, item(1, "Maths Entry 3", when=day(0)), item(2, "Maths: see tutor", when=day(3)))
    client.force_login(admin_user)

    response = client.post(
        reverse("bksb:levels"), {"text": "Maths: see tutor", "match": "exact", "level": "level_1"}, follow=True
    )

    assert "Levels and tags recomputed for 1 record." in response.content.decode()
    maths = level_of(learner, "maths")
    assert (maths.latest_level, maths.latest_session_id, maths.has_unmapped) == ("level_1", 2, False)


def test_editing_a_subject_mapping_moves_results_into_the_subject(client, admin_user, learner):
    store(learner, item(3, "Whatever Level 1", code="NEW_THING", when=day(5)))
    client.force_login(admin_user)
    client.post(reverse("bksb:subjects"), {"course_subject": "NEW_THING", "subject": "english"})
    english = level_of(learner, "english")
    assert (english.latest_level, english.has_unmapped) == ("level_1", False)
    assert not LearnerLevel.objects.filter(learner=learner, subject=UNMAPPED_SUBJECT).exists()


def test_a_mapping_change_for_many_records_runs_as_a_job(
    client, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(levels_job, "INLINE_LIMIT", 1)
    learners = LearnerFactory.create_batch(3)
    for number, each in enumerate(learners):
        store(each, item(number + 1, "Maths: see tutor", when=day(0)))
    row = LevelMapping.objects.create(text="Maths: see tutor", match="exact", level="entry_2")
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bksb:levels_edit", args=[row.pk]), {"text": row.text, "match": "exact", "level": "entry_1"}
        )

    job = Job.objects.get(kind=levels_job.KIND)
    assert response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.status, job.total, job.done) == (Job.Status.SUCCEEDED, 3, 3)
    assert set(LearnerLevel.objects.filter(subject="maths").values_list("latest_level", flat=True)) == {"entry_1"}
    page = client.get(response.url).content.decode()
    assert "Recompute levels and tags" in page
    assert "Levels recomputed for 3 records." in page


def test_a_resumed_job_carries_on_after_the_last_chunk(monkeypatch):
    learners = LearnerFactory.create_batch(3)
    for number, each in enumerate(learners):
        store(each, item(number + 1, "Maths Entry 2", when=day(0)))
    LearnerLevel.objects.all().delete()
    monkeypatch.setattr(levels_job, "CHUNK", 1)
    job = Job.objects.create(kind=levels_job.KIND, status=Job.Status.RUNNING, claim_token=7, done=1, total=3)
    JobTotal.objects.create(job=job, name="after", value=learners[0].pk)  # the chunk written before the stop

    end = levels_job.levels_refresh_run(job)

    assert end.message.startswith("Levels recomputed for 3 records.")
    assert set(LearnerLevel.objects.values_list("learner_id", flat=True)) == {learners[1].pk, learners[2].pk}
    job.refresh_from_db()
    assert job.done == 3


def test_refreshing_many_records_takes_the_same_queries_as_one():
    few, many = LearnerFactory.create_batch(2), LearnerFactory.create_batch(20)
    for number, each in enumerate([*few, *many]):
        store(each, item(number * 2 + 1, "Maths Entry 2", when=day(0)), item(number * 2 + 2, "E", when=day(1)))
    with CaptureQueriesContext(connection) as small:
        levels_refresh(learner_ids=[each.pk for each in few], reason="test")
    with CaptureQueriesContext(connection) as large:
        levels_refresh(learner_ids=[each.pk for each in many], reason="test")
    assert len(large) == len(small)


def test_the_rebuild_command_recomputes_every_record(capsys):
    learners = LearnerFactory.create_batch(2)
    for number, each in enumerate(learners):
        store(each, item(number + 1, "English Level 1", subject="english", when=day(0)))
    LearnerLevel.objects.all().delete()

    call_command("bksb_rebuild_levels")

    assert LearnerLevel.objects.filter(subject="english", latest_level="level_1").count() == 2
    assert "Levels recomputed for 2 records." in capsys.readouterr().out


def test_a_check_warns_when_results_have_no_summary_until_it_is_rebuilt(learner):
    store(learner, item(1, "Maths Entry 3", when=day(0)))
    assert not [m for m in checks.run_checks() if m.id == "bksb.W004"]
    LearnerLevel.objects.all().delete()
    (warning,) = [m for m in checks.run_checks() if m.id == "bksb.W004"]
    assert "bksb_rebuild_levels" in warning.hint
    call_command("bksb_rebuild_levels")
    assert not [m for m in checks.run_checks() if m.id == "bksb.W004"]


def test_creating_a_new_bksb_user_for_a_record_drops_the_old_user_s_levels(bksb, integration):
    learner = LearnerFactory(bksb_user=False, email="amira@example.ac.uk")
    store(learner, item(1, "Maths Level 2", when=day(0)), user_id=USER)
    assert level_of(learner, "maths").latest_level == "level_2"
    client = client_for(integration, sleep=lambda _: None)

    outcome = uc.bksb_user_create(
        learner=learner,
        username="akhan1",
        email="amira@example.ac.uk",
        auto_enrol=False,
        requested_by=None,
        client=client,
    )

    assert outcome.bksb_user_id != USER
    assert not LearnerLevel.objects.filter(learner=learner).exists()


def test_changes_in_a_row_queue_one_recompute_job_while_it_waits(monkeypatch):
    monkeypatch.setattr("jobs.queue.job_run_queue", lambda job_id: None)
    first = levels_job.levels_refresh_start(reason="Level mappings changed", started_by=None)
    again = levels_job.levels_refresh_start(reason="Subject mappings changed", started_by=None)
    assert again.pk == first.pk
    Job.objects.filter(pk=first.pk).update(status=Job.Status.RUNNING)
    assert levels_job.levels_refresh_start(reason="Tag rule changed", started_by=None).pk != first.pk


@responses.activate
def test_relinking_after_bksb_merged_the_user_drops_the_old_id_s_levels():
    configure(URL)
    learner = linked_learner("demo.learner0001", web_user=False)
    BksbLink.objects.create(learner=learner, bksb_user_id=USER, resolved_username="demo.learner0001")
    store(learner, item(1, "Maths Level 2", when=day(0)), user_id=USER)
    responses.get(URL + "api/users/user/getUserId", body=str(OTHER_USER))

    bksb_user_relink(link=BksbLink.objects.get(learner=learner), username="demo.learner0001", client=client_for())

    assert not LearnerLevel.objects.filter(learner=learner).exists()


def test_migration_0026_fills_existing_rows_as_the_summary_computes_them(learner):
    fill = importlib.import_module("bksb_integration.migrations.0026_first_mapped_initial").fill
    store(
        learner,
        item(1, "Maths: see tutor", when=day(0)),
        item(2, "Maths Entry 2", when=day(1)),
        item(3, "Maths Level 1", when=day(30), kind="diagnostic", score=70.0),
        item(4, "English Entry 3", subject="english", when=day(2), assessment_id=50004),
    )
    fields = [f"initial_first_mapped_{name}" for name in ("level", "rank", "date", "session_id", "assessment_id")]
    computed = list(LearnerLevel.objects.order_by("subject").values_list(*fields, "initial_first_mapped_is_latest"))
    LearnerLevel.objects.update(**dict.fromkeys(fields), initial_first_mapped_is_latest=False)  # as before 0026

    fill(django_apps, None)

    assert (
        list(LearnerLevel.objects.order_by("subject").values_list(*fields, "initial_first_mapped_is_latest"))
        == computed
    )
    # English: one result, the first and the latest; maths: the first mapped one, Entry 2, with a diagnostic since.
    assert [(row[0], row[-1]) for row in computed] == [("entry_3", True), ("entry_2", False)]
