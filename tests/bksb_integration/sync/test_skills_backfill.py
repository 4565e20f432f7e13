"""Skills where they are read: a download reads the skills reports that matter now, the backfill the rest.

Against the sandbox over a real socket: a learner with a long history of finished sessions.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bksb_integration.config.connection import client_for
from bksb_integration.evidence.pack import evidence_content
from bksb_integration.evidence.pdf import evidence_pdf
from bksb_integration.models import AssessmentSession, Run
from bksb_integration.sync.skills_backfill import (
    YIELDED,
    skills_backfill_run,
    skills_backfill_start,
    skills_waiting,
)
from tests.support import learner_download, linked_learner

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True, fast_clients=True)]

EOA = "GetEOAReportDataForAssessmentSessionV5"
LEARNER = "demo.learner0004"


def _first_download_of_a_long_history(sandbox):
    learner = linked_learner(LEARNER)
    for _ in range(3):
        sandbox.start_session(LEARNER, "ENG_NEW", finish_after=0, result="English Level 1")
        sandbox.start_session(LEARNER, "MATHS_NEW", kind="diagnostic", finish_after=0, result="Maths Level 1")
    client = client_for()
    try:
        learner_download(learner=learner, client=client, with_sessions=True)
    finally:
        client.close()
    return learner


def _the_sessions_that_matter_now(learner) -> set[int]:
    """Per course subject and type the latest finished session, and the first finished initial assessment."""
    finished = list(AssessmentSession.objects.filter(learner=learner, completed_at__isnull=False))
    chosen = set()
    for key in {(s.course_subject, s.assessment_type) for s in finished}:
        same = [s for s in finished if (s.course_subject, s.assessment_type) == key]
        chosen.add(max(same, key=lambda s: (s.completed_at, s.session_id)).session_id)
        if key[1] == AssessmentSession.AssessmentType.INITIAL:
            chosen.add(min(same, key=lambda s: (s.started_at, s.session_id)).session_id)
    return chosen


def evidence_pdf_text(content) -> str:
    reader = PdfReader(io.BytesIO(evidence_pdf(content)))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _eoa_calls(sandbox) -> int:
    calls = dict(sandbox.stats()["by_path"]).get(EOA, 0)
    sandbox.reset_stats()
    return calls


def test_a_first_download_reads_only_the_skills_that_matter_now_and_the_backfill_the_rest(sandbox):
    learner = _first_download_of_a_long_history(sandbox)

    chosen = _the_sessions_that_matter_now(learner)
    finished = AssessmentSession.objects.filter(learner=learner, completed_at__isnull=False)
    read = set(finished.filter(skills_read_at__isnull=False).values_list("session_id", flat=True))
    assert read == chosen
    assert _eoa_calls(sandbox) == len(chosen)
    left = set(skills_waiting().values_list("session_id", flat=True))
    assert left == set(finished.values_list("session_id", flat=True)) - chosen
    assert len(left) >= 4  # the older English and maths sessions of this history

    run = skills_backfill_start(trigger=Run.Trigger.COMMAND, queued=False)
    assert run is not None
    assert skills_backfill_run(run_id=run.pk) == Run.Status.SUCCEEDED

    run.refresh_from_db()
    assert _eoa_calls(sandbox) == run.eoa_requests == len(left)
    assert run.skills_stored > 0
    assert run.message == f"{len(left)} skills reports read, 0 still to come."
    assert not skills_waiting().exists()
    assert all(session.skills.exists() for session in finished)


def test_the_backfill_yields_to_any_other_run(sandbox):
    _first_download_of_a_long_history(sandbox)
    waiting = skills_waiting().count()
    now = timezone.now()
    other = Run.objects.create(kind=Run.Kind.GET_RESULTS, status=Run.Status.RUNNING, heartbeat_at=now, planned_at=now)

    assert skills_backfill_start(trigger=Run.Trigger.COMMAND, queued=False) is None  # not started while it runs

    Run.objects.filter(pk=other.pk).update(finished_at=now, status=Run.Status.SUCCEEDED)
    run = skills_backfill_start(trigger=Run.Trigger.COMMAND, queued=False)
    assert run is not None
    Run.objects.create(kind=Run.Kind.BKSB_RESULTS, status=Run.Status.QUEUED)  # a person's download arrives
    skills_backfill_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.message == YIELDED
    assert (run.eoa_requests, skills_waiting().count()) == (0, waiting)


def test_the_command_reads_what_is_left(sandbox, capsys):
    _first_download_of_a_long_history(sandbox)
    waiting = skills_waiting().count()
    call_command("bksb_skills_backfill", "--limit", "2")
    assert capsys.readouterr().out.strip() == f"2 skills reports read, {waiting - 2} still to come."
    assert skills_waiting().count() == waiting - 2


def test_the_tab_says_a_report_is_to_come_and_reads_it_when_staff_open_it(sandbox, client, manager):
    learner = _first_download_of_a_long_history(sandbox)
    waiting = skills_waiting().filter(learner=learner).order_by("pk").first()
    assert waiting is not None
    client.force_login(manager)
    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert page.count("Skills report still to come") == skills_waiting().count()
    assert "Read the skills report now" in page

    url = reverse("bksb:session_skills", args=[learner.pk, waiting.pk])
    sandbox.reset_stats()
    opened = client.post(url, HTTP_HX_REQUEST="true").content.decode()

    assert _eoa_calls(sandbox) == 1
    waiting.refresh_from_db()
    assert waiting.skills_read_at is not None
    assert "Skills report still to come" not in opened
    components = list(waiting.skills.values_list("component_name", flat=True))
    assert components
    assert all(name in opened for name in components)


def test_the_evidence_pack_says_which_sessions_skills_it_holds(sandbox):
    learner = _first_download_of_a_long_history(sandbox)
    content = evidence_content(learner=learner, made_by=None)
    finished = AssessmentSession.objects.filter(learner=learner, completed_at__isnull=False)
    assert set(content.skills_held) == _the_sessions_that_matter_now(learner)
    assert set(content.skills_to_come) == set(finished.values_list("session_id", flat=True)) - set(content.skills_held)
    assert {line.session_id for line in content.skills} <= set(content.skills_held)
    text = evidence_pdf_text(content)
    assert "This pack holds the skills of the finished sessions with SessionId" in text
    assert "Still to come from bksb (read later by the skills backfill)" in text
