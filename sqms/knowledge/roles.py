"""What each role may do with knowledge articles (merged by sqms.core.roles)."""

VIEW = ["knowledge.view_article"]
WRITE = [*VIEW, "knowledge.add_article"]
REVIEW = [*WRITE, "knowledge.change_article", "knowledge.publish_article"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Front-line staff read published articles and propose drafts (also from their tickets).
    "agent": WRITE,
    "quality_inspector": WRITE,
    "emergency_officer": WRITE,
    # Managers review and publish the articles of their units.
    "unit_manager": REVIEW,
    "quality_manager": REVIEW,
    "trainer": VIEW,
    "auditor": VIEW,
    "admin": VIEW,
}
