"""The quality app's entries in the main menu."""

from django.utils.translation import gettext_lazy

VIEW = "quality.view_indicator"


def register_navigation() -> None:
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="quality_dashboard",
            label=gettext_lazy("Quality"),
            url_name="quality_dashboard",
            icon="speedometer2",
            description=gettext_lazy(
                "Every indicator of a unit against its target, trends, rankings and hot spots."
            ),
            permission=VIEW,
            order=200,
        ),
        navigation.NavItem(
            key="quality_alerts",
            label=gettext_lazy("Alerts"),
            url_name="quality_alert_list",
            icon="bell",
            description=gettext_lazy("Early warnings on the indicators: acknowledge and close."),
            permission="quality.view_alert",
            order=210,
        ),
        navigation.NavItem(
            key="quality_catalogue",
            label=gettext_lazy("Indicators"),
            url_name="quality_catalogue",
            icon="list-check",
            description=gettext_lazy("The indicator system: definitions and targets."),
            permission=VIEW,
            order=220,
        ),
        navigation.NavItem(
            key="quality_reports",
            label=gettext_lazy("Evaluation reports"),
            url_name="quality_report_list",
            icon="file-earmark-bar-graph",
            description=gettext_lazy("Quarterly service quality evaluations as PDF and Excel."),
            permission="quality.view_evaluationreport",
            order=230,
        ),
    )
