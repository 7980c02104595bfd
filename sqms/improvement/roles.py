"""What each role may do with improvement actions (merged by sqms.core.roles)."""

VIEW = ["improvement.view_improvementaction"]
WORK = [*VIEW, "improvement.add_improvementaction", "improvement.change_improvementaction"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Owners of actions are often front-line staff: they see their unit's actions and report
    # progress on the ones they own.
    "agent": VIEW,
    "unit_manager": WORK,
    "quality_manager": [*WORK, "improvement.export_improvementaction"],
    "quality_inspector": [*VIEW, "improvement.add_improvementaction"],
    "emergency_officer": [*VIEW, "improvement.add_improvementaction"],
    "trainer": VIEW,
    "auditor": [*VIEW, "improvement.export_improvementaction"],
    "admin": VIEW,
}
