"""Models of the intake app."""

from sqms.intake.models.channels import Integration, Mailbox
from sqms.intake.models.messages import InboundMessage, InboundMessageQuerySet

__all__ = ["InboundMessage", "InboundMessageQuerySet", "Integration", "Mailbox"]
