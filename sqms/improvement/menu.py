"""The improvement app's entries in the main menu."""

from django.utils.translation import gettext_lazy

VIEW = "improvement.view_improvementaction"


def register_navigation() -> None:
    """Called from ImprovementConfig.ready."""
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="improvement_board",
            label=gettext_lazy("Improvement"),
            url_name="improvement_board",
            icon="arrow-repeat",
            description=gettext_lazy(
                "Improvement actions by PDCA stage: plan, do, check, act — and whether they worked."
            ),
            permission=VIEW,
            order=430,
        ),
        navigation.NavItem(
            key="improvement_list",
            label=gettext_lazy("Improvement actions"),
            url_name="improvement_action_list",
            icon="list-check",
            description=gettext_lazy("All improvement actions by unit, source and stage."),
            permission=VIEW,
            order=431,
        ),
    )
