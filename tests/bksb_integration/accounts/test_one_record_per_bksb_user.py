"""One bksb user belongs to one record: a second record is refused, so results never change hands.

Against the sandbox over a real socket, as a download would run.
"""

from __future__ import annotations

import re

import pytest

from bksb_integration.accounts.linking import LinkError, bksb_user_holder, link_apply
from bksb_integration.config.connection import client_for
from bksb_integration.models import BksbLink
from bksb_integration.sync.download import DownloadFailed
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import last_download, learner_download, linked_learner, stored

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True)]

USERNAME = "demo.learner0003"


@pytest.fixture
def client(sandbox):
    made = client_for()
    yield made
    made.close()


@pytest.fixture
def first(client):
    """Learner A, linked to USERNAME and downloaded."""
    learner = linked_learner(USERNAME, first_name="Amira", last_name="Khan", learner_ref="L000123")
    learner_download(learner=learner, client=client)
    return learner


def _held_message(sandbox) -> str:
    return (
        f"bksb user “{USERNAME}” (id {sandbox.user_id(USERNAME)}) is already linked to Amira Khan (L000123). "
        "One bksb user can belong to one record: untick BKSB User there first, or check the username."
    )


def _link(learner: Learner) -> BksbLink | None:
    return BksbLink.objects.filter(learner=learner).first()


def test_linking_a_second_record_to_a_held_bksb_user_is_refused_and_changes_nothing(sandbox, client, first):
    second = LearnerFactory(kind="applicant")
    results, downloaded = stored(first), last_download(first)
    assert results

    with pytest.raises(LinkError, match=re.escape(_held_message(sandbox))):
        link_apply(learner=second, bksb_user=True, username=USERNAME, client=client)

    saved = Learner.objects.get(pk=second.pk)
    assert (saved.bksb_user, saved.bksb_username) == (False, "")
    assert (second.bksb_user, second.bksb_username) == (False, "")
    assert _link(second) is None or _link(second).bksb_user_id is None
    assert _link(first).bksb_user_id == sandbox.user_id(USERNAME)
    assert Learner.objects.get(pk=first.pk).bksb_user is True
    assert stored(first) == results
    assert stored(second) == {}
    assert last_download(first) == downloaded


def test_a_download_of_a_second_record_with_the_same_username_fails_and_leaves_the_first_alone(sandbox, client, first):
    # As an import or a typo would leave it: ticked, with the other record's username.
    second = linked_learner(USERNAME, web_user=False)
    results, downloaded = stored(first), last_download(first)

    with pytest.raises(DownloadFailed, match=re.escape(_held_message(sandbox))):
        learner_download(learner=second, client=client)

    assert stored(first) == results
    assert last_download(first) == downloaded
    assert stored(second) == {}
    link = _link(second)
    assert link.bksb_user_id is None
    assert (link.last_outcome, link.last_message) == ("failed", _held_message(sandbox))


def test_a_second_record_linked_before_the_check_existed_is_refused_at_download(sandbox, client, first):
    second = linked_learner(USERNAME, web_user=False)
    BksbLink.objects.create(learner=second, bksb_user_id=sandbox.user_id(USERNAME), resolved_username=USERNAME)
    results = stored(first)

    with pytest.raises(DownloadFailed, match="is already linked to Amira Khan"):
        learner_download(learner=second, client=client)

    assert stored(first) == results
    assert stored(second) == {}


def test_after_bksb_user_is_unticked_on_the_first_record_the_second_can_be_linked(sandbox, client, first):
    second = LearnerFactory(kind="applicant")
    link_apply(learner=first, bksb_user=False, username=USERNAME, client=client)
    assert bksb_user_holder(bksb_user_id=sandbox.user_id(USERNAME), exclude_learner=second) is None

    outcome = link_apply(learner=second, bksb_user=True, username=USERNAME, client=client)

    assert outcome.applied
    assert _link(second).bksb_user_id == sandbox.user_id(USERNAME)
    learner_download(learner=second, client=client)
    assert stored(second)


def test_relinking_a_record_to_its_own_bksb_user_is_not_refused(sandbox, client, first):
    outcome = link_apply(learner=first, bksb_user=True, username=USERNAME, client=client)

    assert outcome.applied
    learner_download(learner=first, client=client)
