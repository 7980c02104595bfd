"""What each role may do with customer notifications (merged by sqms.core.roles).

Replying to a customer needs servicedesk.change_ticket, which the service desk's roles give.
"""

VIEW_MESSAGES = ["notifications.view_outboundmessage"]
RETRY = [*VIEW_MESSAGES, "notifications.retry_outboundmessage"]
VIEW_TEMPLATES = ["notifications.view_notificationtemplate"]
EDIT_TEMPLATES = [
    *VIEW_TEMPLATES,
    "notifications.add_notificationtemplate",
    "notifications.change_notificationtemplate",
    "notifications.delete_notificationtemplate",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "agent": VIEW_MESSAGES,
    "unit_manager": RETRY,
    "quality_manager": [*RETRY, *EDIT_TEMPLATES],
    "quality_inspector": VIEW_MESSAGES,
    "auditor": [*VIEW_MESSAGES, *VIEW_TEMPLATES],
    "admin": [*RETRY, *EDIT_TEMPLATES],
}
