"""More records than a zip from the list may hold: the command line writes them all, privately."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest
from django.core.management import call_command

from bksb_integration.models import EvidencePack
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def test_the_command_packs_past_the_lists_cap_into_a_private_zip(settings, tmp_path):
    settings.EVIDENCE_ZIP_MAX_RECORDS = 1
    learners = [LearnerFactory(learner_ref=f"C{n}", last_name="Cohort") for n in range(3)]
    LearnerFactory(learner_ref="OTHER", last_name="Elsewhere")
    target = tmp_path / "out" / "packs.zip"
    target.parent.mkdir()
    out = io.StringIO()

    call_command("bksb_evidence_packs", str(target), "--filter", "q=Cohort", stdout=out)

    assert f"3 of 3 evidence packs written to {target}." in out.getvalue()
    names = sorted(zipfile.ZipFile(target).namelist())
    assert names == [f"evidence-pack-C{n}-{learners[n].pk}.pdf" for n in range(3)]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not list(target.parent.glob("*.part"))
    assert EvidencePack.objects.filter(made_by=None, in_bulk=True).count() == 3
