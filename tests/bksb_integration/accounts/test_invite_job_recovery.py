"""Send invite again whose worker died: taken up again by the sweeper, and no record is emailed twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from bksb_integration.accounts.invite_jobs import LABELS, UNCONFIRMED, invites_send_start
from bksb_integration.accounts.linking import link_for
from bksb_integration.models import BksbLink, Invite
from jobs.models import Job, JobItem
from jobs.services import jobs_sweep
from tests.factories import LearnerFactory
from tests.support import configure

pytestmark = pytest.mark.django_db


def _killed_mid_job(learners, django_capture_on_commit_callbacks) -> Job:
    """The state a worker killed while emailing the second record leaves: first sent, second taken, silent since."""
    with django_capture_on_commit_callbacks(execute=False):
        job = invites_send_start(learner_ids=[x.pk for x in learners], started_by=None, with_auto_login_link=False)
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    first, second, _ = JobItem.objects.filter(job=job).order_by("position")
    Invite.objects.create(learner=learners[0], email=learners[0].email, username="adams")
    JobItem.objects.filter(pk=first.pk).update(outcome="sent", ok=True, attempts=1)
    JobItem.objects.filter(pk=second.pk).update(outcome=JobItem.RUNNING, attempts=1, claimed_at=long_ago)
    link_for(learners[1])
    BksbLink.objects.filter(learner=learners[1]).update(invite_claimed_at=long_ago)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, done=1, heartbeat_at=long_ago, claim_token=1)
    return job


def test_a_record_whose_invite_may_have_gone_before_the_kill_is_not_emailed_again(
    django_capture_on_commit_callbacks,
):
    configure()
    learners = [
        LearnerFactory(last_name=name, bksb_user=True, bksb_username=name.lower())
        for name in ("Adams", "Baker", "Clarke")
    ]
    job = _killed_mid_job(learners, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 1  # beat's sweep queues it; the (eager) worker runs it

    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (Job.Status.PARTIAL, 3, 1)
    assert [email.to[0] for email in mail.outbox] == [learners[2].email]  # only the record never begun
    baker = JobItem.objects.get(job=job, subject_id=learners[1].pk)
    assert (baker.outcome, LABELS[baker.outcome]) == (UNCONFIRMED, "Not confirmed (not sent again)")
    assert "it was not sent again" in baker.message
    assert jobs_sweep() == 0  # finished: nothing left to take up


def test_a_record_whose_send_never_began_is_emailed_when_taken_up_again(django_capture_on_commit_callbacks):
    configure()
    learners = [
        LearnerFactory(last_name=name, bksb_user=True, bksb_username=name.lower())
        for name in ("Adams", "Baker", "Clarke")
    ]
    job = _killed_mid_job(learners, django_capture_on_commit_callbacks)
    BksbLink.objects.filter(learner=learners[1]).update(invite_claimed_at=None)  # killed before it took the record

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 1

    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (Job.Status.SUCCEEDED, 3, 0)
    assert sorted(email.to[0] for email in mail.outbox) == sorted([learners[1].email, learners[2].email])
