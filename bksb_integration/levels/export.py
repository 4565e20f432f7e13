"""The levels summary per record, with its tags and funding flags (each with the facts it rests on, its rule and
source), as CSV rows or JSON objects. The export is for those who run the command, so it carries every fact.

Each subject also has its distance travelled (levels/distance.py): the first initial
assessment's level, the movement to the latest diagnostic or reassessment (up, same,
down, not_reassessed) and the number of levels moved.

One pass over the records in reference order, a chunk at a time: a constant
number of queries per chunk (records, summaries, distances, tags, aims), so memory and queries
do not grow with the number of records. Every record is included (a record with
no results still has its "no initial assessment" flags).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from bksb_integration.decisions.record import latest_decisions
from bksb_integration.levels.distance import Distance, distances_for
from bksb_integration.levels.funding import Decisions, Thresholds, decisions_by_subject, decisions_of
from bksb_integration.levels.learner_facts import aims_for
from bksb_integration.levels.queries import levels_for, tags_for
from bksb_integration.models import LearnerLevel, LearnerTag, Subject
from learners.models import Learner

CHUNK = 2000
SUBJECTS = (Subject.ENGLISH, Subject.MATHS, Subject.ICT, Subject.ESOL)
PER_SUBJECT = (
    "latest_level",
    "latest_date",
    "highest_level",
    "initial_latest_level",
    "initial_latest_date",
    "diagnostic_level",
    "diagnostic_score",
    "has_unmapped",
)
# Distance travelled, per subject (after the columns the export had before, so existing readers keep their places).
DISTANCE = ("first_initial_level", "distance", "distance_steps")
HEADER = [
    "learner_ref",
    "first_name",
    "last_name",
    "kind",
    "start_date",
    "bksb_user_id",
    *(f"{subject.value}_{name}" for subject in SUBJECTS for name in PER_SUBJECT),
    "has_unmapped",
    "tags",
    "flags",
    *(f"{subject.value}_{name}" for subject in SUBJECTS for name in DISTANCE),
]


def _iso(value: object) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _records() -> Iterator[list[Learner]]:
    learners = Learner.objects.order_by("learner_ref").only(
        "pk", "learner_ref", "first_name", "last_name", "kind", "start_date",
        # What the funding flags read beside the assessment.
        "date_of_birth", "gcse_english_grade", "gcse_maths_grade", "provision_type", "attainment_source",
        "attainment_as_of",
    )  # fmt: skip
    last = ""
    while True:
        chunk = list(learners.filter(learner_ref__gt=last)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].learner_ref


def level_records(thresholds: Thresholds | None = None) -> Iterator[dict[str, Any]]:
    """One object per record: its subjects' summaries, tags and flags."""
    thresholds = thresholds or Thresholds.load()
    for chunk in _records():
        ids = [learner.pk for learner in chunk]
        levels, tags, aims = levels_for(ids), tags_for(ids), aims_for(ids)
        latest, distances = latest_decisions(ids), distances_for(ids)
        for learner in chunk:
            mine = levels.get(learner.pk, {})
            em = decisions_by_subject(latest, learner.pk)
            decisions = decisions_of(learner, mine, thresholds, aims.get(learner.pk, []), em)
            yield _record(learner, mine, tags.get(learner.pk, []), decisions, distances.get(learner.pk, {}))


def _record(
    learner: Learner,
    levels: dict[str, LearnerLevel],
    tags: list[LearnerTag],
    decisions: Decisions,
    distances: dict[str, Distance],
) -> dict[str, Any]:
    user_ids = {row.bksb_user_id for row in levels.values() if row.bksb_user_id}
    return {
        "learner_ref": learner.learner_ref,
        "first_name": learner.first_name,
        "last_name": learner.last_name,
        "kind": learner.kind,
        "start_date": _iso(learner.start_date),
        "bksb_user_id": min(user_ids) if user_ids else None,
        "subjects": {
            subject: {name: _iso(getattr(row, name)) for name in PER_SUBJECT} for subject, row in sorted(levels.items())
        },
        "has_unmapped": any(row.has_unmapped for row in levels.values()),
        "tags": [{"tag": tag.tag, "level": tag.level, "session_id": tag.session_id} for tag in tags],
        "flags": [
            {
                "code": raised.flag.code,
                "label": raised.label,
                "rests_on": raised.rests_on,
                "facts": [{"name": fact.name, "value": fact.value} for fact in raised.facts],
                "rule": raised.flag.rule,
                "source": raised.flag.source,
                "session_id": raised.session_id,
                "assessment_id": raised.assessment_id,
            }
            for raised in decisions.raised
        ],
        "flags_withheld": decisions.withheld,
        "distance": {
            subject: {
                "first_initial_level": distance.first_level,
                "latest_level": distance.latest_level,
                "distance": distance.movement,
                "distance_steps": distance.steps,
            }
            for subject, distance in sorted(distances.items())
        },
    }


def level_rows(thresholds: Thresholds | None = None) -> Iterator[list[Any]]:
    """The header, then one CSV row per record (tags and flag codes joined with "; ")."""
    yield HEADER
    for record in level_records(thresholds):
        cells: list[Any] = [record[name] for name in HEADER[:6]]
        for subject in SUBJECTS:
            values = record["subjects"].get(subject.value, {})
            cells += [values.get(name, "") for name in PER_SUBJECT]
        cells += [
            record["has_unmapped"],
            "; ".join(tag["tag"] for tag in record["tags"]),
            "; ".join(flag["code"] for flag in record["flags"]),
        ]
        for subject in SUBJECTS:
            moved = record["distance"].get(subject.value, {})
            cells += [moved.get(name, "") for name in DISTANCE]
        yield ["" if cell is None else cell for cell in cells]
