"""Models of emergency response; re-exported here."""

from sqms.emergency.models.drills import Drill, DrillProgramme
from sqms.emergency.models.incidents import (
    Incident,
    IncidentEvent,
    IncidentNotice,
    IncidentReview,
    IncidentRole,
    IncidentTask,
    IncidentTicketLink,
    ReviewAction,
)
from sqms.emergency.models.plans import CriticalService, EmergencyPlan, PlanVersion

__all__ = [
    "CriticalService",
    "Drill",
    "DrillProgramme",
    "EmergencyPlan",
    "Incident",
    "IncidentEvent",
    "IncidentNotice",
    "IncidentReview",
    "IncidentRole",
    "IncidentTask",
    "IncidentTicketLink",
    "PlanVersion",
    "ReviewAction",
]
