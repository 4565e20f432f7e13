"""LOG_FORMAT=json: one JSON object a line, carrying the run and learner ids, and never a secret."""

from __future__ import annotations

import base64
import io
import json
import logging

import pytest
from django.contrib.auth.models import AnonymousUser

from bksb_integration.models import Run
from bksb_integration.sync.runs import bksb_results_start
from ops.logs import ContextFilter, JsonFormatter, log_context
from tests.fakes import KEY, SECRET
from tests.processes import python_run
from tests.support import linked_learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """Everything logged, at every level, as the JSON console handler prints it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.sandbox(switched_on=True)
def test_a_downloads_lines_carry_its_run_and_learner_and_no_secret(
    sandbox, json_log, django_capture_on_commit_callbacks
):
    learner = linked_learner("demo.learner0001")
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = bksb_results_start(learner=learner, started_by=AnonymousUser())
    assert Run.objects.get(pk=run.pk).status == Run.Status.SUCCEEDED

    text = json_log.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    requests = [line for line in lines if line["logger"] == "bksb_integration.api.client"]
    assert requests, "each bksb request is logged at DEBUG"
    assert all(line["run_id"] == run.pk and line["learner_id"] == learner.pk for line in requests)
    assert {"time", "level", "logger", "message"} <= set(requests[0])
    assert SECRET not in text
    assert base64.b64encode(f"{KEY}:{SECRET}".encode()).decode() not in text


def test_lines_outside_any_run_carry_no_ids(json_log):
    logging.getLogger("bksbmis.test").warning("nothing in particular")
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert line["message"] == "nothing in particular"
    assert "run_id" not in line
    assert "learner_id" not in line


def test_the_ids_are_those_of_the_work_in_hand(json_log):
    with log_context(run_id=4):
        with log_context(learner_id=11):
            logging.getLogger("bksbmis.test").info("inner")
        logging.getLogger("bksbmis.test").info("outer")
    inner, outer = (json.loads(line) for line in json_log.getvalue().splitlines()[-2:])
    assert (inner["run_id"], inner["learner_id"]) == (4, 11)
    assert outer["run_id"] == 4
    assert "learner_id" not in outer


def test_a_record_s_arguments_and_extras_stay_out_of_the_line(json_log):
    logging.getLogger("bksbmis.test").info("connecting", extra={"password": SECRET})
    assert SECRET not in json_log.getvalue()


def test_log_format_json_switches_the_console_to_json_lines():
    code = (
        "import logging\n"
        "from ops.logs import log_context\n"
        "with log_context(run_id=7, learner_id=9):\n"
        "    logging.getLogger('bksb_integration.sync.download').warning('download of learner %s failed', 9)"
    )
    done = python_run(code, LOG_FORMAT="json")
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["message"] == "download of learner 9 failed"
    assert (line["run_id"], line["learner_id"], line["level"]) == (7, 9, "WARNING")
