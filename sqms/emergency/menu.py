"""Emergency response's entries in the main menu (order 450–499)."""

from django.utils.translation import gettext_lazy


def register_navigation() -> None:
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="emergency_incidents",
            label=gettext_lazy("Incidents"),
            url_name="emergency:incident_list",
            icon="exclamation-octagon",
            description=gettext_lazy(
                "Report an emergency, grade it, activate the plan, tell staff and customers."
            ),
            permission="emergency.view_incident",
            order=450,
        ),
        navigation.NavItem(
            key="emergency_plans",
            label=gettext_lazy("Emergency plans"),
            url_name="emergency:plan_list",
            icon="journal-medical",
            description=gettext_lazy(
                "Versioned plans per event type: grading, roles, steps, resources, templates."
            ),
            permission="emergency.view_emergencyplan",
            order=451,
        ),
        navigation.NavItem(
            key="emergency_drills",
            label=gettext_lazy("Drills"),
            url_name="emergency:drill_list",
            icon="stopwatch",
            description=gettext_lazy("Drill programmes, exercises and their evaluations."),
            permission="emergency.view_drill",
            order=452,
        ),
        navigation.NavItem(
            key="emergency_dashboard",
            label=gettext_lazy("Emergency dashboard"),
            url_name="emergency:dashboard",
            icon="speedometer2",
            description=gettext_lazy(
                "Open incidents by level, response times, drills done against plan."
            ),
            permission="emergency.view_incident",
            order=453,
        ),
    )
