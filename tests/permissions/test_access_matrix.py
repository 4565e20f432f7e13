"""Every address of the product against every persona: who gets the page, who is refused, who must log in.

The table (EXPECTED) is the product's access policy in one place. Every named URL of the product has a row,
so a new view without one fails `test_every_address_has_a_row`, and a view whose guard changes fails the
matrix. An address answering for several kinds of object (the one status address of all work) has a row per
kind (VARIANTS). A GET is sent to each address: a view that only takes POST answers 405 to those it lets through
(its permission guard stands outside the method check), so the table still tells who gets in.

Codes per persona, in PERSONAS order: 200 the page; 302 sent to log in (anonymous) or on (a page that
moved); 403 refused; 404 hidden (a bksb page for staff without the module); 405 let through to a view that
takes only POST.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from bksb_integration.decisions.judgements import judgement_record
from bksb_integration.models import (
    AssessmentSession,
    LevelMapping,
    MatchSuggestion,
    Run,
    RunLearner,
    SubjectMapping,
    TagRule,
)
from jobs.models import Job
from signin.models import GroupClaimMapping
from tests.support import configure

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "learner", "outsider", "tutor", "manager", "admin")
# Django's own admin site and the sign-in pages are not the product's screens.
SKIPPED = {"login", "logout"}
# What each address names, by URL name (the rest name a learner's record, or nothing).
OBJECT_OF = {
    "bksb:levels_edit": "level_mapping",
    "bksb:levels_delete": "level_mapping",
    "bksb:subjects_edit": "subject_mapping",
    "bksb:subjects_delete": "subject_mapping",
    "bksb:tag_rule_edit": "tag_rule",
    "bksb:tag_rule_delete": "tag_rule",
    "bksb:evidence_packs_download": "evidence_job",
    "bksb:crosscheck_job_download": "evidence_job",
    "bksb:audit_sample_download": "sample_job",
    "signin:factor_reset": "tutor",
    "signin:group_claim_delete": "group_claim",
    "privacy:subject_access_download": "subject_access_job",
}
# An address that answers for several kinds of object has a row per kind, "name (kind)", with its arguments:
# a key of the world's objects, or the value itself.
VARIANTS: dict[str, dict[str, str]] = {
    "jobs:status (a job)": {"work": "job", "pk": "job_id"},
    "jobs:status (a learner's BKSB Results)": {"work": "run", "pk": "learner_run"},
    "jobs:status (Get Results)": {"work": "run", "pk": "run_id"},
    "jobs:status (no such kind)": {"work": "nothing", "pk": "job_id"},
}

# name: codes for (anonymous, learner, outsider, tutor, manager, admin)
EXPECTED: dict[str, tuple[int, ...]] = {
    "bksb:audit_sample": (302, 403, 403, 200, 200, 200),
    # Only the person who made the sample downloads it (the admin here; its zip is not on the disk: 404 for all).
    "bksb:audit_sample_download": (302, 403, 403, 404, 404, 404),
    "accessibility": (200, 200, 200, 200, 200, 200),
    "bksb:auto_create": (302, 403, 403, 403, 403, 200),
    "bksb:create_user": (302, 403, 403, 403, 200, 200),
    "bksb:decision_add": (302, 403, 403, 200, 200, 200),
    "bksb:download": (302, 403, 403, 405, 405, 405),
    "bksb:download_options": (302, 403, 403, 403, 403, 405),
    "bksb:evidence_pack": (302, 403, 403, 405, 405, 405),
    "bksb:evidence_packs": (302, 403, 403, 405, 405, 405),
    "bksb:evidence_packs_download": (302, 403, 403, 404, 404, 404),
    "bksb:export_all": (302, 403, 403, 200, 200, 200),
    "bksb:export_all_skills": (302, 403, 403, 200, 200, 200),
    "bksb:export_learner": (302, 403, 403, 200, 200, 200),
    "bksb:export_learner_skills": (302, 403, 403, 200, 200, 200),
    "bksb:funding_flags": (302, 403, 403, 200, 200, 200),
    "bksb:funding_thresholds": (302, 403, 403, 403, 403, 405),
    "bksb:get_results": (302, 403, 403, 403, 405, 405),
    "bksb:get_results_resume": (302, 403, 403, 403, 405, 405),
    "bksb:get_results_selection": (302, 403, 403, 403, 405, 405),
    "bksb:history": (302, 403, 403, 403, 200, 200),
    "bksb:induction_board": (302, 403, 403, 403, 200, 200),
    "bksb:induction_get_results": (302, 403, 403, 403, 405, 405),
    "bksb:induction_invite": (302, 403, 403, 403, 405, 405),
    "bksb:invite": (302, 403, 403, 403, 200, 200),
    "bksb:judgement_add": (302, 403, 403, 200, 200, 200),
    "bksb:judgement_file": (302, 403, 403, 200, 200, 200),
    "bksb:invite_template": (302, 403, 403, 403, 403, 200),
    "bksb:levels": (302, 403, 403, 403, 403, 200),
    "bksb:levels_delete": (302, 403, 403, 403, 403, 405),
    "bksb:levels_edit": (302, 403, 403, 403, 403, 200),
    "bksb:link": (302, 403, 403, 403, 405, 405),
    "bksb:link_existing": (302, 403, 403, 403, 405, 405),
    "bksb:management": (302, 403, 403, 403, 200, 200),
    "bksb:match": (302, 403, 403, 403, 200, 200),
    "bksb:match_find": (302, 403, 403, 403, 405, 405),
    "bksb:match_link": (302, 403, 403, 403, 405, 405),
    "bksb:match_link_one": (302, 403, 403, 403, 405, 405),
    "bksb:match_review": (302, 403, 403, 403, 200, 200),
    "bksb:match_start": (302, 403, 403, 403, 405, 405),
    "bksb:matching_settings": (302, 403, 403, 403, 403, 200),
    "bksb:record_actions": (302, 403, 403, 403, 200, 200),
    "bksb:reports": (302, 403, 403, 200, 200, 200),
    "bksb:crosscheck": (302, 403, 403, 403, 200, 200),
    "bksb:crosscheck_csv": (302, 403, 403, 403, 200, 200),
    "bksb:crosscheck_job": (302, 403, 403, 403, 405, 405),
    "bksb:crosscheck_job_download": (302, 403, 403, 403, 404, 404),
    "bksb:reports_csv": (302, 403, 403, 200, 200, 200),
    "bksb:reset": (302, 403, 403, 403, 405, 405),
    "bksb:run_detail": (302, 403, 403, 403, 200, 200),
    "bksb:run_panel": (302, 403, 403, 403, 200, 200),
    "bksb:session_skills": (302, 403, 403, 405, 405, 405),
    "bksb:schedule": (302, 403, 403, 403, 403, 200),
    "bksb:settings": (302, 403, 403, 403, 403, 200),
    "bksb:subjects": (302, 403, 403, 403, 403, 200),
    "bksb:subjects_delete": (302, 403, 403, 403, 403, 405),
    "bksb:subjects_edit": (302, 403, 403, 403, 403, 200),
    "bksb:summary": (302, 403, 403, 200, 200, 200),
    "bksb:tab": (302, 403, 403, 200, 200, 200),
    "bksb:tab_results": (302, 403, 403, 200, 200, 200),
    "bksb:tables": (302, 403, 403, 200, 200, 200),
    "bksb:tag_rule_delete": (302, 403, 403, 403, 403, 405),
    "bksb:tag_rule_edit": (302, 403, 403, 403, 403, 200),
    "bksb:tags": (302, 403, 403, 403, 403, 200),
    "bksb:test_connection": (302, 403, 403, 403, 403, 405),
    "bksb:unmatched": (302, 403, 403, 403, 200, 200),
    "bksb:unmatched_export": (302, 403, 403, 403, 200, 200),
    "bksb:users_create": (302, 403, 403, 403, 405, 405),
    "bksb:watch": (302, 403, 403, 405, 405, 405),
    "bksb:watch_schedule": (302, 403, 403, 403, 403, 405),
    "bksb:watch_settings": (302, 403, 403, 403, 403, 200),
    "home": (302, 302, 302, 302, 302, 302),
    "hub:bksb": (302, 404, 403, 403, 403, 403),
    "hub:dashboard": (302, 200, 403, 403, 403, 403),
    "hub:system_configuration": (302, 403, 403, 403, 403, 200),
    "jobs:detail": (302, 403, 403, 403, 200, 200),
    "jobs:resume": (302, 403, 405, 405, 405, 405),
    # The one status address of all work, for each kind of work it answers for (see VARIANTS).
    "jobs:status (a job)": (302, 403, 403, 403, 200, 200),
    "jobs:status (a learner's BKSB Results)": (302, 403, 403, 200, 200, 200),
    "jobs:status (Get Results)": (302, 403, 403, 403, 200, 200),
    "jobs:status (no such kind)": (404, 404, 404, 404, 404, 404),
    "learners:caseloads": (302, 403, 403, 403, 403, 200),
    "learners:columns": (302, 403, 403, 405, 405, 405),
    "learners:detail": (302, 403, 403, 200, 200, 200),
    "learners:export": (302, 403, 403, 200, 200, 200),
    "learners:import": (302, 403, 403, 403, 200, 200),
    "learners:list": (302, 403, 403, 200, 200, 200),
    "permissions:audit": (302, 403, 403, 403, 200, 200),
    "permissions:edit": (302, 403, 403, 403, 403, 200),
    # Data protection: administrators only (the two rights of permissions migration 0006).
    "privacy:erase": (302, 403, 403, 403, 403, 405),
    "privacy:hold": (302, 403, 403, 403, 403, 405),
    "privacy:record": (302, 403, 403, 403, 403, 200),
    "privacy:retention": (302, 403, 403, 403, 403, 200),
    "privacy:subject_access": (302, 403, 403, 403, 403, 405),
    # The admin's own export, whose zip is not made yet.
    "privacy:subject_access_download": (302, 403, 403, 403, 403, 404),
    # Sign-in with the college's provider is not set up here: its two addresses are not there.
    "signin:callback": (404, 404, 404, 404, 404, 404),
    "signin:start": (404, 404, 404, 404, 404, 404),
    # Staff without an authenticator app are sent from "Enter your code" to set one up.
    "signin:factor_off": (302, 403, 405, 405, 405, 405),
    "signin:factor_recovery_codes": (302, 403, 405, 405, 405, 405),
    "signin:factor_replace": (302, 403, 405, 405, 405, 405),
    "signin:factor_reset": (302, 403, 403, 403, 403, 405),
    "signin:factor_setup": (302, 403, 200, 200, 200, 200),
    "signin:factor_verify": (302, 403, 302, 302, 302, 302),
    "signin:group_claim_delete": (302, 403, 403, 403, 403, 405),
    "signin:group_claims": (302, 403, 403, 403, 403, 200),
    "signin:sign_ins": (302, 403, 403, 403, 403, 200),
}


def _names(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and entry.name not in SKIPPED:
            yield f"{namespace}{entry.name}", entry


ADDRESSES = dict(_names(get_resolver()))


@pytest.fixture
def world(settings, tmp_path, roles, admin_user, manager, tutor, outsider, web_user, learner) -> dict[str, Any]:
    """One of everything an address can name, and the personas."""
    settings.VAR_DIR = tmp_path  # the judgement's attached file
    configure("https://bksb.example.test/", key="k", secret="s")
    run = Run.objects.create(kind=Run.Kind.GET_RESULTS, status=Run.Status.SUCCEEDED)
    learner_run = Run.objects.create(kind=Run.Kind.BKSB_RESULTS, status=Run.Status.SUCCEEDED, started_by=tutor)
    RunLearner.objects.create(run=learner_run, learner=learner)
    match_job = Job.objects.create(kind="bksb_match", status=Job.Status.SUCCEEDED, started_by=admin_user)
    evidence_job = Job.objects.create(kind="bksb_evidence_packs", status=Job.Status.SUCCEEDED, started_by=admin_user)
    sample_job = Job.objects.create(kind="bksb_audit_sample", status=Job.Status.SUCCEEDED, started_by=admin_user)
    export_job = Job.objects.create(kind="privacy_subject_access", status=Job.Status.SUCCEEDED, started_by=admin_user)
    suggestion = MatchSuggestion.objects.create(
        job=match_job, learner=learner, username="amira.khan", bksb_user_id=7, reason="first.last", strength="strong"
    )
    objects = {
        "pk": learner.pk,
        "run_id": run.pk,
        "job_id": match_job.pk,
        "suggestion_id": suggestion.pk,
        "level_mapping": LevelMapping.objects.create(text="Entry Level 1 (test)", level="entry_1").pk,
        "subject_mapping": SubjectMapping.objects.create(course_subject="TESTMATHS", subject="maths").pk,
        "tag_rule": TagRule.objects.create(name="Maths support", subject="maths", levels=["entry_1"]).pk,
        "evidence_job": evidence_job.pk,
        "sample_job": sample_job.pk,
        "subject_access_job": export_job.pk,
        "learner_run": learner_run.pk,
        "session_pk": AssessmentSession.objects.create(
            learner=learner,
            bksb_user_id=7,
            course_subject="MATHS_NEW",
            session_id=90001,
            assessment_type=1,
            first_seen_at=timezone.now(),
            last_seen_at=timezone.now(),
        ).pk,
        "tutor": tutor.pk,
        "group_claim": GroupClaimMapping.objects.create(claim_value="grp-test", group=roles["Tutors"]).pk,
        "judgement_id": judgement_record(
            learner=learner,
            subject="maths",
            level="entry_3",
            reason="Worked examples in class",
            recorded_by=tutor,
            upload=SimpleUploadedFile("work.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
        ).pk,
    }
    users = {"learner": web_user.user, "outsider": outsider, "tutor": tutor, "manager": manager, "admin": admin_user}
    return {"objects": objects, "users": users}


def _name(row: str) -> str:
    return row.split(" (")[0]


def _address(name: str, objects: dict[str, Any]) -> str:
    if name in VARIANTS:
        return reverse(_name(name), kwargs={key: objects.get(value, value) for key, value in VARIANTS[name].items()})
    pattern = ADDRESSES[name].pattern
    keys = list(pattern.regex.groupindex)
    if not keys:
        return reverse(name)
    first, *others = keys
    values = {first: objects[OBJECT_OF[name]] if name in OBJECT_OF else objects[first]}
    return reverse(name, kwargs=values | {key: objects[key] for key in others})


def _codes(name: str, world: dict[str, Any]) -> tuple[int, ...]:
    address = _address(name, world["objects"])
    codes = []
    for persona in PERSONAS:
        client = Client()
        if persona != "anonymous":
            client.force_login(world["users"][persona])
        codes.append(client.get(address).status_code)
    return tuple(codes)


def test_every_address_has_a_row():
    assert set(ADDRESSES) - {_name(row) for row in EXPECTED} == set()
    assert {_name(row) for row in EXPECTED} - set(ADDRESSES) == set()
    assert {row for row in EXPECTED if row != _name(row)} == set(VARIANTS)


def test_each_persona_gets_what_the_table_says(world):
    found = {name: _codes(name, world) for name in sorted(EXPECTED)}
    differences = {name: (found[name], EXPECTED.get(name)) for name in found if found[name] != EXPECTED.get(name)}
    assert differences == {}
