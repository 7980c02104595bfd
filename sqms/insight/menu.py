"""The insight app's entries in the main menu."""

from django.utils.translation import gettext_lazy

from sqms.insight.roles import VIEW_MODELS, VIEW_OUTCOMES


def register_navigation() -> None:
    """Called from InsightConfig.ready."""
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="insight_models",
            label=gettext_lazy("Text models"),
            url_name="insight_models",
            icon="cpu",
            description=gettext_lazy(
                "Classifiers that suggest problem type and priority at intake: versions, "
                "held-out accuracy and macro-F1, retraining."
            ),
            permission=VIEW_MODELS,
            order=550,
        ),
        navigation.NavItem(
            key="insight_accuracy",
            label=gettext_lazy("Suggestion accuracy"),
            url_name="insight_accuracy",
            icon="bullseye",
            description=gettext_lazy(
                "How often agents kept the suggested problem type, by week and model version."
            ),
            permission=VIEW_OUTCOMES,
            order=551,
        ),
    )
