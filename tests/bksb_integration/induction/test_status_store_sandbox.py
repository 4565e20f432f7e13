"""Downloads keep the stored assessment status in step: results and sessions read from the sandbox over a socket."""

from __future__ import annotations

import pytest

from bksb_integration.config.connection import client_for
from bksb_integration.induction.status import assessment_statuses_computed
from bksb_integration.induction.status_read import assessment_status
from bksb_integration.models import AssessmentProgress, Stage, Step
from tests.support import learner_download, linked_learner

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True, fast_clients=True)]

LEARNER = "demo.learner0004"


def _download(learner, *, with_sessions: bool) -> None:
    client = client_for()
    try:
        learner_download(learner=learner, client=client, with_sessions=with_sessions)
    finally:
        client.close()


def _stored_is_computed(learner):
    stored = assessment_status(learner=learner)
    assert stored == assessment_statuses_computed(learner_ids=[learner.pk])[learner.pk]
    return stored


def test_a_download_stores_the_status_its_results_and_sessions_make(sandbox):
    learner = linked_learner(LEARNER)
    _download(learner, with_sessions=False)  # links the record and reads its results
    assert AssessmentProgress.objects.filter(learner=learner).exists()
    first = _stored_is_computed(learner)
    assert first.stage != Stage.NO_USER

    sandbox.start_session(LEARNER, "ENG_NEW", finish_after=5)
    _download(learner, with_sessions=True)  # the new, unfinished session
    assert _stored_is_computed(learner).subjects[0].step == Step.STARTED
