"""Creating a bksb user from a record: what is sent, and never two users for one record."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import pytest
from django.db import connection

from bksb_integration.config.connection import client_for
from bksb_integration.creation import user_create as uc
from bksb_integration.models import BksbLink, UserCreationRequest
from learners.models import Learner
from learners.selectors import LearnerFilters, learner_search
from tests.factories import LearnerFactory
from tests.fakes import PASSWORD, SECRET
from tests.support import configure

pytestmark = pytest.mark.django_db
Status = UserCreationRequest.Status


@pytest.fixture
def client(integration):
    made = client_for(integration, sleep=lambda _: None)
    yield made
    made.close()


def _create(learner, client, *, username="akhan1", email="amira@example.ac.uk", auto_enrol=False, by=None):
    return uc.bksb_user_create(
        learner=learner, username=username, email=email, auto_enrol=auto_enrol, requested_by=by, client=client
    )


def test_the_list_search_finds_the_record_by_its_new_bksb_username(learner, bksb, client):
    _create(learner, client, username="akhan1")

    assert list(learner_search(filters=LearnerFilters(query="akhan1"))) == [learner]


@pytest.mark.parametrize("auto_enrol", [True, False])
def test_sends_the_contract_form_with_nested_date_of_birth_and_auto_enrol(learner, bksb, client, auto_enrol):
    learner.date_of_birth = dt.date(2004, 5, 17)
    learner.save()
    outcome = _create(learner, client, auto_enrol=auto_enrol)
    assert outcome.result == uc.CREATED
    assert bksb.creates == [
        [
            ("Username", "akhan1"),
            ("Firstname", "Amira"),
            ("Lastname", "Khan"),
            ("Password", PASSWORD),
            ("Email", "amira@example.ac.uk"),
            ("DateOfBirth[Year]", "2004"),
            ("DateOfBirth[Month]", "5"),
            ("DateOfBirth[Day]", "17"),
            ("DateOfBirth[Hour]", "0"),
            ("DateOfBirth[Minute]", "0"),
            ("DateOfBirth[Second]", "0"),
            ("DateOfBirth[Millisecond]", "0"),
            ("AutoEnrolCourses", "true" if auto_enrol else "false"),
        ]
    ]


def test_created_user_links_the_record_and_records_who_asked(learner, bksb, client, admin_user):
    outcome = _create(learner, client, by=admin_user)
    learner.refresh_from_db()
    link = BksbLink.objects.get(learner=learner)
    row = UserCreationRequest.objects.get(learner=learner)
    assert (learner.bksb_user, learner.bksb_username) == (True, "akhan1")
    assert (link.bksb_user_id, link.resolved_username) == (outcome.bksb_user_id, "akhan1")
    assert (row.status, row.bksb_user_id, row.attempts) == (Status.CREATED, outcome.bksb_user_id, 1)
    assert row.history.filter(status=Status.CREATED).get().history_user == admin_user


def test_checks_the_name_before_creating(learner, bksb, client):
    _create(learner, client)
    assert bksb.calls == ["isUsernameExists", "createUser"]


def test_taken_name_is_refused_with_a_free_suggestion_and_nothing_is_created(learner, bksb, client):
    bksb.users.update({"akhan1": 77, "akhan1-2": 78})
    outcome = _create(learner, client)
    assert outcome.result == uc.TAKEN
    assert outcome.suggestion == "akhan1-3"
    assert "already has a user called “akhan1”" in outcome.message
    assert bksb.creates == []
    assert UserCreationRequest.objects.get(learner=learner).status == Status.REFUSED


def test_a_taken_name_held_by_another_record_says_whose_it_is(learner, bksb, client):
    other = LearnerFactory(bksb_user=True, bksb_username="akhan1")
    BksbLink.objects.update_or_create(learner=other, defaults={"bksb_user_id": 77})
    bksb.users["akhan1"] = 77
    outcome = _create(learner, client)
    assert outcome.result == uc.TAKEN
    assert outcome.held_by == other
    assert outcome.suggestion == "akhan1-2"
    assert outcome.message.endswith(
        f"is already linked to {other.full_name} ({other.learner_ref}); choose another name."
    )
    assert bksb.creates == []


def test_a_taken_name_nobody_here_holds_is_offered_for_linking(learner, bksb, client):
    bksb.users["akhan1"] = 77
    assert _create(learner, client).held_by is None


def test_a_name_not_ending_in_a_digit_is_suggested_with_a_number(learner, bksb, client):
    bksb.users["amira.k"] = 77
    assert _create(learner, client, username="amira.k").suggestion == "amira.k2"


def test_a_lost_answer_asks_bksb_at_once_and_links_the_user_it_made(learner, bksb, client):
    bksb.create_mode = "lost"
    first = _create(learner, client)
    assert first.result == uc.FOUND_AFTER_TIMEOUT
    assert first.bksb_user_id == bksb.users["akhan1"]
    assert bksb.calls == ["isUsernameExists", "createUser", "getUserId"]
    assert len(bksb.creates) == 1
    learner.refresh_from_db()
    assert (learner.bksb_user, learner.bksb_username) == (True, "akhan1")

    again = _create(learner, client)
    assert again.result == uc.ALREADY_CREATED
    assert len(bksb.creates) == 1


def test_a_dropped_connection_before_bksb_acted_is_checked_then_sent_again(learner, bksb, client):
    bksb.dropped = 1
    outcome = _create(learner, client)
    assert outcome.result == uc.CREATED
    assert bksb.calls == ["isUsernameExists", "createUser", "getUserId", "createUser"]
    assert len(bksb.creates) == 1


def test_a_create_refused_with_429_is_sent_again_after_the_wait_bksb_asks_for(learner, bksb, integration):
    waits: list[float] = []
    made = client_for(integration, sleep=waits.append)
    bksb.busy = 2
    try:
        outcome = _create(learner, made)
    finally:
        made.close()
    assert outcome.result == uc.CREATED
    assert bksb.calls == ["isUsernameExists", "createUser", "createUser", "createUser"]
    assert len(bksb.creates) == 1
    assert waits
    assert min(waits) >= 1.0  # bksb's Retry-After: 1


def test_a_create_still_refused_with_429_fails_without_doubt(learner, bksb, client):
    bksb.busy = 99
    outcome = _create(learner, client)
    assert outcome.result == uc.FAILED
    assert "Nothing was created" in outcome.message
    assert UserCreationRequest.objects.get(learner=learner).status == Status.FAILED
    assert bksb.creates == []


def test_a_retry_after_a_timeout_checks_the_name_first_sent(learner, bksb, client):
    UserCreationRequest.objects.create(learner=learner, username="akhan1", email="a@b.cd", status=Status.UNCERTAIN)
    bksb.users["akhan1"] = 5001  # the earlier createUser made it, and bksb could not be asked then
    retry = _create(learner, client, username="amira.khan")
    assert retry.result == uc.FOUND_AFTER_TIMEOUT
    assert retry.username == "akhan1"
    assert bksb.creates == []


def test_a_timeout_before_bksb_created_anything_is_tried_again_once_checked(learner, bksb, client):
    UserCreationRequest.objects.create(learner=learner, username="akhan1", email="a@b.cd", status=Status.UNCERTAIN)
    outcome = _create(learner, client)
    assert outcome.result == uc.CREATED
    assert bksb.calls == ["isUsernameExists", "createUser"]


def test_double_submit_creates_one_user(learner, bksb, client):
    first = _create(learner, client)
    second = _create(learner, client)
    assert (first.result, second.result) == (uc.CREATED, uc.ALREADY_CREATED)
    assert second.bksb_user_id == first.bksb_user_id
    assert len(bksb.creates) == 1


def test_a_request_being_sent_by_someone_else_is_not_sent_again(learner, bksb, client):
    UserCreationRequest.objects.create(learner=learner, username="akhan1", email="a@b.cd", status=Status.SENDING)
    outcome = _create(learner, client)
    assert outcome.result == uc.IN_PROGRESS
    assert bksb.calls == []


def test_a_lost_claim_by_a_dead_process_is_checked_then_retried(learner, bksb, client):
    row = UserCreationRequest.objects.create(learner=learner, username="akhan1", email="a@b.cd", status=Status.SENDING)
    stale = dt.datetime.now(dt.UTC) - uc.SENDING_STALE_AFTER - dt.timedelta(seconds=5)
    UserCreationRequest.objects.filter(pk=row.pk).update(updated_at=stale)
    outcome = _create(learner, client)
    assert outcome.result == uc.CREATED
    assert bksb.calls == ["isUsernameExists", "createUser"]


def test_a_claim_taken_by_another_process_is_not_sent(learner, bksb, client, monkeypatch):
    """Two staff at once: the second compare-and-set finds the attempt count moved."""
    real_claim = uc._claim

    def rival_first(row, **kwargs):
        assert real_claim(UserCreationRequest.objects.get(pk=row.pk), **kwargs)
        return real_claim(row, **kwargs)

    monkeypatch.setattr(uc, "_claim", rival_first)
    outcome = _create(learner, client)
    assert outcome.result == uc.IN_PROGRESS
    assert bksb.calls == []


def test_bksb_refusal_is_shown_in_its_own_words(learner, bksb, client):
    bksb.create_mode = "refuse"
    bksb.refusal = "Firstname contains characters that are not allowed."
    outcome = _create(learner, client)
    assert outcome.result == uc.REFUSED
    assert outcome.message == "bksb refused to create the user: Firstname contains characters that are not allowed."
    assert UserCreationRequest.objects.get(learner=learner).last_error == outcome.message


def test_creation_is_not_possible_without_a_default_password(learner, bksb, integration, client):
    integration.default_password_encrypted = ""
    integration.save()
    with pytest.raises(uc.CreationNotPossible, match="Integrations > bksb > Settings"):
        _create(learner, client)
    assert bksb.calls == []


def test_linking_to_an_existing_user_instead(learner, bksb, client):
    bksb.users["akhan1"] = 77
    outcome = uc.bksb_link_existing(learner=learner, username="akhan1", client=client)
    learner.refresh_from_db()
    assert (outcome.ok, outcome.bksb_user_id) == (True, 77)
    assert (learner.bksb_user, learner.bksb_username) == (True, "akhan1")
    assert bksb.creates == []


def test_the_password_and_secret_never_reach_the_logs(learner, bksb, client, caplog):
    caplog.set_level(logging.DEBUG)
    bksb.create_mode = "lost"
    _create(learner, client)
    bksb.create_mode = "refuse"
    bksb.refusal = f"Password {PASSWORD} is too weak"
    other = LearnerFactory()
    outcome = _create(other, client, username="other1")
    assert PASSWORD not in outcome.message
    assert PASSWORD not in caplog.text
    assert SECRET not in caplog.text


# Defaults and validation.


def test_username_defaults_to_the_web_user_account_name(learner, web_user):
    learner.bksb_username = "typed.name"
    assert uc.username_default(learner) == "demo.learner0001"


def test_username_defaults_next_to_the_existing_bksb_username(learner):
    learner.bksb_username = "amira.k"
    assert uc.username_default(learner) == "amira.k"


def test_username_suggestion_is_ascii_initial_surname_and_reference_number(db):
    learner = LearnerFactory(learner_ref="L000042", first_name="Émile", last_name="O'Brien-Núñez")
    assert uc.username_default(learner) == "eobriennunez42"


@pytest.mark.parametrize("username", ["b.murphy+fs@college.ac.uk", "o'neil.k-2", "kate brown", "zoë", "ab", "x" * 150])
def test_usernames_bksb_accepts_are_accepted(username):
    assert uc.username_problems(username) == []


@pytest.mark.parametrize(
    ("username", "email", "dob", "expected"),
    [
        ("", "a@b.cd", dt.date(2000, 1, 1), "Enter a username."),
        ("x" * 151, "a@b.cd", dt.date(2000, 1, 1), "at most 150 characters (this one has 151)"),
        ("kate\tbrown", "a@b.cd", dt.date(2000, 1, 1), "cannot hold control characters"),
        ("kate\u202ebrown", "a@b.cd", dt.date(2000, 1, 1), "cannot hold control characters"),
        ("fine.name", "", dt.date(2000, 1, 1), "email address is required"),
        ("fine.name", "not-an-email", dt.date(2000, 1, 1), "not a valid email address"),
        ("fine.name", "a@b.cd", None, "no date of birth"),
    ],
)
def test_bad_data_is_explained_before_anything_is_sent(learner, username, email, dob, expected):
    learner.date_of_birth = dob
    problems = uc.creation_problems(learner=learner, username=username, email=email)
    assert any(expected in message for _, message in problems)


# Against the sandbox over a real socket.


def _sandbox_client(sandbox, **options):
    settings = configure(sandbox.url)
    return client_for(settings, sleep=lambda _: None, **options)


def test_a_create_that_times_out_but_lands_in_bksb_is_found_not_repeated(learner, sandbox):
    client = _sandbox_client(sandbox, timeout=0.3)
    real_create = client.create_user

    def slow_create(user):
        sandbox.set_config(hang_ms=800)
        try:
            return real_create(user)
        finally:
            sandbox.set_config(hang_ms=0)

    client.create_user = slow_create
    assert _create(learner, client).result == uc.UNCERTAIN
    deadline = time.monotonic() + 5
    while sandbox.user_id("akhan1") is None and time.monotonic() < deadline:
        time.sleep(0.05)

    client.create_user = real_create
    retry = _create(learner, client)
    assert retry.result == uc.FOUND_AFTER_TIMEOUT
    assert retry.bksb_user_id == sandbox.user_id("akhan1")
    assert [user["Username"] for user in sandbox.created_users()] == ["akhan1"]
    client.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_at_once_make_one_bksb_user(sandbox):
    learner = LearnerFactory(learner_ref="L000001", first_name="Amira", last_name="Khan")
    _sandbox_client(sandbox).close()
    sandbox.set_config(latency_ms=150)
    start = threading.Barrier(2)
    outcomes = []

    def staff_clicks():
        client = client_for(sleep=lambda _: None)
        start.wait()
        try:
            outcomes.append(_create(Learner.objects.get(pk=learner.pk), client).result)
        finally:
            client.close()
            connection.close()

    threads = [threading.Thread(target=staff_clicks) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == sorted([uc.CREATED, uc.IN_PROGRESS])
    assert len(sandbox.created_users()) == 1


def _holder(bksb_user_id: int) -> Learner:
    holder = LearnerFactory(learner_ref="L000123", first_name="Ada", last_name="Khan", bksb_user=True)
    BksbLink.objects.create(learner=holder, bksb_user_id=bksb_user_id, resolved_username="akhan1")
    return holder


HELD = (
    "bksb user “akhan1” (id 77) is already linked to Ada Khan (L000123). "
    "One bksb user can belong to one record: untick BKSB User there first, or check the username."
)


def test_linking_to_an_existing_user_another_record_holds_is_refused(learner, bksb, client):
    bksb.users["akhan1"] = 77
    _holder(77)

    outcome = uc.bksb_link_existing(learner=learner, username="akhan1", client=client)

    assert (outcome.result, outcome.message) == (uc.FAILED, HELD)
    learner.refresh_from_db()
    assert (learner.bksb_user, learner.bksb_username) == (False, "")
    assert not BksbLink.objects.filter(learner=learner, bksb_user_id__isnull=False).exists()


def test_a_user_found_after_a_timeout_that_another_record_holds_is_not_linked_until_it_is_freed(learner, bksb, client):
    UserCreationRequest.objects.create(learner=learner, username="akhan1", email="a@b.cd", status=Status.UNCERTAIN)
    bksb.users["akhan1"] = 77  # the lost createUser made it; meanwhile another record was linked to it
    holder = _holder(77)

    refused = _create(learner, client, username="amira.khan")

    assert (refused.result, refused.message) == (uc.FAILED, HELD)
    row = UserCreationRequest.objects.get(learner=learner)
    assert (row.status, row.username) == (Status.UNCERTAIN, "akhan1")
    assert not BksbLink.objects.filter(learner=learner, bksb_user_id__isnull=False).exists()

    holder.bksb_user = False
    holder.save()
    linked = _create(learner, client)
    assert (linked.result, linked.bksb_user_id) == (uc.FOUND_AFTER_TIMEOUT, 77)
    assert bksb.creates == []
