"""What each role may do with suggestions and text models (merged by sqms.core.roles)."""

USE = "insight.use_suggestions"
VIEW_MODELS = "insight.view_textmodel"
TRAIN = "insight.train_textmodel"
VIEW_OUTCOMES = "insight.view_suggestionoutcome"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "agent": [USE],
    "unit_manager": [USE, VIEW_OUTCOMES],
    "quality_manager": [USE, VIEW_MODELS, TRAIN, VIEW_OUTCOMES],
    "quality_inspector": [USE, VIEW_MODELS, VIEW_OUTCOMES],
    "trainer": [],
    "emergency_officer": [USE],
    "auditor": [VIEW_MODELS, VIEW_OUTCOMES],
    "admin": [USE, VIEW_MODELS, TRAIN, VIEW_OUTCOMES],
}
