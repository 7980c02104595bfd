"""Models of the inspections app."""

from sqms.inspections.models.checklists import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    ChecklistVersion,
)
from sqms.inspections.models.inspections import (
    Finding,
    Inspection,
    InspectionPhoto,
    InspectionScore,
)
from sqms.inspections.models.reviews import (
    ReviewScore,
    SampleDraw,
    SamplingPlan,
    TicketReview,
)

__all__ = [
    "ChecklistItem",
    "ChecklistSection",
    "ChecklistTemplate",
    "ChecklistVersion",
    "Finding",
    "Inspection",
    "InspectionPhoto",
    "InspectionScore",
    "ReviewScore",
    "SampleDraw",
    "SamplingPlan",
    "TicketReview",
]
