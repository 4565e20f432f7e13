"""A record with a row in every table that can hold one, and the tests' own way to find those rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from bksb_integration.decisions.judgements import judgement_record
from bksb_integration.decisions.record import decision_record
from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import (
    AssessmentProgress,
    AssessmentSession,
    EvidencePack,
    Invite,
    LearnerTag,
    MatchSuggestion,
    Run,
    RunLearner,
    SkillResult,
    TagRule,
    UserCreationRequest,
    UsernameProbe,
    WatchEntry,
)
from jobs.models import Job
from learners.models import Learner, LearningAim
from signin.models import SignInEvent, SignInMethod
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory, UserFactory, WebUserFactory
from tests.support import mappings_seed

_numbers = iter(range(1, 10_000))


def learner_with_everything(**fields: Any) -> Learner:
    """A record with rows in every table keyed to Learner (and those hanging off them), as real use leaves."""
    mappings_seed()
    n = next(_numbers)
    learner = LearnerFactory(bksb_user=True, bksb_username=f"person{n}.bksb", uln=f"99{n:08d}", **fields)
    web = WebUserFactory(learner=learner, user__username=f"web{n}")
    SignInEvent.objects.create(user=web.user, username=web.user.username, method=SignInMethod.PASSWORD)
    when = timezone.now() - dt.timedelta(days=30)
    user_id = 3_000_000 + n
    store(
        learner,
        item(9000 + n * 10, "Maths Entry 3", when=when, assessment_id=70000 + n),
        item(9001 + n * 10, "Maths Entry 2", when=when, kind="diagnostic", score=40.0, assessment_id=80000 + n),
        user_id=user_id,
    )
    levels_refresh(learner_ids=[learner.pk], reason="test")
    session = AssessmentSession.objects.create(
        learner=learner,
        bksb_user_id=user_id,
        course_subject="MATHS_NEW",
        session_id=9000 + n * 10,
        assessment_type=1,
        started_at=when,
        completed_at=when,
        first_seen_at=when,
        last_seen_at=when,
        raw={"SessionId": 9000 + n * 10},
    )
    SkillResult.objects.create(session=session, component_name="Fractions", first_seen_at=when, raw={"a": 1})
    rule, _ = TagRule.objects.get_or_create(name="Maths support", subject="maths", defaults={"levels": ["entry_3"]})
    LearnerTag.objects.get_or_create(
        learner=learner,
        rule=rule,
        defaults={
            "tag": rule.name,
            "subject": "maths",
            "level": "entry_3",
            "session_id": 9000 + n * 10,
            "assessment_id": 70000 + n,
            "result_date": when,
            "assigned_at": when,
        },
    )
    AssessmentProgress.objects.update_or_create(learner=learner, defaults={"computed_at": when})
    EvidencePack.objects.create(learner=learner, made_at=when, fingerprint="0" * 64, result_count=2)
    UserCreationRequest.objects.create(
        learner=learner, username=learner.bksb_username, email=learner.email, status="created"
    )
    Invite.objects.create(learner=learner, email=learner.email, username=learner.bksb_username)
    WatchEntry.objects.create(learner=learner, reason="created", since=when)
    UsernameProbe.objects.create(username=learner.bksb_username, bksb_user_id=user_id, probed_at=when)
    run = Run.objects.create(kind=Run.Kind.BKSB_RESULTS, status=Run.Status.SUCCEEDED)
    RunLearner.objects.create(run=run, learner=learner, error=f"{learner.bksb_username} was slow")
    job = Job.objects.create(kind="bksb_match", status=Job.Status.SUCCEEDED)
    other = LearnerFactory()
    MatchSuggestion.objects.create(
        job=job,
        learner=learner,
        username=learner.bksb_username,
        bksb_user_id=user_id,
        reason="first.last",
        strength="strong",
    )
    MatchSuggestion.objects.create(
        job=job,
        learner=other,
        username="someone.else",
        bksb_user_id=user_id,
        reason="dob",
        strength="possible",
        held_by=learner,
    )
    LearningAim.objects.create(
        learner=learner,
        aim_seq_number=1,
        learn_aim_ref="60189139",
        aim_type=3,
        fund_model=25,
        start_date=dt.date(2025, 9, 1),
        planned_end_date=dt.date(2026, 6, 30),
        comp_status=1,
    )
    first = decision_record(
        learner=learner, subject="maths", kind="opted_in", decided_on=dt.date(2025, 9, 1),
        discussed_by="Jo Tutor", recorded_by=None, note="Wants to reach level 2.",
    )  # fmt: skip
    decision_record(
        learner=learner, subject="maths", kind="opted_out", decided_on=dt.date(2025, 9, 2),
        discussed_by="Jo Tutor", recorded_by=None, supersedes=first.pk, supersede_reason="Wrong kind recorded.",
    )  # fmt: skip
    upload = SimpleUploadedFile("note.pdf", b"%PDF-1.4 judgement", content_type="application/pdf")
    judgement_record(
        learner=learner, subject="maths", level="level_1", reason="Worked at level 1 in class.",
        recorded_by=None, upload=upload,
    )  # fmt: skip
    LogEntry.objects.create(
        user=UserFactory(username=f"editor{n}"),
        content_type=ContentType.objects.get_for_model(Learner),
        object_id=str(learner.pk),
        object_repr=str(learner),
        action_flag=CHANGE,
        change_message="Changed email.",
    )
    learner.refresh_from_db()
    return learner


def learner_keys() -> list[models.ForeignKey[Any, Any]]:
    """Every key to Learner in any installed table, found through the models' meta (the tests' own query)."""
    return [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey) and field.related_model is Learner
    ]


def rows_about(learner: Learner) -> dict[str, set[Any]]:
    """The primary keys of every row keyed to the record, by table label."""
    found: dict[str, set[Any]] = {}
    for field in learner_keys():
        rows = field.model._default_manager.filter(**{field.name: learner.pk}).values_list("pk", flat=True)
        found.setdefault(field.model._meta.label, set()).update(rows)
    return found


def snapshot(learner: Learner) -> dict[str, list[dict[str, Any]]]:
    """Every value of every row keyed to the record, and of the record itself: to show nothing changed."""
    learner_row = Learner.objects.filter(pk=learner.pk).values()
    tables = {"learners.Learner": [{k: v for k, v in row.items() if k != "updated_at"} for row in learner_row]}
    for field in learner_keys():
        rows = field.model._default_manager.filter(**{field.name: learner.pk}).order_by("pk").values()
        tables[f"{field.model._meta.label}.{field.name}"] = list(rows)
    tables["bksb_integration.SkillResult"] = list(
        SkillResult.objects.filter(session__learner=learner).order_by("pk").values()
    )
    return tables
