"""What each role may do with the analyses (merged by sqms.core.roles)."""

READ = [
    "analysis.view_hotspotreport",
    "analysis.view_segmentationrun",
    "analysis.view_associationrun",
    "analysis.view_forecastrun",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "quality_manager": [*READ, "analysis.recompute_analysis"],
    # Unit managers read the results of their own units (the scope rule does the rest).
    "unit_manager": READ,
    "auditor": READ,
}
