"""The analysis app's entries in the main menu (insight section, orders 570–589)."""

from django.utils.translation import gettext_lazy

from sqms.analysis.access import (
    VIEW_ANY,
    VIEW_ASSOCIATIONS,
    VIEW_FORECASTS,
    VIEW_HOTSPOTS,
    VIEW_SEGMENTS,
)


def register_navigation() -> None:
    """Called from AnalysisConfig.ready."""
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="analysis_home",
            label=gettext_lazy("Analysis overview"),
            url_name="analysis_home",
            icon="lightbulb",
            description=gettext_lazy(
                "What customers complain about this month, which segments, and what the next "
                "weeks will probably bring."
            ),
            any_permissions=VIEW_ANY,
            order=570,
        ),
        navigation.NavItem(
            key="analysis_hotspots",
            label=gettext_lazy("Complaint hot-spots"),
            url_name="analysis_hotspot_list",
            icon="fire",
            permission=VIEW_HOTSPOTS,
            order=571,
        ),
        navigation.NavItem(
            key="analysis_segments",
            label=gettext_lazy("Customer segments"),
            url_name="analysis_segmentation_list",
            icon="people",
            permission=VIEW_SEGMENTS,
            order=572,
        ),
        navigation.NavItem(
            key="analysis_associations",
            label=gettext_lazy("Association rules"),
            url_name="analysis_association_list",
            icon="diagram-3",
            permission=VIEW_ASSOCIATIONS,
            order=573,
        ),
        navigation.NavItem(
            key="analysis_forecasts",
            label=gettext_lazy("Volume forecasts"),
            url_name="analysis_forecast_list",
            icon="graph-up-arrow",
            permission=VIEW_FORECASTS,
            order=574,
        ),
    )
