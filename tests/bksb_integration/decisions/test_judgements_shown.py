"""A judgement shows wherever the bksb level does, marked as a judgement: the learner list's Judgements column
(offered by the column chooser), the cohort Reports (counted instead of the bksb results when chosen, and saying
so), and the evidence pack."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from bksb_integration.decisions.judgements import judged_level_counts, judgement_record
from bksb_integration.decisions.record import decision_record
from bksb_integration.evidence.pack import evidence_content
from bksb_integration.evidence.pdf import evidence_pdf
from learners.models import Learner
from tests.bksb_integration.evidence.test_evidence_pack import text_of
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)


def _judge(learner, subject, level, reason="Class work"):
    return judgement_record(learner=learner, subject=subject, level=level, reason=reason, recorded_by=None)


def test_the_column_chooser_offers_judgements_and_the_list_shows_them_marked(client, tutor, learner):
    _judge(learner, "maths", "entry_3")
    _judge(learner, "maths", "level_1")  # the newest counts
    _judge(learner, "english", "level_2")
    client.force_login(tutor)

    page = client.get(reverse("learners:list")).content.decode()
    assert 'value="bksb_judgements"' in page  # offered, not shown until chosen
    assert "<th>Judgements</th>" not in page

    client.post(reverse("learners:columns"), {"column": ["bksb_judgements"]})
    page = client.get(reverse("learners:list")).content.decode()
    assert "<th>Judgements</th>" in page
    assert 'English Level 2<span class="visually-hidden"> (judgement)</span>' in page
    assert 'Maths Level 1<span class="visually-hidden"> (judgement)</span>' in page
    assert "Maths Entry 3" not in page
    export = client.get(reverse("learners:export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0]["Judgements"] == "English: Level 2 (judgement); Maths: Level 1 (judgement)"


def test_reports_count_bksb_results_or_judgements_and_say_which(client, tutor, learner):
    other = LearnerFactory()
    store(learner, item(1, "Maths Entry 2", when=WHEN))
    store(other, item(2, "Maths Entry 2", when=WHEN), user_id=2100009)
    _judge(learner, "maths", "level_1")
    client.force_login(tutor)

    bksb = client.get(reverse("bksb:reports"))
    assert "Latest levels counted from: <strong>bksb results</strong>" in bksb.content.decode()
    [maths] = [t for t in bksb.context["report"].levels if t.subject == "maths"]
    assert {t.key: t.learners for t in maths.tallies if t.learners} == {"entry_2": 2}

    judged = client.get(reverse("bksb:reports"), {"counted": "judgement"})
    assert "Latest levels counted from: <strong>tutors' judgements</strong>" in judged.content.decode()
    [maths] = [t for t in judged.context["report"].levels if t.subject == "maths"]
    assert {t.label: t.learners for t in maths.tallies if t.learners} == {"Level 1": 1, "No judgement recorded": 1}
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("bksb:reports_csv"), {"counted": "judgement"}).content.decode()))
    )
    assert ["Latest levels: tutors' judgements", "Maths", "Level 1", "1", "50.0"] in rows


def test_judged_levels_are_counted_in_one_query_whatever_the_cohort(django_assert_num_queries):
    for n in range(5):
        _judge(LearnerFactory(), "maths", "entry_3" if n % 2 else "level_1")
    with django_assert_num_queries(1):
        counts = judged_level_counts(learners=Learner.objects.all(), subjects=["english", "maths"])
    assert counts["maths"] == {"level_1": 3, "entry_3": 2}
    assert counts["english"] == {"": 5}


def test_the_evidence_pack_shows_the_decisions_and_judgements_marked_as_such(learner):
    store(learner, item(1, "Maths Entry 2", when=WHEN))
    decision_record(
        learner=learner, subject="maths", kind="opted_out", decided_on=dt.date(2025, 9, 2), discussed_by="Jo Tutor",
        recorded_by=None,
    )  # fmt: skip
    _judge(learner, "maths", "level_1", reason="Worked at level 1 in class")

    content = evidence_content(learner=learner, made_by=None)
    assert [d.get_kind_display() for d in content.decisions] == ["Opted out"]
    assert [(j.get_level_display(), j.reason) for j in content.judgements] == [
        ("Level 1", "Worked at level 1 in class")
    ]
    text = text_of(evidence_pdf(content))
    assert "Judgement: Level 1" in text
    assert "Opted out on 2 Sep 2025" in text
    assert "Worked at level 1 in class" in text
