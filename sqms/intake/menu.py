"""The intake app's entries in the main menu (service desk section, orders 130–139)."""

from django.utils.translation import gettext_lazy


def register_navigation() -> None:
    """Called from IntakeConfig.ready."""
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="intake_messages",
            label=gettext_lazy("Inbound messages"),
            url_name="intake_message_list",
            icon="inbox",
            description=gettext_lazy(
                "Mail and webhook deliveries: quarantined messages and the dead-letter list."
            ),
            permission="intake.view_inboundmessage",
            order=130,
        ),
        navigation.NavItem(
            key="intake_mailboxes",
            label=gettext_lazy("Mailboxes"),
            url_name="intake_mailbox_list",
            icon="envelope-at",
            permission="intake.view_mailbox",
            order=131,
        ),
        navigation.NavItem(
            key="intake_integrations",
            label=gettext_lazy("Integrations"),
            url_name="intake_integration_list",
            icon="plug",
            permission="intake.view_integration",
            order=132,
        ),
    )
