"""Learner records: learners and applicants, and their web (Hub) accounts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat, Lower
from simple_history.models import HistoricalRecords


class Kind(models.TextChoices):
    LEARNER = "learner", "Learner"
    APPLICANT = "applicant", "Applicant"


class SystemStatus(models.TextChoices):
    LIVE = "live", "Live"
    ARCHIVED = "archived", "Archived"


class LearningStatus(models.TextChoices):
    IN_LEARNING = "in_learning", "In Learning"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    BREAK_IN_LEARNING = "break_in_learning", "Break in Learning"
    TRANSFERRED = "transferred", "Transferred"


class Learner(models.Model):
    """A person on the provider's books: a learner, or an applicant before enrolment.

    Applicants are the same model with kind=applicant, so everything bksb does
    (linking, downloads, user creation) serves both alike. The BKSB User and
    BKSB Username fields mirror the MIS fields of the same names; the resolved
    bksb user id and download state live in bksb_integration.
    """

    learner_ref = models.CharField("learner reference", max_length=30, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LEARNER)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    system_status = models.CharField(max_length=10, choices=SystemStatus.choices, default=SystemStatus.LIVE)
    learning_status = models.CharField(
        max_length=20, choices=LearningStatus.choices, default=LearningStatus.IN_LEARNING
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    bksb_user = models.BooleanField("BKSB User", default=False)
    bksb_username = models.CharField("BKSB Username", max_length=150, blank=True)
    # Lower-cased reference, names, email and usernames: see search_text_for below.
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "search_text"])

    class Meta:
        ordering = ["last_name", "first_name", "learner_ref"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "learner_ref"], name="learner_name_order"),
            models.Index(fields=["email"], name="learner_email"),
            models.Index(fields=["system_status", "learning_status"], name="learner_statuses"),
            models.Index(fields=["kind"], name="learner_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.learner_ref})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        web_user = WebUser.objects.filter(learner_id=self.pk).select_related("user").first() if self.pk else None
        self.search_text = search_text_for(learner=self, web_username=web_user.username if web_user else "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_applicant(self) -> bool:
        return self.kind == Kind.APPLICANT


class WebUser(models.Model):
    """A learner's web (portal) account, used to log in to the learner Hub.

    It wraps a Django user with no staff rights. bksb_updated is when this
    learner's bksb results were last downloaded (Maytas's BKSBUPDATED):
    null means "never", so the next download reads everything.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_user")
    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, related_name="web_user")
    bksb_updated = models.DateTimeField("BKSB updated", null=True, blank=True)

    class Meta:
        verbose_name = "web user"

    def __str__(self) -> str:
        return self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        search_text_refresh(learner_ids=[self.learner_id])

    @property
    def username(self) -> str:
        return self.user.get_username()


# -- The search column -------------------------------------------------------------------------------------
# Search matches words anywhere in a learner's reference, names, email, BKSB Username and web username. Those
# live in two tables, so each learner keeps a lower-cased copy of them in search_text, which PostgreSQL indexes
# with trigrams (migration 0002): a search of 50,000 learners reads the index, not every row. Every write of
# those fields keeps it (Learner.save, WebUser.save; bulk writers call search_text_refresh).

SEARCHED_FIELDS = ("learner_ref", "first_name", "last_name", "email", "bksb_username")


def search_text_for(*, learner: Learner, web_username: str = "") -> str:
    parts = [getattr(learner, field) or "" for field in SEARCHED_FIELDS] + [web_username]
    return " ".join(parts).lower()


def search_text_refresh(*, learner_ids: Iterable[int] | None = None) -> int:
    """Recompute search_text in one UPDATE, for the given learners or all of them."""
    web_username = WebUser.objects.filter(learner_id=OuterRef("pk")).values("user__username")[:1]
    pieces: list[Any] = []
    for field in SEARCHED_FIELDS:
        pieces += [Coalesce(field, Value(""), output_field=TextField()), Value(" ")]
    pieces.append(Coalesce(Subquery(web_username), Value(""), output_field=TextField()))
    qs = Learner.objects.all()
    if learner_ids is not None:
        qs = qs.filter(pk__in=list(learner_ids))
    return qs.update(search_text=Lower(Concat(*pieces, output_field=TextField())))


class ListPreference(models.Model):
    """A staff user's choice of the learner list's columns.

    `columns` maps a column's key to shown (true) or hidden (false), only for the columns the person
    changed: any other column, one added later among them, shows as it does by default.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_list_preference"
    )
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "learner list preference"

    def __str__(self) -> str:
        return f"Learner list columns of user {self.user_id}"
