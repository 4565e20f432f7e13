"""Where each record is in its initial assessments: the stored summary (`bksb_assessment_status`).

One row per record that has any fact to go on (a link, a bksb user created here, an
invite, a session or an initial result): each subject's step and its date, the dates
of the steps before it, and the stage the two subjects make together. A record with no
row has no bksb user in either subject. The row is written as if the record were a BKSB
User; readers apply the record's BKSB User tick (induction/status_read.py), so ticking or
unticking it, from any path, never leaves the row wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.dispatch import Signal

from learners.models import Learner

# Sent, inside the transaction that wrote them, when facts the status rests on changed for these records
# (learner_ids, now). The parts that write facts (accounts, sync, creation) sit below the induction feature
# that keeps the summary, so they say so here; induction/status_store.py answers in the same transaction.
assessment_facts_changed = Signal()


def assessment_status_stale(*, learner_ids: Iterable[int], now: dt.datetime | None = None) -> None:
    """These records' facts changed: their stored status is worked out again, in the caller's transaction."""
    assessment_facts_changed.send(sender=AssessmentProgress, learner_ids=list(learner_ids), now=now)


class Step(models.IntegerChoices):
    """One subject's step, in order."""

    NO_USER = 0, "No bksb user"
    # Created here, or linked (by an import, matching or Apply): either way the record has a bksb user.
    CREATED = 1, "Has a bksb user"
    INVITED = 2, "Invited"
    STARTED = 3, "Started"
    FINISHED = 4, "Finished"
    RESULTS_IN = 5, "Results in"


class Stage(models.TextChoices):
    """A record's two subjects together: the Induction board's columns, in order."""

    NO_USER = "no_bksb_user", "No bksb user"
    CREATED = "not_invited", "Has a bksb user, not invited"
    INVITED = "invited", "Invited, not started"
    IN_PROGRESS = "in_progress", "In progress"
    FINISHED = "finished_no_result", "Finished, no result yet"
    RESULTS_IN = "results_in", "Results in"


def _step(*, db_comment: str) -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(choices=Step.choices, default=Step.NO_USER, db_comment=db_comment)


def _date(*, db_comment: str) -> models.DateTimeField[dt.datetime | None, dt.datetime | None]:
    return models.DateTimeField(null=True, blank=True, db_comment=db_comment)


class AssessmentProgress(models.Model):
    """A record's initial-assessment status per subject, kept in the transaction of each fact it rests on."""

    learner = models.OneToOneField(
        Learner,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="bksb_progress",
        db_comment="The learner or applicant (learners_learner.id); one row each.",
    )
    stage = models.CharField(
        max_length=20,
        choices=Stage.choices,
        default=Stage.NO_USER,
        db_comment="The two subjects together, as the Induction board's columns and the list's filter name them.",
    )
    account_created_at = _date(db_comment="When its bksb user was created here, or first linked.")
    invited_at = _date(db_comment="When the latest invite was sent from here; empty when none was.")
    english_step = _step(
        db_comment=(
            "English's step: 0 no bksb user, 1 account created, 2 invited, 3 started, 4 finished, 5 results in."
        )
    )
    english_step_at = _date(db_comment="When English reached that step.")
    english_started_at = _date(db_comment="When the latest English initial assessment session started.")
    english_finished_at = _date(db_comment="When it finished (or, without a session, the result's date).")
    english_results_in_at = _date(db_comment="When its English initial assessment result was first downloaded.")
    maths_step = _step(db_comment="Maths's step, as English's.")
    maths_step_at = _date(db_comment="When maths reached that step.")
    maths_started_at = _date(db_comment="When the latest maths initial assessment session started.")
    maths_finished_at = _date(db_comment="When it finished (or, without a session, the result's date).")
    maths_results_in_at = _date(db_comment="When its maths initial assessment result was first downloaded.")
    computed_at = models.DateTimeField(db_comment="When the row was last worked out.")

    class Meta:
        db_table_comment = (
            "One row per record with any fact to go on (a link, a bksb user created here, an "
            "invite, a session or an initial result): where it is in its English and maths initial "
            "assessments, worked out in the same transaction as each of those facts "
            "(bksb_rebuild_status works out all). Worked out as if the record were a BKSB User: "
            "unticked, a record with no session or result has no bksb user. No row: no bksb user."
        )
        db_table = "bksb_assessment_status"
        verbose_name_plural = "assessment progress"
        # The list's stage filter and the board's counts read (stage, learner) only.
        indexes = [models.Index(fields=["stage", "learner"], name="bksb_assessment_stage")]

    def __str__(self) -> str:
        return f"{self.learner_id}: {self.get_stage_display()}"
