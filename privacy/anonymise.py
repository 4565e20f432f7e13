"""Anonymising records: what identifies a person is cleared or deleted, what reports count is kept.

Chosen so that every count stays: the record's row stays with its kind, statuses, dates, provision type and
prior-attainment flags (the list's filters and Reports count them), and so do the tables derived from results
that Reports count (levels by subject, tags, the assessment status) and the ILR learning aims. The date of birth
becomes the last day of the person's school year of birth (31 August): every age the product counts is an age on
31 August (funding flags), so those counts stay, and the day no longer points at a person. What names the
person goes: names, email, ULN, the BKSB User tick and username, the reference (ANON-<id>),
the web user (its account deleted, with its sign-ins), and every other row of any table holding the record
(results, sessions and their skills, the bksb link, creation requests, invites, match suggestions, the watch
list), with the history rows that kept earlier values. A table added later with a key to Learner is deleted
too unless it is named in KEPT: the safe way round.

All of it in bulk, a few queries per table whatever the number of records, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection
from typing import Any

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from simple_history.models import HistoricalChanges
from simple_history.utils import get_history_manager_for_model

from bksb_integration.decisions.judgement_files import judgement_file_remove
from bksb_integration.models import BksbLink, Judgement, LearnerLevel, RunLearner, UserCreationRequest, UsernameProbe
from bksb_integration.models.decisions import AppendOnlyQuerySet
from jobs.models import JobItem
from learners.models import Learner, WebUser
from learners.search_text import search_text_refresh
from privacy.export_files import subject_access_zips_remove
from privacy.models import AnonymisedRecord, PrivacyEvent
from signin.models import SignInEvent

ANONYMOUS_PREFIX = "ANON-"
# Tables with a key to Learner whose rows stay (counted by reports, or the record of this app's own work).
KEPT = frozenset(
    {
        "learners.LearningAim",
        "bksb_integration.LearnerLevel",
        "bksb_integration.LearnerTag",
        "bksb_integration.AssessmentProgress",
        "bksb_integration.EvidencePack",
        "bksb_integration.RunLearner",
        "privacy.AuditHold",
        "privacy.AnonymisedRecord",
    }
)
# Handled first, by name: the web user goes with its account.
OWN_STEPS = frozenset({"learners.WebUser"})
CLEARED = {
    "first_name": "Anonymised",
    "last_name": "record",
    "email": "",
    "uln": "",
    "bksb_user": False,
    "bksb_username": "",
}


def learner_key_fields() -> list[models.ForeignKey[Learner, Learner]]:
    """Every key to Learner in any installed table (history tables included), found through the models' meta."""
    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.related_model is Learner
    ]


def learners_anonymise(*, learner_ids: Collection[int], event: PrivacyEvent) -> Counter[str]:
    """Anonymise these records (none held, none already anonymous: the callers' selectors say so).

    Returns the rows deleted or cleared by table, and "records": how many were anonymised.
    """
    ids = sorted(set(learner_ids))
    done: Counter[str] = Counter()
    if not ids:
        return done
    _usernames_forget(ids, done)
    _web_users_delete(ids, done)
    _job_items_rename(ids)
    # This app's own trail, and Django's admin log, name the record by its new reference from now on.
    PrivacyEvent.objects.filter(record_id__in=ids).update(record_label=_anonymous_ref("record_id"))
    admin_log_of(ids).update(object_repr=_anonymous_ref("object_id"))
    _judgement_files_remove(ids)
    _keyed_rows_delete(ids, done)
    done["bksb_integration.LearnerLevel"] += LearnerLevel.objects.filter(learner_id__in=ids).update(
        bksb_user_id=None, latest_assessment_name=""
    )
    # A download's error may quote the username: the run keeps its counts, not the words.
    done["bksb_integration.RunLearner"] += (
        RunLearner.objects.filter(learner_id__in=ids).exclude(error="").update(error="")
    )
    done["learners.HistoricalLearner"] += (
        get_history_manager_for_model(Learner).model._default_manager.filter(id__in=ids).delete()[0]
    )
    _record_clear(ids)
    now = timezone.now()
    AnonymisedRecord.objects.bulk_create([AnonymisedRecord(learner_id=pk, at=now, event=event) for pk in ids])
    subject_access_zips_remove(learner_ids=ids)
    done["records"] = len(ids)
    return done


def _judgement_files_remove(ids: list[int]) -> None:
    """The files attached to the records' professional judgements (kept under VAR_DIR/judgements)."""
    for token in (
        Judgement.objects.filter(learner_id__in=ids).exclude(file_token="").values_list("file_token", flat=True)
    ):
        judgement_file_remove(token)


