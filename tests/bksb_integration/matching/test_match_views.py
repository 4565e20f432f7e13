"""The matching screens as staff see them: who may use them, Find in bksb, the review page, Settings > Matching."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bksb_integration.matching.match_job import bksb_match_start
from bksb_integration.models import BksbLink, BksbSettings, MatchSuggestion
from jobs.models import Job
from learners.models import Learner
from tests.factories import LearnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True, fast_clients=True)]

HX = {"HX-Request": "true"}


@pytest.fixture
def amy(sandbox):
    learner = LearnerFactory(first_name="Amy", last_name="Adams", email="amy@college.ac.uk", learner_ref="V001")
    sandbox.place_users([{"Username": "amy@college.ac.uk"}, {"Username": "amy.adams"}])
    return learner


@pytest.fixture
def finished_run(amy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = bksb_match_start(learner_ids=[amy.pk], started_by=None)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("persona", ["tutor", "outsider"])
def test_only_staff_who_may_edit_links_may_match(client, request, persona, finished_run, amy):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("bksb:match")).status_code == 403
    assert client.get(reverse("bksb:match_review", args=[finished_run.pk])).status_code == 403
    assert client.post(reverse("bksb:match_start")).status_code == 403
    assert client.post(reverse("bksb:match_find", args=[amy.pk])).status_code == 403
    suggestion = MatchSuggestion.objects.first()
    assert client.post(reverse("bksb:match_link_one", args=[suggestion.pk])).status_code == 403
    assert not Learner.objects.filter(bksb_user=True).exists()


def test_the_management_page_counts_the_unlinked_records(client, manager, amy):
    client.force_login(manager)

    page = client.get(reverse("bksb:match")).content.decode()

    assert "unlinked records" in page
    assert "Look for all 1 unlinked record in bksb?" in page
    assert "Match learners</a>" in client.get(reverse("learners:list")).content.decode()


def test_find_in_bksb_lists_the_users_found_and_link_links_one(
    client, manager, amy, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    assert "Find in bksb" in client.get(reverse("bksb:tab", args=[amy.pk])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        window = client.post(reverse("bksb:match_find", args=[amy.pk]), headers=HX)
    status = client.get(reverse("jobs:status", args=["job", Job.objects.get().pk]), headers=HX).content.decode()

    assert "<dialog data-open-modal" in window.content.decode()
    assert "amy@college.ac.uk" in status
    assert "amy.adams" in status
    assert "Strong" in status
    assert "Possible" in status
    assert not Learner.objects.get(pk=amy.pk).bksb_user
    chosen = MatchSuggestion.objects.get(username="amy@college.ac.uk")

    answer = client.post(reverse("bksb:match_link_one", args=[chosen.pk]), follow=True)

    assert "Linked to bksb user amy@college.ac.uk" in answer.content.decode()
    assert BksbLink.objects.get(learner=amy).bksb_user_id == chosen.bksb_user_id
    assert "Find in bksb" not in answer.content.decode()


def test_the_review_preticks_only_strong_unique_suggestions(
    client, manager, sandbox, django_capture_on_commit_callbacks
):
    sure = LearnerFactory(email="sure@college.ac.uk", learner_ref="V010")
    unsure = LearnerFactory(first_name="Ola", last_name="Ng", email="", learner_ref="V011")
    sandbox.place_users([{"Username": "sure@college.ac.uk"}, {"Username": "ola.ng"}])
    with django_capture_on_commit_callbacks(execute=True):
        job = bksb_match_start(learner_ids=[sure.pk, unsure.pk], started_by=None)
    client.force_login(manager)

    page = client.get(reverse("bksb:match_review", args=[job.pk])).content.decode()

    sure_box = MatchSuggestion.objects.get(learner=sure).pk
    unsure_box = MatchSuggestion.objects.get(learner=unsure).pk
    assert f'value="{sure_box}" checked' in page
    assert f'value="{unsure_box}">' in page
    assert not Learner.objects.filter(bksb_user=True).exists()
    own_page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Records with suggestions" in own_page
    assert reverse("bksb:match_review", args=[job.pk]) in own_page


def test_the_review_names_the_records_none_was_found_for(
    client, manager, sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    found = LearnerFactory(email="found@college.ac.uk", learner_ref="V020")
    nobody = [
        LearnerFactory(first_name="Zed", last_name=f"Nowhere{n}", email="", learner_ref=f"V03{n}") for n in range(3)
    ]
    sandbox.place_users([{"Username": "found@college.ac.uk"}])
    with django_capture_on_commit_callbacks(execute=True):
        job = bksb_match_start(learner_ids=[found.pk, *(each.pk for each in nobody)], started_by=None)
    client.force_login(manager)
    monkeypatch.setattr("bksb_integration.matching.views.match.REVIEW_PAGE_SIZE", 2)

    page = client.get(reverse("bksb:match_review", args=[job.pk])).content.decode()

    assert "<strong>3</strong><span>None found</span>" in page
    assert 'href="#outcome-none">Which records: None found (3)</a>' in page
    section = page.split('id="outcome-none"', 1)[1].split("</section>", 1)[0]
    assert "None found: 3 records" in section
    assert f'href="/learners/{nobody[0].pk}/bksb/">Nowhere0, Zed</a>' in section
    assert "Nowhere1, Zed" in section
    assert "Nowhere2" not in section  # on the next page of the list
    assert 'href="?none_page=2#outcome-none">Next</a>' in section
    assert "found@college.ac.uk" not in section
    second = client.get(reverse("bksb:match_review", args=[job.pk]), {"none_page": 2}).content.decode()
    assert "Nowhere2, Zed" in second.split('id="outcome-none"', 1)[1]


def test_two_ticks_for_one_record_link_nothing(client, manager, finished_run):
    client.force_login(manager)
    picks = list(MatchSuggestion.objects.values_list("pk", flat=True))

    answer = client.post(reverse("bksb:match_link", args=[finished_run.pk]), {"pick": picks}, follow=True)

    refused = "Tick one bksb user per record: more than one is ticked for V001. Nothing was linked."
    assert refused in answer.content.decode()
    assert not Job.objects.filter(kind="bksb_match_link").exists()


def test_matching_settings_refuse_an_unknown_placeholder_and_save_the_order(client, admin_user):
    client.force_login(admin_user)
    url = reverse("bksb:matching_settings")
    form = {f"order_{key}": str(n) for n, key in enumerate(BksbSettings.load().match_builtins, start=1)}

    bad = client.post(url, form | {"use_ref": "on", "match_patterns": "{ref}\n{surname}"})
    good = client.post(url, form | {"use_ref": "on", "use_email": "on", "order_ref": "1", "match_patterns": "s{ref}"})

    assert bad.status_code == 400
    assert "{surname} is not a placeholder" in bad.content.decode()
    assert good.status_code == 302
    settings = BksbSettings.load()
    assert settings.match_builtins == ["ref", "email"]
    assert settings.match_patterns == "s{ref}"
    assert not settings.match_link_automatically
    assert "Matching</a>" in client.get(reverse("bksb:settings")).content.decode()


def test_the_learner_list_matches_the_ticked_or_all_matching_records(
    client, manager, sandbox, django_capture_on_commit_callbacks
):
    ticked = LearnerFactory(learner_ref="V020", last_name="Pickering")
    LearnerFactory(learner_ref="V021", last_name="Pickering")
    LearnerFactory(learner_ref="V022", last_name="Other")
    linked = LearnerFactory(learner_ref="V023", last_name="Pickering", bksb_user=True, bksb_username="x")
    BksbLink.objects.create(learner=linked, bksb_user_id=3, resolved_username="x")
    client.force_login(manager)
    assert "Match in bksb" in client.get(reverse("learners:list")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the first job has finished before the second click
        client.post(reverse("bksb:match_start"), {"learner": [ticked.pk]}, headers=HX)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bksb:match_start"), {"scope": "all_matching", "q": "Pickering"}, headers=HX)

    first, second = Job.objects.filter(kind="bksb_match").order_by("pk")
    assert [item.subject for item in first.items.order_by("position")] == ["V020"]
    assert [item.subject for item in second.items.order_by("position")] == ["V020", "V021"]


def test_a_selection_past_the_cap_is_refused_with_the_command_to_run(client, manager, settings):
    settings.BKSB_SELECTION_MAX_RECORDS = 2
    for n in range(3):
        LearnerFactory(learner_ref=f"V03{n}", last_name="Capped")
    client.force_login(manager)

    answer = client.post(reverse("bksb:match_start"), {"scope": "all_matching", "q": "Capped"}, follow=True)

    page = answer.content.decode()
    assert "You selected 3 records; one Match in bksb job from a screen takes at most 2." in page
    assert "python manage.py bksb_match --all" in page
    assert not Job.objects.filter(kind="bksb_match").exists()


def test_a_second_match_while_ones_own_waits_is_refused(client, manager, amy, monkeypatch):
    monkeypatch.setattr("jobs.queue.job_run_queue", lambda job_id: None)  # the first stays queued
    client.force_login(manager)
    client.post(reverse("bksb:match_start"), {"learner": [amy.pk]}, headers=HX)
    first = Job.objects.get(kind="bksb_match")

    again = client.post(reverse("bksb:match_start"), {"learner": [amy.pk]}, follow=True).content.decode()

    assert f"Your Match in bksb job {first.pk} (0 of 1 record) is still queued" in again
    assert Job.objects.filter(kind="bksb_match").count() == 1
