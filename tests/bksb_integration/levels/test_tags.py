"""Tags: an admin's rules on Integrations > bksb > Tags and funding, applied with the summary, on the record, in the
audit trail, and as the learner list's Tag filter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import BksbLink, LearnerTag, TagRule
from tests.bksb_integration.levels.levels_support import OTHER_USER, USER, item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
ENTRY = ["entry_1", "entry_2", "entry_3"]


def day(n: int) -> dt.datetime:
    return SEP + dt.timedelta(days=n)


def rule(name="Maths support: Entry", subject="maths", basis="latest", levels=ENTRY, active=True) -> TagRule:
    return TagRule.objects.create(name=name, subject=subject, basis=basis, levels=levels, active=active)


def tags(learner) -> set[str]:
    return set(LearnerTag.objects.filter(learner=learner).values_list("tag", flat=True))


def test_a_latest_rule_tags_on_the_latest_initial_assessment_and_names_it(learner):
    rule()
    store(learner, item(1, "Maths Level 1", when=day(0)), item(2, "Maths Entry 3", when=day(5)))
    tag = LearnerTag.objects.get(learner=learner)
    assert (tag.tag, tag.level, tag.session_id, tag.assessment_id, tag.result_date) == (
        "Maths support: Entry",
        "entry_3",
        2,
        50000,
        day(5),
    )


def test_a_latest_rule_ignores_diagnostics(learner):
    rule()
    store(learner, item(1, "Maths Level 1", when=day(0)), item(2, "Maths Entry 2", when=day(5), kind="diagnostic"))
    assert tags(learner) == set()


def test_a_highest_rule_reads_the_highest_initial_assessment(learner):
    rule(name="Maths L1 reached", basis="highest", levels=["level_1", "level_2"])
    rule(name="Maths latest Entry", basis="latest")
    store(learner, item(1, "Maths Level 1", when=day(0)), item(2, "Maths Entry 3", when=day(5)))
    assert tags(learner) == {"Maths L1 reached", "Maths latest Entry"}


def test_a_rule_for_another_subject_or_level_does_not_tag(learner):
    rule(name="English support", subject="english")
    rule(name="Maths L2", levels=["level_2"])
    store(learner, item(1, "Maths Entry 3", when=day(0)))
    assert tags(learner) == set()


def test_an_inactive_rule_tags_no_one(learner):
    rule(active=False)
    store(learner, item(1, "Maths Entry 3", when=day(0)))
    assert tags(learner) == set()


def test_an_unmapped_result_gives_no_tag(learner):
    rule()
    store(learner, item(1, "Maths: see tutor", when=day(0)))
    assert tags(learner) == set()


def test_results_of_a_previous_bksb_user_give_no_tag(learner):
    rule()
    store(learner, item(1, "Maths Entry 2", when=day(0)), user_id=OTHER_USER)
    assert tags(learner) == {"Maths support: Entry"}
    BksbLink.objects.filter(learner=learner).update(bksb_user_id=USER)
    levels_refresh(learner_ids=[learner.pk], reason="Linked to another bksb user")
    assert tags(learner) == set()


def test_a_new_result_moves_the_tag_and_a_higher_one_takes_it_off_with_history(learner):
    rule()
    store(learner, item(1, "Maths Entry 2", when=day(0)))
    store(learner, item(2, "Maths Entry 3", when=day(3)))
    assert LearnerTag.objects.get(learner=learner).session_id == 2
    store(learner, item(3, "Maths Level 1", when=day(6)))
    assert tags(learner) == set()
    history = list(
        LearnerTag.history.filter(learner_id=learner.pk)
        .order_by("history_id")
        .values_list("history_type", "session_id", "history_change_reason")
    )
    assert history == [
        ("+", 1, "Results downloaded"),
        ("~", 2, "Results downloaded"),
        ("-", 2, "Results downloaded"),
    ]


def test_the_admin_adds_a_rule_and_existing_records_are_tagged(client, admin_user):
    learners = LearnerFactory.create_batch(2)
    store(learners[0], item(1, "Maths Entry 1", when=day(0)))
    store(learners[1], item(2, "Maths Level 2", when=day(0)))
    client.force_login(admin_user)

    response = client.post(
        reverse("bksb:tags"),
        {"name": "  Maths   support: Entry ", "subject": "maths", "basis": "latest", "levels": ENTRY, "active": "on"},
        follow=True,
    )

    page = response.content.decode()
    assert "Tag rule “Maths support: Entry” added." in page
    assert "Levels and tags recomputed for 2 records." in page
    assert (tags(learners[0]), tags(learners[1])) == ({"Maths support: Entry"}, set())
    assert "Entry 1, Entry 2, Entry 3" in page


def test_a_rule_needs_levels_and_a_name_of_its_own(client, admin_user):
    rule()
    client.force_login(admin_user)
    response = client.post(
        reverse("bksb:tags"), {"name": "maths support: entry", "subject": "maths", "basis": "latest"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Another rule gives this tag already" in page
    assert "This field is required." in page
    assert TagRule.objects.count() == 1


def test_renaming_a_rule_renames_its_tags_and_deleting_it_takes_them_off(client, admin_user, learner):
    maths = rule()
    store(learner, item(1, "Maths Entry 1", when=day(0)))
    client.force_login(admin_user)

    client.post(
        reverse("bksb:tag_rule_edit", args=[maths.pk]),
        {"name": "Maths: Entry", "subject": "maths", "basis": "latest", "levels": ENTRY, "active": "on"},
    )
    assert tags(learner) == {"Maths: Entry"}

    response = client.post(reverse("bksb:tag_rule_delete", args=[maths.pk]), follow=True)
    assert "its tag was taken off 1 record." in response.content.decode()
    assert tags(learner) == set()
    assert not TagRule.objects.exists()


def test_tag_changes_are_in_the_audit_trail(client, admin_user, learner):
    rule()
    store(learner, item(1, "Maths Entry 1", when=day(0)))
    client.force_login(admin_user)
    page = client.get(reverse("permissions:audit"), {"source": "tags"}).content.decode()
    assert f"Learner {learner.learner_ref}" in page
    assert "Results downloaded" in page
    assert "Maths support: Entry" in page


def test_the_record_shows_its_tags(client, admin_user, learner):
    rule()
    store(learner, item(7, "Maths Entry 1", when=day(0)))
    client.force_login(admin_user)
    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert "Maths support: Entry" in page
    assert "SessionId 7, AssessmentID 50000" in page


def test_the_learner_list_filters_by_tag(client, admin_user):
    maths = rule()
    tagged, other = LearnerFactory(last_name="Tagged"), LearnerFactory(last_name="Untagged")
    store(tagged, item(1, "Maths Entry 1", when=day(0)))
    store(other, item(2, "Maths Level 2", when=day(0)))
    client.force_login(admin_user)
    page = client.get(reverse("learners:list"), {"bksb_tag": str(maths.pk)}).content.decode()
    assert "Tagged" in page
    assert "Untagged" not in page


def test_only_admins_see_the_tags_page(client, tutor):
    client.force_login(tutor)
    assert client.get(reverse("bksb:tags")).status_code == 403
