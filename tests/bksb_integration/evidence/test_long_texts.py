"""bksb's answers are untrusted and of any length: a pack still renders, with each long text whole in its appendix."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bksb_integration.evidence.pack import evidence_content
from bksb_integration.evidence.pdf import evidence_pdf
from bksb_integration.models import AssessmentSession, EvidencePack, SkillResult
from tests.bksb_integration.levels.levels_support import USER, item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def text_of(pdf: bytes) -> str:
    """The pack's text without whitespace (cells wrap anywhere) or page footers (a text may run over pages)."""
    reader = PdfReader(io.BytesIO(pdf))
    lines = [line for page in reader.pages for line in (page.extract_text() or "").splitlines()]
    return "".join("".join(line.split()) for line in lines if " · page " not in line)


def squeezed(text: str) -> str:
    return "".join(text.split())


def long_words(count: int, word: str) -> str:
    return " ".join(f"{word}{n}" for n in range(count))


def test_a_2000_character_assessment_name_gets_its_pack_from_the_tab(client, admin_user):
    learner = LearnerFactory(learner_ref="LONG1", bksb_user=True, bksb_username="long.one")
    name = long_words(250, "Assessment")[:2000]
    assert len(name) == 2000
    store(learner, item(101, "Maths Entry 3", when=SEP, assessment_id=5001, name=name))
    client.force_login(admin_user)

    response = client.post(reverse("bksb:evidence_pack", args=[learner.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "continuedintheappendix,A1" in text
    assert "Appendix:textstoolongfortheirtablecell,infull" in text
    # The whole name is in the pack (the appendix), not only its first part.
    assert squeezed(name) in text
    assert EvidencePack.objects.filter(learner=learner).count() == 1


def test_every_long_text_of_a_result_and_a_skill_renders_whole_even_without_spaces():
    learner = LearnerFactory(learner_ref="LONG2", last_name="N" * 100, email="long2@example.ac.uk")
    unbroken = "R" * 5000
    name = "X" * 2500
    store(learner, item(101, unbroken, when=SEP, assessment_id=5001, name=name))
    store(learner, item(102, "Entry 2", when=SEP, kind="diagnostic", score=12.0, assessment_id=6001, name=name))
    session = AssessmentSession.objects.create(
        learner=learner,
        bksb_user_id=USER,
        course_subject="MATHS_NEW",
        subject="maths",
        session_id=101,
        assessment_type=1,
        started_at=SEP,
        completed_at=SEP,
        first_seen_at=SEP,
        last_seen_at=SEP,
    )
    SkillResult.objects.create(
        session=session,
        component_name=long_words(400, "Component"),
        ability_measurement="M" * 1500,
        level="entry_3",
        level_rank=4,
        measured_at=SEP,
        first_seen_at=SEP,
    )

    pdf = evidence_pdf(evidence_content(learner=learner, made_by=None))

    text = text_of(pdf)
    assert unbroken in text
    assert squeezed(long_words(400, "Component")) in text
    assert "M" * 1500 in text
    assert "N" * 100 in text
    # The initial result's name and text, the diagnostic's name, the skill's two texts: each has its note.
    assert "continuedintheappendix,A5" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 2