def _keyed_rows_delete(ids: list[int], done: Counter[str]) -> None:
    """Every table's rows keyed to the records, but those KEPT: deleted, or (a nullable key) let go of."""
    # History tables last: deleting a live row writes a history row of its deletion, which must go too.
    for field in sorted(learner_key_fields(), key=lambda f: issubclass(f.model, HistoricalChanges)):
        label = field.model._meta.label
        if label in KEPT or label in OWN_STEPS:
            continue
        rows = field.model._default_manager.filter(**{f"{field.name}__in": ids})
        # A history table's key is nullable, but its rows hold the old values: they go, whatever the key says.
        if field.null and not issubclass(field.model, HistoricalChanges):
            done[label] += rows.update(**{field.name: None})
        else:
            done[label] += _rows_delete(rows)


def admin_log_of(ids: Collection[int]) -> models.QuerySet[LogEntry]:
    """Django's admin log entries about these records (their object_repr names the person)."""
    learner_type = ContentType.objects.get_for_model(Learner)
    return LogEntry.objects.filter(content_type=learner_type, object_id__in=[str(pk) for pk in ids])


def _rows_delete(rows: models.QuerySet[Any]) -> int:
    """Delete the rows; a table with history and nothing hanging off it in one statement, without signals:
    its history rows are deleted just after, so the "deleted" row each would write (a query apiece) goes too."""
    if isinstance(rows, AppendOnlyQuerySet):  # decisions and judgements: never deleted but with their record
        return rows.erase()
    model = rows.model
    history = getattr(model._meta, "simple_history_manager_attribute", None)
    dependents = [rel for rel in model._meta.related_objects if rel.on_delete is not models.DO_NOTHING]
    if history and not dependents:
        return rows._raw_delete(rows.db)
    deleted: int = rows.delete()[1].get(model._meta.label, 0)
    return deleted


def school_year_of_birth_end(born: dt.date) -> dt.date:
    """31 August ending the school year (1 September to 31 August) the person was born in."""
    return dt.date(born.year + (1 if born.month >= 9 else 0), 8, 31)


def _anonymous_ref(id_field: str) -> Concat:
    """ANON-<id>, in SQL."""
    return Concat(Value(ANONYMOUS_PREFIX), Cast(id_field, CharField()), output_field=CharField())


def _record_clear(ids: list[int]) -> None:
    Learner.objects.filter(pk__in=ids).update(learner_ref=_anonymous_ref("pk"), updated_at=timezone.now(), **CLEARED)
    by_school_year: defaultdict[dt.date, list[int]] = defaultdict(list)
    born = Learner.objects.filter(pk__in=ids, date_of_birth__isnull=False).values_list("pk", "date_of_birth")
    for pk, day in born:
        by_school_year[school_year_of_birth_end(day)].append(pk)
    for day, pks in by_school_year.items():  # one update per school year of birth, a few dozen at most
        Learner.objects.filter(pk__in=pks).update(date_of_birth=day)
    search_text_refresh(learner_ids=ids)


def _usernames_forget(ids: list[int], done: Counter[str]) -> None:
    """bksb's cached answers about these records' usernames (a table keyed by username, not by record)."""
    names = set(Learner.objects.filter(pk__in=ids).exclude(bksb_username="").values_list("bksb_username", flat=True))
    names |= set(BksbLink.objects.filter(learner_id__in=ids).values_list("resolved_username", flat=True))
    names |= set(UserCreationRequest.objects.filter(learner_id__in=ids).values_list("username", flat=True))
    names.discard("")
    if names:
        done["bksb_integration.UsernameProbe"] += UsernameProbe.objects.filter(username__in=names).delete()[0]


def _web_users_delete(ids: list[int], done: Counter[str]) -> None:
    """The records' web users: their accounts deleted (the web user row with them), and their sign-ins."""
    accounts = User.objects.filter(pk__in=WebUser.objects.filter(learner_id__in=ids).values("user_id"))
    usernames = list(accounts.values_list("username", flat=True))
    if not usernames:
        return
    done["signin.SignInEvent"] += SignInEvent.objects.filter(username__in=usernames).delete()[0]
    done["signin.SignInEvent"] += SignInEvent.objects.filter(user__in=accounts).delete()[0]
    deleted = accounts.delete()[1]
    done["learners.WebUser"] += deleted.get("learners.WebUser", 0)
    done["auth.User"] += deleted.get("auth.User", 0)


def _job_items_rename(ids: list[int]) -> None:
    """Job items naming these records by reference (evidence packs, bksb users created) name the new one."""
    ref_now = Learner.objects.filter(pk=OuterRef("subject_id")).values("learner_ref")[:1]
    JobItem.objects.filter(subject_id__in=ids, subject=Subquery(ref_now)).update(subject=_anonymous_ref("subject_id"))
