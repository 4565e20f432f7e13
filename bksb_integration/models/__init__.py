"""bksb_integration's tables. Every table name starts with bksb_ (see BKSB Tables)."""

from bksb_integration.models.config import BksbSettings
from bksb_integration.models.levels import (  # Levels at a glance (issue 14)
    UNMAPPED_SUBJECT,
    EvidencePack,
    LearnerLevel,
    LearnerTag,
    ResultList,
    TagRule,
)
from bksb_integration.models.links import BksbLink
from bksb_integration.models.mappings import Level, LevelMapping, Subject, SubjectMapping
from bksb_integration.models.results import DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_integration.models.runs import Run, RunLearner
from bksb_integration.models.users import Invite, UserCreationRequest

__all__ = [
    "UNMAPPED_SUBJECT",
    "BksbLink",
    "BksbSettings",
    "DiagnosticAssessmentResult",
    "EvidencePack",
    "InitialAssessmentResult",
    "Invite",
    "LearnerLevel",
    "LearnerTag",
    "Level",
    "LevelMapping",
    "ResultList",
    "Run",
    "RunLearner",
    "Subject",
    "SubjectMapping",
    "TagRule",
    "UserCreationRequest",
]
