"""Menu entries of the hall queue and the ticket import (registered from the app's ready())."""

from django.utils.translation import gettext_lazy


def register_navigation() -> None:
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="hall_queue",
            label=gettext_lazy("Hall queue"),
            url_name="hall_queue",
            icon="people",
            description=gettext_lazy(
                "Customers waiting in the hall: call, serve, and see waiting and handling times."
            ),
            permission="servicedesk.view_countervisit",
            order=103,
        ),
        navigation.NavItem(
            key="ticket_import",
            label=gettext_lazy("Import tickets"),
            url_name="ticket_import",
            icon="file-earmark-arrow-up",
            description=gettext_lazy("Import historical tickets from a CSV or Excel file."),
            permission="servicedesk.import_ticket",
            order=104,
        ),
    )
