"""Professional judgement beside the result, never over it: recorded with a reason and a private file, newest
counts, never edited, and the stored bksb results and the levels summary are the same before and after."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse

from bksb_integration.audit import judgement_entries
from bksb_integration.decisions.judgement_files import MAX_BYTES, judgement_file_path
from bksb_integration.decisions.judgements import judgement_record, latest_judgements
from bksb_integration.evidence.pack import evidence_content
from bksb_integration.models import Judgement, LearnerLevel, RecordIsAppendOnly
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.4 tutor's notes"


def _judge(learner, level="level_1", **extra):
    return judgement_record(
        learner=learner, subject="maths", level=level, reason="Class work at level 1", recorded_by=None, **extra
    )


def test_a_judgement_never_changes_a_stored_result_or_the_levels_summary(learner):
    store(learner, item(1, "Maths Entry 2", when=WHEN), item(2, "Maths Entry 3", when=WHEN, kind="diagnostic"))
    before = evidence_content(learner=learner, made_by=None)
    summary_before = [model_to_dict(row) for row in LearnerLevel.objects.filter(learner=learner)]

    _judge(learner, "level_2", upload=SimpleUploadedFile("notes.pdf", PDF))

    after = evidence_content(learner=learner, made_by=None)
    assert after.fingerprint == before.fingerprint
    assert [model_to_dict(row) for row in LearnerLevel.objects.filter(learner=learner)] == summary_before
    assert LearnerLevel.objects.get(learner=learner, subject="maths").latest_level == "entry_3"


def test_the_newest_judgement_counts_and_none_is_edited_or_deleted(learner):
    first = _judge(learner, "entry_3")
    newest = _judge(learner, "level_1")

    assert latest_judgements([learner.pk]) == {(learner.pk, "maths"): newest}
    first.level = "level_2"
    with pytest.raises(RecordIsAppendOnly):
        first.save()
    with pytest.raises(RecordIsAppendOnly):
        first.delete()
    with pytest.raises(RecordIsAppendOnly):
        Judgement.objects.all().update(level="level_3")
    with pytest.raises(RecordIsAppendOnly):
        Judgement.objects.all().delete()
    assert [entry.action for entry in judgement_entries()] == ["Maths judgement added"] * 2


def test_the_attached_file_is_kept_privately_and_read_back_by_those_who_see_the_record(client, tutor, learner):
    judgement = _judge(learner, upload=SimpleUploadedFile("notes.pdf", PDF))

    path = judgement_file_path(judgement.file_token)
    assert path is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    client.force_login(tutor)
    download = client.get(reverse("bksb:judgement_file", args=[learner.pk, judgement.pk]))
    assert b"".join(download.streaming_content) == PDF
    assert 'attachment; filename="notes.pdf"' in download["Content-Disposition"]
    other = LearnerFactory()
    assert client.get(reverse("bksb:judgement_file", args=[other.pk, judgement.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.exe", b"MZ", "cannot be attached"),
        ("notes.pdf", b"not a pdf at all", "is not the PDF file its name says it is"),
        ("big.pdf", b"%PDF-" + b"0" * MAX_BYTES, "a file may be at most 5 MB"),
        ("empty.png", b"", "is empty"),
    ],
)
def test_a_file_not_accepted_is_refused_clearly_and_nothing_is_recorded(learner, settings, name, content, says):
    with pytest.raises(ValidationError) as refused:
        _judge(learner, upload=SimpleUploadedFile(name, content))

    assert says in " ".join(refused.value.message_dict["attachment"])
    assert not Judgement.objects.exists()
    assert not list(settings.VAR_DIR.glob("judgements/*"))  # no file kept either


def test_the_tab_shows_the_judgement_beside_the_bksb_level_marked_judgement(client, tutor, learner):
    store(learner, item(1, "Maths Entry 2", when=WHEN))
    client.force_login(tutor)
    page = client.post(
        reverse("bksb:judgement_add", args=[learner.pk]),
        {
            "subject": "maths",
            "level": "level_1",
            "reason": "Class work",
            "attachment": SimpleUploadedFile("a.pdf", PDF),
        },
    )
    assert page.status_code == 302

    tab = client.get(reverse("bksb:tab", args=[learner.pk]))
    [maths] = [(row, judged) for row, judged in tab.context["summary"] if row.subject == "maths"]
    assert maths[0].latest.level_label == "Entry 2"
    assert maths[1].get_level_display() == "Level 1"
    assert "Judgement" in tab.content.decode()
