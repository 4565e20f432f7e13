"""Plain helpers the tests share: the integration's settings, linked learners, stored results,
and learners CSV files. Fixtures live in the conftest.py files; fakes of bksb in tests.fakes."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from bksb_integration.accounts.linking import last_download_time, link_for
from bksb_integration.api.client import BksbClient
from bksb_integration.levels.summary import levels_refresh
from bksb_integration.matching.match_job import FOUND, KIND, NONE
from bksb_integration.models import (
    BksbLink,
    BksbSettings,
    DiagnosticAssessmentResult,
    InitialAssessmentResult,
    LevelMapping,
    MatchSuggestion,
    Run,
    RunLearner,
    SubjectMapping,
)
from bksb_integration.models.mappings import LEVEL_RANK
from bksb_integration.sync.download import SUCCEEDED, DownloadFailed, DownloadResult, run_learners_download
from bksb_integration.sync.results_store import UpsertCounts
from bksb_integration.sync.runs import bksb_results_start
from bksb_sandbox.server import SandboxServer
from jobs.models import Job, JobItem
from learners.importing import COLUMNS
from learners.models import Learner
from signin.policy import second_factor_mandatory
from tests.factories import LearnerFactory, WebUserFactory
from tests.fakes import KEY, PASSWORD, SECRET, URL

MULTI_PAGE_USER = "demo.learner0012"  # 25-60 results in each list
BST_USER = "demo.learner0072"  # multi-page, and id divisible by 13: a result at 2025-10-26 01:30 UK time
BKSB_SITE = "https://college.bksblive2.co.uk/"  # the provider's bksb site, for the Hub's BKSB button


# -- the integration's settings ----------------------------------------------------------------


def configure(
    url: str = URL, *, key: str = KEY, secret: str = SECRET, enabled: bool = True, **fields: Any
) -> BksbSettings:
    """Switch the integration on against `url` with keys both fakes accept; `fields` win.

    The default password is set, and the request budget is generous so no test waits on it.
    """
    settings = BksbSettings.load()
    settings.integration_enabled = enabled
    settings.api_url = url
    settings.access_key_id = key
    settings.secret_access_key = secret
    settings.default_password = PASSWORD
    settings.requests_per_second = 200.0
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def mappings_seed() -> None:
    """The level and subject rows migrations 0002 and 0011 seed (a transactional test flushes them)."""
    seeded = importlib.import_module("bksb_integration.migrations.0002_seed_mappings")
    for code, subject in seeded.SUBJECTS.items():
        SubjectMapping.objects.get_or_create(course_subject=code, defaults={"subject": subject})
    for text, match, level in seeded.LEVELS:
        LevelMapping.objects.get_or_create(text=text, match=match, defaults={"level": level})
    importlib.import_module("bksb_integration.migrations.0011_esol_subject").forwards(django_apps, None)


# -- learners linked to bksb users -----------------------------------------------------------


def linked_learner(username: str, *, web_user: bool = True, **fields: object) -> Learner:
    """A BKSB User whose username in effect is `username` (through a web user, or typed)."""
    if web_user:
        learner_fields = {f"learner__{name}": value for name, value in fields.items()}
        return WebUserFactory(user__username=username, learner__bksb_user=True, **learner_fields).learner
    return LearnerFactory(bksb_user=True, bksb_username=username, **fields)


def linked_learners(numbers: range | list[int], **fields: Any) -> list[Learner]:
    """BKSB Users named demo.learnerNNNN, whom the sandbox knows."""
    return [
        LearnerFactory(bksb_user=True, bksb_username=f"demo.learner{n:04d}", first_name=f"Demo{n}", **fields)
        for n in numbers
    ]


def last_download(learner: Learner) -> dt.datetime | None:
    learner = Learner.objects.select_related("web_user").get(pk=learner.pk)
    return last_download_time(learner, link_for(learner))


# -- results, in bksb and stored -------------------------------------------------------------


def remote_counts(server: SandboxServer, username: str) -> dict[str, int]:
    """How many results of each kind the sandbox holds for a username."""
    user = server.store.user_by_name(username)
    return {kind: len(server.store.results(user, kind)) for kind in ("initial", "diagnostic")}


def expected_results(server: SandboxServer, learner: Learner) -> tuple[int, int]:
    """(initial, diagnostic) results bksb holds for the learner's bksb user."""
    counts = remote_counts(server, learner.bksb_username)
    return counts["initial"], counts["diagnostic"]


def stored(learner: Learner) -> dict[tuple[str, int, int, int], tuple[object, ...]]:
    """Every stored result of a learner, keyed by identity, with what a download may change."""
    rows = {}
    for kind, model in (("initial", InitialAssessmentResult), ("diagnostic", DiagnosticAssessmentResult)):
        for row in model.objects.filter(learner=learner):
            key = (kind, row.bksb_user_id, row.session_id, row.assessment_id)
            rows[key] = (row.pk, row.result, row.result_date, row.last_changed_at, row.level)
    return rows


def stored_results(learner: Learner) -> tuple[int, int]:
    """(initial, diagnostic) results stored for the learner."""
    return (
        InitialAssessmentResult.objects.filter(learner=learner).count(),
        DiagnosticAssessmentResult.objects.filter(learner=learner).count(),
    )


