"""What each role may do in emergency response (merged by sqms.core.roles)."""

_VIEW = [
    "emergency.view_emergencyplan",
    "emergency.view_planversion",
    "emergency.view_incident",
    "emergency.view_drill",
    "emergency.view_drillprogramme",
    "emergency.view_criticalservice",
]
_REPORT = [*_VIEW, "emergency.add_incident"]
_RUN = [
    *_REPORT,
    "emergency.change_incident",
    "emergency.add_emergencyplan",
    "emergency.change_emergencyplan",
    "emergency.delete_emergencyplan",
    "emergency.approve_planversion",
    "emergency.add_drill",
    "emergency.change_drill",
    "emergency.add_drillprogramme",
    "emergency.change_drillprogramme",
    "emergency.delete_drillprogramme",
    "emergency.add_criticalservice",
    "emergency.change_criticalservice",
    "emergency.delete_criticalservice",
    # To link the tickets an incident affects.
    "servicedesk.view_ticket",
    "servicedesk.view_category",
]

ROLE_PERMISSIONS = {
    "emergency_officer": _RUN,
    "agent": _REPORT,
    "unit_manager": _REPORT,
    "quality_manager": _REPORT,
    "quality_inspector": _VIEW,
    "auditor": _VIEW,
    "admin": _VIEW,
}
