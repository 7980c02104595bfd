"""The inspections app's entries in the main menu (surveys and inspections: 270–289)."""

from django.utils.translation import gettext_lazy


def register_navigation() -> None:
    """Called from InspectionsConfig.ready."""
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="inspections_list",
            label=gettext_lazy("Inspections"),
            url_name="inspections_inspection_list",
            icon="clipboard-check",
            description=gettext_lazy(
                "On-site hall inspections and mystery-shopper visits: scores, photos, findings."
            ),
            permission="inspections.view_inspection",
            order=270,
        ),
        navigation.NavItem(
            key="inspections_reviews",
            label=gettext_lazy("Ticket reviews"),
            url_name="inspections_review_list",
            icon="journal-check",
            description=gettext_lazy("Closed tickets sampled for review (复核) and their scores."),
            permission="inspections.view_ticketreview",
            order=275,
        ),
        navigation.NavItem(
            key="inspections_plans",
            label=gettext_lazy("Sampling plans"),
            url_name="inspections_plan_list",
            icon="shuffle",
            description=gettext_lazy("Which share of each agent's closed tickets is reviewed."),
            permission="inspections.view_samplingplan",
            order=278,
        ),
        navigation.NavItem(
            key="inspections_results",
            label=gettext_lazy("Inspection results"),
            url_name="inspections_results",
            icon="bar-chart",
            description=gettext_lazy("Average score by unit and item, pass rate, weakest items."),
            permission="inspections.view_inspection",
            order=280,
        ),
        navigation.NavItem(
            key="inspections_checklists",
            label=gettext_lazy("Checklists"),
            url_name="inspections_checklist_list",
            icon="ui-checks",
            description=gettext_lazy("Inspection and review checklists with weighted items."),
            permission="inspections.view_checklisttemplate",
            order=285,
        ),
    )
