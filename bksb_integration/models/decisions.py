"""English and maths decisions and professional judgements: records that are added, never edited or deleted.

`bksb_em_decision` holds each dated decision about a learner's English or maths
(mandatory, opted in, opted out, exempt, withdrawn); a mistaken one is superseded
by a new row that names it and says why. `bksb_judgement` holds a tutor's
professional judgement of a level beside the bksb result (the newest counts); it
never touches a stored result. Both refuse change at the model layer: saving an
existing row, deleting a row, and a queryset's update or delete raise
RecordIsAppendOnly. Only the learner's own record going takes them with it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from bksb_integration.models.mappings import Level, Subject
from learners.models import Learner

EM_SUBJECT_CHOICES = [
    (Subject.ENGLISH.value, Subject.ENGLISH.label),
    (Subject.MATHS.value, Subject.MATHS.label),
]
JUDGED_SUBJECT_CHOICES = [
    *EM_SUBJECT_CHOICES,
    (Subject.ICT.value, Subject.ICT.label),
    (Subject.ESOL.value, Subject.ESOL.label),
]


class RecordIsAppendOnly(Exception):
    """A decision or judgement was about to be changed or deleted: add a new one instead."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise RecordIsAppendOnly(f"{self.model._meta.verbose_name_plural} are never changed: add a new entry.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RecordIsAppendOnly(f"{self.model._meta.verbose_name_plural} are never deleted: add a new entry.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise RecordIsAppendOnly(f"{self.model._meta.verbose_name_plural} are never changed: add a new entry.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise RecordIsAppendOnly(f"{self.model._meta.verbose_name_plural} are never changed: add a new entry.")

    def erase(self) -> int:
        """Delete these entries as part of erasing their record (privacy/anonymise.py: past its retention period,
        or on request): the one way an entry goes while the record itself stays. How many went."""
        deleted: int = models.QuerySet.delete(self)[1].get(self.model._meta.label, 0)
        return deleted


class AppendOnly(models.Model):
    """A row written once: save() of an existing row and delete() raise."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RecordIsAppendOnly(f"This {self._meta.verbose_name} is never changed: add a new entry.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RecordIsAppendOnly(f"This {self._meta.verbose_name} is never deleted: add a new entry.")


class DecisionKind(models.TextChoices):
    MANDATORY = "mandatory", "Mandatory (16 to 18)"
    OPTED_IN = "opted_in", "Opted in"
    OPTED_OUT = "opted_out", "Opted out"
    EXEMPT = "exempt", "Exempt"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ExemptionEvidence(models.TextChoices):
    """The evidence of prior attainment auditors accept (a screenshot of a results portal is not one)."""

    CERTIFICATE = "certificate", "Certificate"
    AWARDING_ORGANISATION = "awarding_organisation", "Awarding organisation confirmation"
    PLR = "plr", "Personal Learning Record report"
    SCHOOL_REPORT = "school_report", "School's authenticated report"


class Decision(AppendOnly):
    """One dated decision about a learner's English or maths, as discussed with them."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="em_decisions")
    subject = models.CharField(max_length=10, choices=EM_SUBJECT_CHOICES)
    kind = models.CharField(max_length=12, choices=DecisionKind.choices)
    evidence = models.CharField(
        "exemption evidence", max_length=24, choices=ExemptionEvidence.choices, blank=True, default=""
    )
    last_learning_date = models.DateField("last day of learning", null=True, blank=True)
    decided_on = models.DateField("decision date")
    discussed_by = models.CharField("discussed with the learner by", max_length=150)
    plan_resigned_on = models.DateField("training plan re-signed on", null=True, blank=True)
    note = models.TextField(blank=True, default="")
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="superseded_by"
    )
    supersede_reason = models.TextField("why the earlier entry was wrong", blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "bksb_em_decision"
        verbose_name = "English and maths decision"
        ordering = ["learner_id", "subject", "-decided_on", "-id"]
        indexes = [models.Index(fields=["learner", "subject", "-decided_on"], name="bksb_em_decision_latest")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="exempt") & ~models.Q(evidence=""))
                | (~models.Q(kind="exempt") & models.Q(evidence="")),
                name="bksb_em_decision_evidence_iff_exempt",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="withdrawn") & models.Q(last_learning_date__isnull=False))
                | (~models.Q(kind="withdrawn") & models.Q(last_learning_date__isnull=True)),
                name="bksb_em_decision_last_day_iff_withdrawn",
            ),
            models.CheckConstraint(
                condition=models.Q(supersedes__isnull=True) | ~models.Q(supersede_reason=""),
                name="bksb_em_decision_supersede_says_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.subject}: {self.get_kind_display()} on {self.decided_on}"


class Judgement(AppendOnly):
    """A tutor's professional judgement of a learner's level in a subject, beside the bksb result (newest counts)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="bksb_judgements")
    subject = models.CharField(max_length=10, choices=JUDGED_SUBJECT_CHOICES)
    level = models.CharField(max_length=20, choices=Level.choices)
    reason = models.TextField()
    # The attached file, kept privately under VAR_DIR/judgements by its token (decisions/judgement_files.py).
    file_token = models.CharField(max_length=40, blank=True, default="")
    file_name = models.CharField("attached file", max_length=200, blank=True, default="")
    file_type = models.CharField(max_length=100, blank=True, default="")
    file_size = models.PositiveIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "bksb_judgement"
        verbose_name = "professional judgement"
        ordering = ["learner_id", "subject", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["learner", "subject", "-recorded_at"], name="bksb_judgement_latest")]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.subject}: judgement {self.get_level_display()}"
