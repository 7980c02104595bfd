"""Models of the staff app, re-exported by aggregate."""

from sqms.staff.models.archive import Competency, CompetencyRating, StaffProfile
from sqms.staff.models.certifications import Certification, CertificationType
from sqms.staff.models.exams import Attempt, AttemptQuestion, Exam, Question
from sqms.staff.models.performance import (
    COMPONENTS,
    RewardPenalty,
    Scorecard,
    ScorecardWeights,
)
from sqms.staff.models.training import Course, Enrolment, PlanItem, TrainingPlan, TrainingSession

__all__ = [
    "COMPONENTS",
    "Attempt",
    "AttemptQuestion",
    "Certification",
    "CertificationType",
    "Competency",
    "CompetencyRating",
    "Course",
    "Enrolment",
    "Exam",
    "PlanItem",
    "Question",
    "RewardPenalty",
    "Scorecard",
    "ScorecardWeights",
    "StaffProfile",
    "TrainingPlan",
    "TrainingSession",
]
