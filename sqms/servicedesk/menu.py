"""The service desk's entries in the main menu."""

from django.utils.translation import gettext_lazy

VIEW = "servicedesk.view_ticket"
ADD = "servicedesk.add_ticket"
VERIFY = "servicedesk.verify_ticket"


def register_navigation() -> None:
    """The service desk's menu entries (called from ServicedeskConfig.ready)."""
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="tickets",
            label=gettext_lazy("Tickets"),
            url_name="ticket_workspace",
            icon="ticket-detailed",
            description=gettext_lazy(
                "My tickets, my unit's queue, what falls due soon and what has breached."
            ),
            permission=VIEW,
            order=100,
        ),
        navigation.NavItem(
            key="ticket_create",
            label=gettext_lazy("Register"),
            url_name="ticket_create",
            icon="plus-square",
            description=gettext_lazy("Register a customer's request, complaint or report."),
            permission=ADD,
            order=101,
        ),
        navigation.NavItem(
            key="ticket_manager",
            label=gettext_lazy("Unit overview"),
            url_name="ticket_manager",
            icon="bar-chart",
            description=gettext_lazy(
                "Tickets of a unit by status and SLA state, with the breached ones."
            ),
            permission=VIEW,
            # For those who look after a unit rather than work single tickets.
            any_permissions=(VERIFY, "core.view_all_units", "servicedesk.change_slapolicy"),
            order=102,
        ),
    )
