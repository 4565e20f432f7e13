"""Rushed assessments: a finished V5 session shorter than its type's threshold is marked "completed unusually fast:
consider a retake", on the BKSB tab, the Induction board, the learner list's filter and the evidence pack."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bksb_integration.evidence.pack import evidence_content
from bksb_integration.evidence.pdf import evidence_pdf
from bksb_integration.models import AssessmentSession, BksbSettings
from bksb_integration.results.rushed import RushedThresholds, learners_rushed, session_rushed
from learners.models import Learner
from tests.bksb_integration.evidence.test_evidence_pack import text_of
from tests.factories import LearnerFactory
from tests.support import configure

pytestmark = pytest.mark.django_db

STARTED = dt.datetime(2026, 9, 2, 9, 0, tzinfo=dt.UTC)
DEFAULTS = RushedThresholds(10, 15)


def _session(learner, session_id: int, minutes: float | None, *, kind: int = 1, subject: str = "MATHS_NEW"):
    now = timezone.now()
    return AssessmentSession.objects.create(
        learner=learner, bksb_user_id=2100001, course_subject=subject,
        subject="maths" if subject == "MATHS_NEW" else "english", session_id=session_id, assessment_type=kind,
        started_at=STARTED, completed_at=STARTED + dt.timedelta(minutes=minutes) if minutes is not None else None,
        first_seen_at=now, last_seen_at=now,
    )  # fmt: skip


@pytest.mark.parametrize(("kind", "minutes", "rushed"), [
    (1, 9.9, True), (1, 10, False), (1, 45, False), (2, 14, True), (2, 15, False), (1, None, False),
])  # fmt: skip
def test_a_finished_session_under_its_types_threshold_is_rushed_and_the_list_filter_agrees(kind, minutes, rushed):
    learner = LearnerFactory()
    session = _session(learner, 1, minutes, kind=kind)

    assert session_rushed(session, DEFAULTS) is rushed
    assert learners_rushed(Learner.objects.all(), DEFAULTS).filter(pk=learner.pk).exists() is rushed


def test_the_thresholds_are_settings_that_apply_at_once_and_0_marks_none():
    learner = LearnerFactory()
    _session(learner, 1, 20)
    settings = BksbSettings.load()
    assert not learners_rushed(Learner.objects.all()).exists()

    settings.rushed_initial_minutes = 30
    settings.save()
    assert list(learners_rushed(Learner.objects.all())) == [learner]

    settings.rushed_initial_minutes = 0
    settings.save()
    assert not learners_rushed(Learner.objects.all()).exists()


def test_an_admin_sets_the_thresholds_on_the_bksb_settings_page(client, admin_user):
    configure()
    client.force_login(admin_user)
    settings = BksbSettings.load()
    form = {
        "requests_per_second": settings.requests_per_second, "eligible_learning_statuses": ["in_learning"],
        "eligible_end_within_days": 0, "run_history_days": 90, "rushed_initial_minutes": 12,
        "rushed_diagnostic_minutes": 20,
    }  # fmt: skip

    page = client.get(reverse("bksb:settings")).content.decode()
    client.post(reverse("bksb:download_options"), form)

    assert "Initial assessment finished in under (minutes)" in page
    assert RushedThresholds.load() == RushedThresholds(12, 20)


def test_the_mark_shows_on_the_tab_the_board_and_the_list_filter(client, manager):
    configure()
    rushed = LearnerFactory(last_name="Quick")
    _session(rushed, 1, 4)
    steady = LearnerFactory(last_name="Steady")
    _session(steady, 2, 40)
    client.force_login(manager)

    tab = client.get(reverse("bksb:tab", args=[rushed.pk])).content.decode()
    steady_tab = client.get(reverse("bksb:tab", args=[steady.pk])).content.decode()
    board = client.get(reverse("bksb:induction_board")).content.decode()
    listed = client.get(reverse("learners:list"), {"bksb_rushed": "yes"}).content.decode()

    assert '<span class="badge badge-warn">Completed unusually fast: consider a retake (4 min)</span>' in tab
    assert "unusually fast" not in steady_tab
    assert "Maths initial assessment: completed unusually fast: consider a retake (4 min)" in board
    assert board.count("consider a retake (") == 1  # the one rushed session (the filter names the mark too)
    assert "Quick" in listed
    assert "Steady" not in listed
    assert "Rushed assessments" in listed


def test_the_evidence_pack_names_each_rushed_session_and_the_thresholds(admin_user):
    learner = LearnerFactory()
    _session(learner, 9913, 3, subject="ENG_NEW")
    _session(learner, 9914, 50)

    content = evidence_content(learner=learner, made_by=admin_user)
    text = text_of(evidence_pdf(content))

    assert content.rushed == [
        "SessionId 9913, English initial assessment, 2 Sep 2026 10:00 BST to 2 Sep 2026 10:03 BST: "
        "completed unusually fast: consider a retake (3 min)"
    ]
    assert "Assessments completed unusually fast" in text
    assert "SessionId 9913, English initial assessment" in text
    assert "less than 10 min for an initial assessment, 15 min for a diagnostic" in text
    assert "9914" not in " ".join(content.rushed)
