"""The notifications app's entries in the main menu (service desk section, 140–149)."""

from django.utils.translation import gettext_lazy

from sqms.notifications.access import VIEW_MESSAGE, VIEW_TEMPLATE


def register_navigation() -> None:
    """Called from NotificationsConfig.ready."""
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="notifications_messages",
            label=gettext_lazy("Customer notifications"),
            url_name="notifications_message_list",
            icon="send",
            description=gettext_lazy(
                "E-mails and text messages sent to customers, their delivery, and retries."
            ),
            permission=VIEW_MESSAGE,
            order=140,
        ),
        navigation.NavItem(
            key="notifications_templates",
            label=gettext_lazy("Notification templates"),
            url_name="notifications_template_list",
            icon="envelope-paper",
            description=gettext_lazy(
                "What customers are told on each event, in Chinese and English."
            ),
            permission=VIEW_TEMPLATE,
            order=141,
        ),
    )
