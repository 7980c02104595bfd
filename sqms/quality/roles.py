"""What each role may do in the quality app (merged by sqms.core.roles)."""

_READ = [
    "quality.view_indicator",
    "quality.view_target",
    "quality.view_alert",
    "quality.view_alertrule",
    "quality.view_evaluationreport",
]
_MANAGE = [
    *_READ,
    "quality.change_indicator",
    "quality.add_target",
    "quality.add_alertrule",
    "quality.change_alertrule",
    "quality.delete_alertrule",
    "quality.handle_alert",
    "quality.add_evaluationreport",
]

ROLE_PERMISSIONS = {
    "quality_manager": _MANAGE,
    "unit_manager": [*_READ, "quality.handle_alert", "quality.add_evaluationreport"],
    "quality_inspector": ["quality.view_indicator", "quality.view_target"],
    "auditor": _READ,
    "admin": _MANAGE,
}
