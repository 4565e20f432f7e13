"""The stored assessment status equals the one worked out from the facts, after every kind of write.

Each write goes through the service staff use (bksb faked at the HTTP boundary; the
sandbox file beside this one downloads results and sessions over a real socket).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from bksb_integration.accounts.invites import invite_send
from bksb_integration.accounts.linking import link_apply
from bksb_integration.config.connection import client_for
from bksb_integration.creation import user_create as uc
from bksb_integration.induction.status import assessment_statuses_computed
from bksb_integration.induction.status_read import assessment_status, stage_filter
from bksb_integration.models import AssessmentProgress, AssessmentSession, Stage, Step
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import add_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(integration):
    made = client_for(integration, sleep=lambda _: None)
    yield made
    made.close()


def _stored_is_computed(learner: Learner) -> tuple[Stage, Step, Step]:
    """The stored status, once checked equal (every step, every date) to the one worked out from the tables."""
    learner.refresh_from_db()
    stored = assessment_status(learner=learner)
    assert stored == assessment_statuses_computed(learner_ids=[learner.pk])[learner.pk]
    return stored.stage, stored.subjects[0].step, stored.subjects[1].step


def test_a_record_with_no_fact_has_no_row_and_no_bksb_user(learner):
    assert not AssessmentProgress.objects.filter(learner=learner).exists()
    assert _stored_is_computed(learner) == (Stage.NO_USER, Step.NO_USER, Step.NO_USER)
    assert list(stage_filter(Learner.objects.all(), Stage.NO_USER)) == [learner]


def test_creating_a_bksb_user_stores_account_created(learner, bksb, client):
    outcome = uc.bksb_user_create(
        learner=learner,
        username="akhan1",
        email="amira@example.ac.uk",
        auto_enrol=False,
        requested_by=None,
        client=client,
    )
    assert outcome.result == uc.CREATED
    assert _stored_is_computed(learner) == (Stage.CREATED, Step.CREATED, Step.CREATED)
    assert list(stage_filter(Learner.objects.all(), Stage.CREATED)) == [learner]


def test_linking_stores_account_created_and_unticking_bksb_user_shows_no_bksb_user(learner, bksb, client):
    bksb.users["akhan1"] = 4242
    assert link_apply(learner=learner, bksb_user=True, username="akhan1", client=client).applied
    assert _stored_is_computed(learner) == (Stage.CREATED, Step.CREATED, Step.CREATED)

    # Unticked from any path (here the tab's Apply), the row stays as it was: readers apply the tick.
    assert link_apply(learner=learner, bksb_user=False, username="akhan1", client=client).applied
    assert _stored_is_computed(learner) == (Stage.NO_USER, Step.NO_USER, Step.NO_USER)
    assert list(stage_filter(Learner.objects.all(), Stage.NO_USER)) == [learner]
    assert not stage_filter(Learner.objects.all(), Stage.CREATED).exists()


def test_an_invite_stores_invited_with_its_date(learner, bksb, client):
    bksb.users["akhan1"] = 4242
    link_apply(learner=learner, bksb_user=True, username="akhan1", client=client)
    invite = invite_send(learner=learner, sent_by=None, with_auto_login_link=False, client=client).invite
    assert _stored_is_computed(learner) == (Stage.INVITED, Step.INVITED, Step.INVITED)
    assert AssessmentProgress.objects.get(learner=learner).english_step_at == invite.sent_at


def test_relinking_to_another_bksb_user_keeps_the_status_in_step(learner, bksb, client):
    bksb.users |= {"akhan1": 4242, "akhan2": 4343}
    link_apply(learner=learner, bksb_user=True, username="akhan1", client=client)
    add_result(learner, bksb_user_id=4242, subject="english", course_subject="ENG_NEW")
    call_command("bksb_rebuild_status")  # the result above is written straight into its table
    assert _stored_is_computed(learner)[1] == Step.RESULTS_IN
    outcome = link_apply(learner=learner, bksb_user=True, username="akhan2", client=client, confirmed=True)
    assert outcome.applied
    _stored_is_computed(learner)
    assert AssessmentProgress.objects.get(learner=learner).account_created_at is not None


def test_the_rebuild_command_fills_the_table_after_an_upgrade(capsys):
    """Facts stored before the table existed: the command makes every row what the facts say."""
    ticked = LearnerFactory(bksb_user=True, bksb_username="x")
    unticked = LearnerFactory(bksb_user=False)
    now = timezone.now()
    for learner, user_id in ((ticked, 700), (unticked, 701)):
        AssessmentSession.objects.create(
            learner=learner,
            bksb_user_id=user_id,
            course_subject="MATHS_NEW",
            subject="maths",
            session_id=user_id,
            assessment_type=1,
            started_at=now - dt.timedelta(hours=1),
            completed_at=now,
            first_seen_at=now,
            last_seen_at=now,
        )
    AssessmentProgress.objects.all().delete()

    call_command("bksb_rebuild_status")

    assert "Assessment status worked out for 2 records." in capsys.readouterr().out
    assert _stored_is_computed(ticked) == (Stage.IN_PROGRESS, Step.NO_USER, Step.FINISHED)
    assert _stored_is_computed(unticked) == (Stage.IN_PROGRESS, Step.NO_USER, Step.FINISHED)
    assert set(stage_filter(Learner.objects.all(), Stage.IN_PROGRESS)) == {ticked, unticked}
