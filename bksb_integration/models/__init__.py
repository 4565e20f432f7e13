"""bksb_integration's tables. Every table name starts with bksb_ (see BKSB Tables)."""

from bksb_integration.models.config import BksbSettings

# English and maths decisions and professional judgements (issue 21): added, never edited or deleted.
from bksb_integration.models.decisions import (
    Decision,
    DecisionKind,
    ExemptionEvidence,
    Judgement,
    RecordIsAppendOnly,
)

# The stored initial-assessment status (issue 19).
from bksb_integration.models.induction import AssessmentProgress, Stage, Step
from bksb_integration.models.levels import (  # Levels at a glance
    UNMAPPED_SUBJECT,
    EvidencePack,
    LearnerLevel,
    LearnerTag,
    ResultList,
    TagRule,
)

# The unmatched report and relinking after bksb merges users.
from bksb_integration.models.links import BksbLink, Unmatched
from bksb_integration.models.mappings import Level, LevelMapping, Subject, SubjectMapping
from bksb_integration.models.matching import MatchSuggestion, UsernameProbe  # matching
from bksb_integration.models.results import DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_integration.models.runs import Run, RunLearner

# Assessment sessions, per-skill results and the watch list.
from bksb_integration.models.sessions import AssessmentSession, SkillResult, WatchEntry
from bksb_integration.models.users import Invite, UserCreationRequest

__all__ = [
    "UNMAPPED_SUBJECT",
    "AssessmentProgress",
    "AssessmentSession",
    "BksbLink",
    "BksbSettings",
    "Decision",
    "DecisionKind",
    "DiagnosticAssessmentResult",
    "EvidencePack",
    "ExemptionEvidence",
    "InitialAssessmentResult",
    "Invite",
    "Judgement",
    "LearnerLevel",
    "LearnerTag",
    "Level",
    "LevelMapping",
    "MatchSuggestion",
    "RecordIsAppendOnly",
    "ResultList",
    "Run",
    "RunLearner",
    "SkillResult",
    "Stage",
    "Step",
    "Subject",
    "SubjectMapping",
    "TagRule",
    "Unmatched",
    "UserCreationRequest",
    "UsernameProbe",
    "WatchEntry",
]
