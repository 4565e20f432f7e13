"""Assessment sessions and per-skill rows, downloaded from the sandbox over a real socket:
only the requests that are needed, an unfinished session finished in place, skills read once."""

from __future__ import annotations

import pytest

from bksb_integration.config.connection import client_for
from bksb_integration.models import AssessmentSession, BksbLink, InitialAssessmentResult, Run, SkillResult
from bksb_integration.sync import download
from bksb_integration.sync.get_results import get_results_plan, get_results_start
from bksb_sandbox import vocab
from tests.support import learner_download, linked_learner, linked_learners

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True, fast_clients=True)]

SESSIONS = "getAssessmentSessionsForCourseV5"
EOA = "GetEOAReportDataForAssessmentSessionV5"
LEARNER = "demo.learner0004"


def _download(learner, *, with_sessions: bool = True) -> Run:
    client = client_for()
    try:
        result = learner_download(learner=learner, client=client, with_sessions=with_sessions)
    finally:
        client.close()
    assert result.run is not None
    return result.run


def _calls(sandbox) -> dict[str, int]:
    calls = dict(sandbox.stats()["by_path"])
    sandbox.reset_stats()
    return calls


def test_an_unfinished_session_is_stored_then_finished_in_place_with_its_skills(sandbox):
    learner = linked_learner(LEARNER)
    started = sandbox.start_session(LEARNER, "ENG_NEW", finish_after=1, result="English Level 1")

    _download(learner)

    first = AssessmentSession.objects.get(learner=learner, session_id=started["SessionId"])
    assert (first.completed_at, first.course_subject, first.subject, first.assessment_type) == (
        None,
        "ENG_NEW",
        "english",
        1,
    )
    assert first.started_at is not None
    assert not first.skills.exists()

    run = _download(learner)

    again = AssessmentSession.objects.get(learner=learner, session_id=started["SessionId"])
    assert again.pk == first.pk
    assert again.first_seen_at == first.first_seen_at
    assert again.completed_at is not None
    assert again.last_seen_at > first.last_seen_at
    components = list(again.skills.order_by("pk").values_list("component_name", flat=True))
    assert components == list(vocab.SUBJECT_BY_CODE["ENG_NEW"].components)
    assert all(skill.level is not None and skill.measured_at is not None for skill in again.skills.all())
    assert run.sessions_stored >= 1
    assert run.skills_stored >= len(components)
    # Its result was listed once the session had finished, so the next download imports it.
    _download(learner, with_sessions=False)
    assert InitialAssessmentResult.objects.filter(learner=learner, session_id=started["SessionId"]).exists()


def test_skills_are_read_once_per_finished_session(sandbox):
    learner = linked_learner(LEARNER)
    first = _download(learner)
    finished = AssessmentSession.objects.filter(learner=learner, completed_at__isnull=False).count()
    assert finished > 0
    assert first.eoa_requests == finished == _calls(sandbox)[EOA]
    assert first.session_requests == 2  # English and maths

    again = _download(learner)

    calls = _calls(sandbox)
    assert EOA not in calls
    assert again.eoa_requests == 0
    assert calls[SESSIONS] == again.session_requests == 2
    assert SkillResult.objects.filter(session__learner=learner).count() == first.skills_stored


def test_a_plain_download_reads_sessions_only_for_new_results_with_unseen_sessions(sandbox):
    learner = linked_learner(LEARNER)
    _download(learner, with_sessions=False)
    assert _calls(sandbox)[SESSIONS] >= 1  # the first download's results show sessions never seen

    sandbox.add_results(LEARNER, kind="initial", count=1, subject="MATHS_NEW")
    run = _download(learner, with_sessions=False)

    calls = _calls(sandbox)
    assert calls[SESSIONS] == run.session_requests == 1  # maths only
    assert calls[EOA] == run.eoa_requests == 1  # the new session's skills, nothing read before
    assert calls["initialAssessment"] == calls["diagnosticAssessment"] == 1


def test_a_nightly_run_with_nothing_new_costs_two_requests_per_learner(sandbox):
    learners = linked_learners(range(1, 7))

    for _night in (1, 2):
        run, _ = get_results_start(started_by=None, trigger=Run.Trigger.SCHEDULED, queue=False)
        get_results_plan(run_id=run.pk, enqueue=False)
        parts = list(run.learners.values_list("pk", flat=True))
        download.run_learners_download(run_id=run.pk, run_learner_ids=parts)
        run.refresh_from_db()
        assert run.status == Run.Status.SUCCEEDED
        calls = _calls(sandbox)

    assert run.requests_made == 2 * len(learners) == calls["initialAssessment"] + calls["diagnosticAssessment"]
    assert (run.session_requests, run.eoa_requests) == (0, 0)
    assert SESSIONS not in calls
    assert EOA not in calls


def test_a_malformed_session_list_keeps_the_results_and_says_so(sandbox):
    learner = linked_learner(LEARNER)
    sandbox.set_config(malformed_calls=[SESSIONS])

    run = _download(learner)

    assert run.status == Run.Status.SUCCEEDED
    assert InitialAssessmentResult.objects.filter(learner=learner).exists()
    assert not AssessmentSession.objects.filter(learner=learner).exists()
    message = BksbLink.objects.get(learner=learner).last_message
    assert "some assessment sessions could not be read (bksb answered something unexpected)" in message
    assert run.session_requests == 2


def test_a_session_bksb_has_no_report_for_is_marked_read_and_never_asked_again(sandbox):
    learner = linked_learner(LEARNER)
    sandbox.set_config(sessions_not_found=True)

    first = _download(learner)

    finished = AssessmentSession.objects.filter(learner=learner, completed_at__isnull=False)
    assert first.eoa_requests == finished.count() > 0
    assert not finished.filter(skills_read_at__isnull=True).exists()
    assert not SkillResult.objects.filter(session__learner=learner).exists()
    _calls(sandbox)
    sandbox.set_config(sessions_not_found=False)
    again = _download(learner)
    assert again.eoa_requests == 0
    assert EOA not in _calls(sandbox)


def test_a_malformed_report_is_asked_for_again_next_time(sandbox):
    learner = linked_learner(LEARNER)
    sandbox.set_config(malformed_calls=[EOA])

    _download(learner)

    finished = AssessmentSession.objects.filter(learner=learner, completed_at__isnull=False)
    assert finished.exists()
    assert not finished.filter(skills_read_at__isnull=False).exists()
    sandbox.set_config(malformed_calls=[])
    again = _download(learner)
    assert again.eoa_requests == finished.count()
    assert not finished.filter(skills_read_at__isnull=True).exists()
