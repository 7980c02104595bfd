"""Every change of customer notifications: replying to a customer, sending a message again,
and editing the notification templates.

Each runs in one transaction, takes the acting user as `actor`, checks permission and scope,
refuses with DomainError (400) or ConflictError (409) changing nothing, and writes the audit
log; sending happens after the commit.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.service_helpers import lock_in_scope, require_permission
from sqms.notifications import rendering
from sqms.notifications.choices import RETRYABLE, MessageStatus, NotifyEvent
from sqms.notifications.models import NotificationTemplate, OutboundMessage
from sqms.notifications.outbound import choose_route, delivery_data, enqueue_sends, queue_message

CHANGE_TICKET = "servicedesk.change_ticket"
RETRY_MESSAGE = "notifications.retry_outboundmessage"
ADD_TEMPLATE = "notifications.add_notificationtemplate"
CHANGE_TEMPLATE = "notifications.change_notificationtemplate"
DELETE_TEMPLATE = "notifications.delete_notificationtemplate"
REPLY_MAX_LENGTH = 2000
TEMPLATE_FIELDS = ["event", "transport", "language", "subject", "body", "is_active"]


def customer_channel(ticket: Any) -> str:
    """The channel the customer last used on the ticket: their last message's, else the
    ticket's own."""
    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import TicketEvent

    latest = (
        TicketEvent.objects.filter(ticket=ticket, event_type=EventType.CUSTOMER_MESSAGE)
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    if isinstance(latest, dict) and latest.get("channel"):
        return str(latest["channel"])
    return str(ticket.channel)


# --- replies --------------------------------------------------------------------------------


def reply_to_customer(ticket: Any, *, actor: Any, text: str) -> Any:
    """Answer the customer on the channel they used: a REPLY line on the timeline (visible to
    the customer) and the "reply" message queued; its delivery status shows on that line."""
    from sqms.servicedesk import signals
    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import Ticket, TicketEvent

    require_permission(actor, [CHANGE_TICKET], _("You are not allowed to reply to customers."))
    text = str(text or "").strip()
    if not text:
        raise DomainError(_("Write the reply."), field="text", code="required")
    if len(text) > REPLY_MAX_LENGTH:
        raise DomainError(
            _("The reply is too long (at most %(limit)d characters).")
            % {"limit": REPLY_MAX_LENGTH},
            field="text",
            code="max_length",
        )
    with transaction.atomic():
        locked = lock_in_scope(
            Ticket, ticket, actor, related=("org_unit",), missing=_("No such ticket.")
        )
        channel = customer_channel(locked)
        customer = locked.customer
        if choose_route(ticket=locked, customer=customer, channel=channel) is None:
            raise DomainError(
                _("The customer has no e-mail address or phone number to reply to."),
                field="text",
                code="no_address",
            )
        event = TicketEvent.objects.create(
            ticket=locked,
            actor=actor,
            event_type=EventType.REPLY,
            message=text,
            customer_visible=True,
            data={"channel": channel},
        )
        message = queue_message(
            event=NotifyEvent.REPLY,
            ticket=locked,
            customer=customer,
            context={"message": text},
            channel=channel,
            timeline_event=event,
        )
        if message is None:
            raise DomainError(
                _("There is no active reply template for this customer's channel."),
                field="text",
                code="no_template",
            )
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            after={"reply": event.pk, "outbound_message": message.pk},
        )
        event.refresh_from_db(fields=["data"])
        signals.announce([signals.line_of(event)])
    return event


# --- retries --------------------------------------------------------------------------------


def retry_message(message: OutboundMessage | int, *, actor: Any) -> OutboundMessage:
    """Send a failed or given-up message again, with a fresh round of attempts."""
    from sqms.servicedesk.models import TicketEvent

    require_permission(actor, [RETRY_MESSAGE], _("You are not allowed to resend messages."))
    with transaction.atomic():
        locked = lock_in_scope(
            OutboundMessage, message, actor, related=("org_unit",), missing=_("No such message.")
        )
        if locked.status not in RETRYABLE:
            raise ConflictError(_("Only a failed message can be sent again."), code="not_failed")
        before = {"status": locked.status, "attempts": locked.attempts}
        locked.status = MessageStatus.QUEUED
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        if locked.notice_event_id is not None:
            line = TicketEvent.objects.filter(pk=locked.notice_event_id).first()
            if line is not None:
                line.data = {**(line.data or {}), **delivery_data(locked)}
                line.save(update_fields=["data"])
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before=before,
            after={"status": locked.status, "attempts": 0},
        )
        message_id = locked.pk
        transaction.on_commit(lambda: enqueue_sends([message_id]))
    if isinstance(message, OutboundMessage):
        message.refresh_from_db()
    return locked


# --- templates ------------------------------------------------------------------------------


def _check_template(values: dict[str, Any]) -> None:
    body = str(values.get("body") or "")
    if not body.strip():
        raise DomainError(_("Write the message body."), field="body", code="required")
    found = rendering.problems(str(values.get("subject") or ""), body)
    if found:
        raise DomainError(
            _("The template does not render: %(problem)s") % {"problem": found[0]},
            field="body",
            code="template_error",
        )


def create_template(*, actor: Any, **values: Any) -> NotificationTemplate:
    require_permission(actor, [ADD_TEMPLATE], _("You are not allowed to add templates."))
    _check_template(values)
    with transaction.atomic():
        if NotificationTemplate.objects.filter(
            event=values.get("event"),
            transport=values.get("transport"),
            language=values.get("language"),
        ).exists():
            raise DomainError(
                _("A template for this event, transport and language exists already."),
                field="event",
                code="unique",
            )
        template = NotificationTemplate.objects.create(
            created_by=actor, **{key: values[key] for key in TEMPLATE_FIELDS if key in values}
        )
        audit.record(
            AuditAction.CREATE,
            template,
            actor=actor,
            after=audit.snapshot(template, TEMPLATE_FIELDS),
        )
    return template


def update_template(
    template: NotificationTemplate | int, *, actor: Any, **values: Any
) -> NotificationTemplate:
    """Change subject, body or the active flag (event, transport and language stay)."""
    require_permission(actor, [CHANGE_TEMPLATE], _("You are not allowed to edit templates."))
    with transaction.atomic():
        pk = template.pk if isinstance(template, NotificationTemplate) else template
        locked = NotificationTemplate.objects.select_for_update().get(pk=pk)
        before = audit.snapshot(locked, TEMPLATE_FIELDS)
        for key in ("subject", "body", "is_active"):
            if key in values:
                setattr(locked, key, values[key])
        _check_template({"subject": locked.subject, "body": locked.body})
        locked.save()
        old, new = audit.changes(before, audit.snapshot(locked, TEMPLATE_FIELDS))
        audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    if isinstance(template, NotificationTemplate):
        template.refresh_from_db()
    return locked


def delete_template(template: NotificationTemplate, *, actor: Any) -> None:
    require_permission(actor, [DELETE_TEMPLATE], _("You are not allowed to delete templates."))
    with transaction.atomic():
        before = audit.snapshot(template, TEMPLATE_FIELDS)
        audit.record(AuditAction.DELETE, template, actor=actor, before=before)
        template.delete()
