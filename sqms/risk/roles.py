"""The risk app's permissions per role (merged by sqms.core.roles.role_permissions)."""

_READ = [
    "risk.view_risk",
    "risk.view_riskmatrix",
    "risk.view_riskcontrol",
    "risk.view_riskacceptance",
    "risk.view_riskreview",
    "risk.view_montecarlorun",
]
_WORK = [
    *_READ,
    "risk.add_risk",
    "risk.change_risk",
    "risk.add_montecarlorun",
    "risk.export_risk",
]
_CONFIGURE = [
    "risk.view_riskmatrix",
    "risk.add_riskmatrix",
    "risk.change_riskmatrix",
    "risk.delete_riskmatrix",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "quality_manager": [*_WORK, *_CONFIGURE, "risk.approve_riskacceptance"],
    "unit_manager": [*_READ, "risk.add_risk", "risk.change_risk", "risk.approve_riskacceptance"],
    "emergency_officer": [*_READ, "risk.add_risk", "risk.change_risk"],
    "auditor": [*_READ, "risk.export_risk"],
    "admin": [*_READ, *_CONFIGURE],
}
