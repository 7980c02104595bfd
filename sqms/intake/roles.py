"""What each role may do with the intake channels (merged by sqms.core.roles)."""

MESSAGES = ["intake.view_inboundmessage", "intake.process_inboundmessage"]
CONFIG = [
    f"intake.{verb}_{model}"
    for model in ("mailbox", "integration")
    for verb in ("view", "add", "change", "delete")
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Administrators run the mailboxes and integrations and clear the dead-letter list.
    "admin": [*CONFIG, *MESSAGES],
    # Unit managers decide about their units' quarantined messages.
    "unit_manager": MESSAGES,
    "auditor": ["intake.view_inboundmessage", "intake.view_mailbox", "intake.view_integration"],
}