def add_result(learner, *, kind: str = "initial", when: dt.datetime | None = None, **fields: Any):
    """Store one downloaded result for a learner, as a download would.

    A download links the learner to the bksb user first: a learner with no
    link yet is linked to the result's bksb user; an existing link is kept.
    """
    model = InitialAssessmentResult if kind == "initial" else DiagnosticAssessmentResult
    now = timezone.now()
    level = fields.pop("level", "entry_3")
    values: dict[str, Any] = {
        "bksb_user_id": 2100001,
        "session_id": model.objects.count() + 1000,
        "assessment_id": 50000,
        "course_subject": "MATHS_NEW",
        "assessment_name": "Maths Initial Assessment",
        "result": "Maths Entry 3",
        "subject": "maths",
        "level": level,
        "level_rank": LEVEL_RANK.get(level) if level else None,
        "result_date": when or now,
        "first_seen_at": now,
        "last_changed_at": now,
        **fields,
    }
    BksbLink.objects.get_or_create(learner=learner, defaults={"bksb_user_id": values["bksb_user_id"]})
    return model.objects.create(learner=learner, **values)


def add_result_summarised(learner, **fields: Any):
    """add_result, then the learner's levels summary kept as a download keeps it (the Hub and lists read it)."""
    stored = add_result(learner, **fields)
    levels_refresh(learner_ids=[learner.pk], reason="test")
    return stored


# -- learners CSV files, for the import ------------------------------------------------------


def row(ref: str = "L000001", **values: str) -> dict[str, str]:
    """One learner as a CSV row for the import command, by column name; `values` win."""
    base = {
        "learner_ref": ref,
        "kind": "learner",
        "first_name": "Amira",
        "last_name": "Khan",
        "email": f"{ref.lower()}@example.ac.uk",
        "date_of_birth": "2004-05-17",
        "system_status": "live",
        "learning_status": "in_learning",
        "start_date": "2025-09-01",
        "end_date": "",
        "web_username": "",
        "bksb_user": "no",
        "bksb_username": "",
    }
    return base | values


def csv_file(tmp_path: Path, rows: list[dict[str, str]], *, header: list[str] | None = None, **options) -> Path:
    """A learners CSV file of `rows`; `encoding` and `eol` options change how it is written."""
    path = tmp_path / "learners.csv"
    with path.open("w", newline="", encoding=options.get("encoding", "utf-8")) as handle:
        writer = csv.DictWriter(handle, fieldnames=header or list(COLUMNS), lineterminator=options.get("eol", "\n"))
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(path: Path, *args: str) -> tuple[str, str]:
    """Run the import_learners command on a file: (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_learners", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def line(ref: str, first_name: str = "Amira", **values: str) -> str:
    """One learner as a line of an uploaded CSV file, with labels as staff type them."""
    row = {
        "learner_ref": ref, "kind": "Learner", "first_name": first_name, "last_name": "Khan",
        "email": f"{ref.lower()}@example.ac.uk", "date_of_birth": "2004-05-17", "system_status": "Live",
        "learning_status": "In Learning", "start_date": "2025-09-01", "end_date": "", "web_username": "",
        "bksb_user": "no", "bksb_username": "",
    }  # fmt: skip
    return ",".join((row | values)[name] for name in COLUMNS)


def upload(*lines: str, name: str = "learners.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    """An uploaded learners CSV file: the header, then `lines`."""
    text = "\n".join([",".join(COLUMNS), *lines]) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def looked_for_in_bksb(*learners: Learner, found: dict[int, tuple[str, int]] | None = None) -> Job:
    """A finished matching run that checked these records: nothing found, or for a learner id in `found`
    the (username, bksb user id) it suggested. Returns the run (a Job)."""

    found = found or {}
    run = Job.objects.create(
        kind=KIND, status=Job.Status.SUCCEEDED, total=len(learners), done=len(learners), finished_at=timezone.now()
    )
    for position, learner in enumerate(learners):
        hit = found.get(learner.pk)
        outcome = FOUND if hit else NONE
        JobItem.objects.create(
            job=run, position=position, subject_id=learner.pk, subject=learner.learner_ref, outcome=outcome, ok=True
        )
        if hit:
            MatchSuggestion.objects.create(
                job=run, learner=learner, username=hit[0], bksb_user_id=hit[1], reason="first.last", strength="possible"
            )
    return run


def learner_download(*, learner: Learner, client: BksbClient, with_sessions: bool = False) -> DownloadResult:
    """One learner's download now, in this process, with the test's own client, as a BKSB Results run.

    Raises DownloadFailed with the message staff would see.
    """
    run, _ = bksb_results_start(
        learner=learner, started_by=None, trigger=Run.Trigger.COMMAND, queue=False, with_sessions=with_sessions
    )
    part = RunLearner.objects.get(run=run, learner=learner)
    outcome = run_learners_download(run_id=run.pk, run_learner_ids=[part.pk], client=client)[part.pk]
    part.refresh_from_db()
    if outcome != SUCCEEDED:
        raise DownloadFailed(part.error or "Another download of this learner is running.")
    counts = UpsertCounts(part.results_created, part.results_updated, part.results_unchanged)
    run.refresh_from_db()
    return DownloadResult(counts, run)


def second_factor_mark_passed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A user_logged_in receiver for tests: an account that must use a second factor counts as having used it.

    Its session is marked verified with a confirmed recovery-code device named "Test fixture",
    exactly as django-otp marks a session after a right code.
    """
    if not second_factor_mandatory(user) or not hasattr(request, "session"):
        return
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Test fixture", defaults={"confirmed": True})
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
