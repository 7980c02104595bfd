"""Every state change of the intake app: storing and processing inbound messages (mail and
webhooks), the decisions people take on quarantined and dead-letter messages, and the
configuration of mailboxes and integrations.

Nothing a customer sends is lost: the raw message is committed first, in its own transaction;
processing runs in a second one, and if it fails the message becomes a dead letter with the
error, for an administrator to process again or discard (with a reason, audited).

A customer who writes again about a closed ticket does not reopen it: the message is added to
the ticket's conversation and the first-contact owner (and the assignee) are notified, who
decide whether to reopen it (reopening is a service desk decision with its own rules).
"""

import logging
import secrets
import traceback
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.fields import blind_index_for, blind_match
from sqms.core.models import OrgUnit
from sqms.core.notify import notify
from sqms.core.scope import unit_in_scope
from sqms.core.system_actor import system_actor
from sqms.intake.choices import REPROCESSABLE, MessageStatus, Source
from sqms.intake.mailparse import (
    ParsedMail,
    UnreadableMessage,
    message_id_of,
    parse_mail,
)
from sqms.intake.models import InboundMessage, Integration, Mailbox

logger = logging.getLogger(__name__)

MANAGE_MAILBOX = "intake.change_mailbox"
MANAGE_INTEGRATION = "intake.change_integration"
VIEW_MESSAGES = "intake.view_inboundmessage"
PROCESS = "intake.process_inboundmessage"

COMPLAINT_WORDS = ("投诉", "complaint", "complain", "举报", "投拆")
DEFAULT_MAX_ATTACHMENTS = 10
DEFAULT_MAX_ATTACHMENT_TOTAL = 20 * 1024 * 1024
MAILBOX_AUDIT = ["address", "name", "org_unit", "default_kind", "is_default", "active"]
INTEGRATION_AUDIT = [
    "name",
    "channel",
    "key_id",
    "org_unit",
    "default_kind",
    "rate_limit_per_minute",
    "active",
    "secret_rotated_at",
]


def _require(actor: Any, permission: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(permission):
        raise PermissionDenied(_("You are not allowed to do this."))


def max_attachments() -> int:
    return int(getattr(settings, "SQMS_INTAKE_MAX_ATTACHMENTS", DEFAULT_MAX_ATTACHMENTS))


def max_attachment_total() -> int:
    return int(getattr(settings, "SQMS_INTAKE_MAX_ATTACHMENT_TOTAL", DEFAULT_MAX_ATTACHMENT_TOTAL))


def kind_for(text: str, default_kind: str = "") -> str:
    """The ticket kind: the mailbox's or integration's, else complaint when the text says so."""
    if default_kind:
        return default_kind
    lowered = text.lower()
    return "complaint" if any(word in lowered for word in COMPLAINT_WORDS) else "consultation"


# --- receiving ------------------------------------------------------------------------------


def mailbox_for(recipients: list[str]) -> Mailbox | None:
    """The active mailbox of the first recipient that is one of ours, else the default one."""
    wanted = [address.strip().lower() for address in recipients if address]
    boxes = {box.address: box for box in Mailbox.objects.filter(address__in=wanted, active=True)}
    for address in wanted:
        if address in boxes:
            return boxes[address]
    return Mailbox.objects.filter(is_default=True, active=True).select_related("org_unit").first()


def receive_email(
    raw: bytes, *, recipients: list[str], envelope_sender: str | None = None
) -> InboundMessage:
    """Store a message as received, then process it. A message whose Message-ID this mailbox
    already has is not stored or processed again: the first one is returned."""
    mailbox = mailbox_for(recipients)
    message_id = message_id_of(raw)
    if message_id:
        earlier = InboundMessage.objects.filter(mailbox=mailbox, message_id=message_id).first()
        if earlier is not None:
            return earlier
    message = InboundMessage(
        source=Source.EMAIL,
        mailbox=mailbox,
        org_unit=mailbox.org_unit if mailbox else None,
        message_id=message_id,
        recipient=(recipients[0] if recipients else "")[:254],
        sender=(envelope_sender or "").strip("<>")[:254],
        null_sender=envelope_sender is not None and envelope_sender.strip() in ("", "<>"),
    )
    message.raw_bytes = raw
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # The same message delivered twice at the same moment: the other copy won.
        earlier = InboundMessage.objects.filter(mailbox=mailbox, message_id=message_id).first()
        if earlier is not None:
            return earlier
        raise
    return process_message(message)


def process_message(message: InboundMessage) -> InboundMessage:
    """Process a stored message in its own transaction; any failure makes it a dead letter
    (with the error), never a lost message."""
    try:
        with transaction.atomic():
            locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
            if locked.status in REPROCESSABLE:
                locked.attempts += 1
                if locked.source == Source.EMAIL:
                    _process_email(locked)
                else:
                    from sqms.intake.webhooks import process_delivery

                    process_delivery(locked)
                locked.processed_at = timezone.now()
                locked.error = ""
                locked.save()
    except Exception as failure:
        logger.exception("inbound message %s could not be processed", message.pk)
        InboundMessage.objects.filter(pk=message.pk).update(
            status=MessageStatus.DEAD_LETTER,
            reason=str(gettext_lazy("Processing failed"))[:300],
            error="".join(traceback.format_exception_only(failure))[-4000:],
            attempts=F("attempts") + 1,
            processed_at=timezone.now(),
        )
    return InboundMessage.objects.get(pk=message.pk)


def _set(message: InboundMessage, status: str, reason: str = "") -> None:
    message.status = status
    message.reason = str(reason)[:300]


def _envelope(message: InboundMessage) -> str | None:
    return "" if message.null_sender else None


def _process_email(message: InboundMessage) -> None:
    try:
        mail = parse_mail(message.raw_bytes, envelope_sender=_envelope(message))
    except UnreadableMessage as unreadable:
        _set(message, MessageStatus.DEAD_LETTER, _("The message could not be read."))
        message.error = str(unreadable)
        return
    message.subject = mail.subject[:300]
    if mail.sender:
        message.sender = mail.sender[:254]
    if mail.message_id:
        message.message_id = mail.message_id
    if mail.bounce_reason:
        _set(message, MessageStatus.IGNORED_BOUNCE, mail.bounce_reason)
        return
    if mail.auto_reply_reason:
        _set(message, MessageStatus.IGNORED_AUTO_REPLY, mail.auto_reply_reason)
        return
    number = mail.ticket_number
    if number:
        _email_reply(message, mail, number)
        return
    if message.mailbox is None:
        _set(message, MessageStatus.QUARANTINED, _("Sent to an address that is not a mailbox."))
        return
    _email_new_ticket(message, mail)


def _email_new_ticket(message: InboundMessage, mail: ParsedMail, unit: Any = None) -> None:
    from sqms.servicedesk.services import register_ticket

    actor = system_actor()
    mailbox = message.mailbox
    unit = unit or (mailbox.org_unit if mailbox else None)
    if unit is None:
        raise DomainError(_("Choose the org unit the ticket belongs to."), field="org_unit")
    customer = customer_for_email(mail.sender, mail.sender_name, unit)
    ticket = register_ticket(
        actor=actor,
        kind=kind_for(f"{mail.subject}\n{mail.text}", mailbox.default_kind if mailbox else ""),
        channel="email",
        title=_title(mail.subject, mail.text),
        description=mail.text,
        org_unit=unit,
        customer=customer,
        customer_name=(mail.sender_name or "")[:100] if customer is None else "",
    )
    message.ticket = ticket
    message.org_unit = ticket.org_unit
    message.event = ticket.events.first()
    message.refused_attachments = _attach(ticket, mail, actor)
    _set(message, MessageStatus.TICKET_CREATED)


def _title(subject: str, text: str) -> str:
    from sqms.servicedesk.models import Ticket

    limit = Ticket._meta.get_field("title").max_length or 200
    title = " ".join((subject or "").split())
    if not title:
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
        title = first_line[:60] or _("E-mail without a subject")
    return title[:limit]


def customer_for_email(address: str, name: str, unit: OrgUnit) -> Any:
    """The customer with this e-mail address (blind index), else a new one in `unit`; None if
    the address is not a valid one."""
    from sqms.customers.models import Customer
    from sqms.customers.services import create_customer

    if not address:
        return None
    found = Customer.objects.filter(blind_match(Customer, "email", address)).first()
    if found is not None:
        return found
    try:
        return create_customer(
            actor=system_actor(), org_unit=unit, name=(name or "")[:100], email=address
        )
    except DomainError:
        # A name or address the customer record refuses: register without the record.
        return None


def _email_reply(message: InboundMessage, mail: ParsedMail, number: str) -> None:
    from sqms.customers.models import Customer
    from sqms.servicedesk.models import Ticket

    ticket = Ticket.objects.select_related("customer", "org_unit").filter(number=number).first()
    if ticket is None:
        _set(message, MessageStatus.QUARANTINED, _("The subject names no known ticket."))
        return
    message.ticket = ticket
    message.org_unit = ticket.org_unit
    digest = blind_index_for(Customer, "email", mail.sender)
    customer = ticket.customer
    if customer is None or digest is None or customer.email_index != digest:
        _set(
            message,
            MessageStatus.QUARANTINED,
            _("The sender is not the ticket's customer; an agent decides."),
        )
        return
    _append_mail(message, mail, ticket)


def _append_mail(message: InboundMessage, mail: ParsedMail, ticket: Any) -> None:
    actor = system_actor()
    event = append_customer_message(
        ticket,
        text=mail.text or mail.subject,
        channel="email",
        data={"message_id": mail.message_id, "inbound": message.pk},
        actor=actor,
    )
    message.event = event
    message.refused_attachments = _attach(ticket, mail, actor)
    _set(message, MessageStatus.APPENDED)


def append_customer_message(
    ticket: Any, *, text: str, channel: str, data: dict[str, Any], actor: Any
) -> Any:
    """A customer's message on the ticket's timeline (visible to the customer), announced to
    the other apps; the people handling the ticket are told. A closed ticket is not reopened:
    its first-contact owner and assignee decide."""
    from sqms.servicedesk import signals
    from sqms.servicedesk.choices import EventType, TicketStatus
    from sqms.servicedesk.models import TicketEvent
    from sqms.servicedesk.services import ticket_url

    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        event_type=EventType.CUSTOMER_MESSAGE,
        message=text,
        customer_visible=True,
        data={"channel": channel, **data},
    )
    signals.announce([signals.line_of(event)])
    closed = ticket.status == TicketStatus.CLOSED
    recipients = [ticket.first_contact_owner_id, ticket.assignee_id]
    number = ticket.number
    ids = {pk for pk in recipients if pk is not None and pk != actor.pk}

    def tell() -> None:
        from sqms.core.models import User

        def message() -> str:
            if closed:
                return _("The customer wrote again about closed ticket %(number)s.") % {
                    "number": number
                }
            return _("New customer message on ticket %(number)s.") % {"number": number}

        notify(User.objects.filter(pk__in=ids), message, url=ticket_url(ticket), obj=ticket)

    if ids:
        transaction.on_commit(tell)
    return event


def _attach(ticket: Any, mail: ParsedMail, actor: Any) -> list[dict[str, str]]:
    """Keep the attachments the service desk accepts; list the others with the reason."""
    from sqms.servicedesk.attachments import add_attachment

    refused: list[dict[str, str]] = []
    total = 0
    for index, item in enumerate(mail.attachments):
        if index >= max_attachments():
            refused.append({"name": item.name, "reason": _("Too many attachments.")})
            continue
        total += len(item.content)
        if total > max_attachment_total():
            refused.append(
                {"name": item.name, "reason": _("The message's attachments are too large.")}
            )
            continue
        upload = SimpleUploadedFile(item.name, item.content, item.content_type)
        try:
            with transaction.atomic():
                add_attachment(ticket, actor=actor, upload=upload)
        except DomainError as refusal:
            refused.append({"name": item.name, "reason": refusal.message})
    return refused


# --- people's decisions ---------------------------------------------------------------------


def _check_scope(actor: Any, message: InboundMessage) -> None:
    """Deciding needs the permission and the message's unit in scope; a message without a
    unit (unknown recipient) is for those who see every unit."""
    from sqms.core.scope import sees_all_units

    _require(actor, PROCESS)
    allowed = (
        sees_all_units(actor)
        if message.org_unit is None
        else unit_in_scope(actor, message.org_unit)
    )
    if not allowed:
        raise PermissionDenied(_("This message is outside your scope."))


def reprocess_message(message: InboundMessage, *, actor: Any) -> InboundMessage:
    """Process a dead-letter, quarantined or stuck message again (after a fix or a config
    change); audited."""
    _check_scope(actor, message)
    if message.status not in REPROCESSABLE:
        raise ConflictError(
            _("Only a received, quarantined or dead-letter message can be processed again.")
        )
    before = {"status": message.status, "reason": message.reason}
    InboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.RECEIVED)
    result = process_message(message)
    with transaction.atomic():
        audit.record(
            AuditAction.TRANSITION,
            result,
            actor=actor,
            before=before,
            after={"status": result.status, "reason": result.reason},
        )
    return result


def discard_message(message: InboundMessage, *, actor: Any, reason: str) -> InboundMessage:
    """Set a quarantined or dead-letter message aside for good, with the reason (audited).
    The raw message stays stored."""
    _check_scope(actor, message)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the message is discarded."), field="reason")
    with transaction.atomic():
        locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status not in REPROCESSABLE:
            raise ConflictError(_("Only a quarantined or dead-letter message can be discarded."))
        before = {"status": locked.status, "reason": locked.reason}
        _set(locked, MessageStatus.DISCARDED, reason)
        locked.processed_at = timezone.now()
        locked.save()
        audit.record(
            AuditAction.TRANSITION,
            locked,
            actor=actor,
            before=before,
            after={"status": locked.status, "reason": locked.reason},
        )
    return locked


def accept_quarantined(
    message: InboundMessage, *, actor: Any, as_new_ticket: bool, org_unit: Any = None
) -> InboundMessage:
    """An agent's decision on a quarantined e-mail: add it to the ticket it names (the sender
    check overruled), or register it as a new ticket in `org_unit` (default: its own)."""
    _check_scope(actor, message)
    if message.source != Source.EMAIL:
        raise DomainError(_("Only e-mails can be accepted this way."))
    unit = org_unit or message.org_unit
    if as_new_ticket and (unit is None or not unit_in_scope(actor, unit)):
        raise DomainError(_("Choose an org unit within your scope."), field="org_unit")
    mail = parse_mail(message.raw_bytes, envelope_sender=_envelope(message))
    with transaction.atomic():
        locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != MessageStatus.QUARANTINED:
            raise ConflictError(_("The message is no longer quarantined."))
        before = {"status": locked.status, "reason": locked.reason}
        if as_new_ticket:
            _email_new_ticket(locked, mail, unit)
        else:
            if locked.ticket is None:
                raise DomainError(_("The message names no ticket; register it as a new one."))
            _append_mail(locked, mail, locked.ticket)
        locked.reason = _("Accepted by %(user)s") % {"user": actor.get_username()}
        locked.processed_at = timezone.now()
        locked.save()
        audit.record(
            AuditAction.TRANSITION,
            locked,
            actor=actor,
            before=before,
            after={"status": locked.status, "ticket": locked.ticket_id},
        )
    return locked


# --- configuration --------------------------------------------------------------------------


def _check_unit(actor: Any, unit: Any) -> None:
    if unit is None or not isinstance(unit, OrgUnit):
        raise DomainError(_("Choose an org unit."), field="org_unit")
    if not unit_in_scope(actor, unit):
        raise DomainError(_("This org unit is outside your scope."), field="org_unit")


def _clean_mailbox(values: dict[str, Any], current: Mailbox | None) -> dict[str, Any]:
    if "address" in values:
        address = (values["address"] or "").strip().lower()
        if not address:
            raise DomainError(_("Give the mailbox's address."), field="address")
        taken = Mailbox.objects.filter(address=address)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise DomainError(_("This address already has a mailbox."), field="address")
        values["address"] = address
    if "name" in values and not (values["name"] or "").strip():
        raise DomainError(_("Give the mailbox a name."), field="name")
    return values


def _only_one_default(mailbox: Mailbox) -> None:
    if mailbox.is_default:
        Mailbox.objects.exclude(pk=mailbox.pk).filter(is_default=True).update(is_default=False)


def create_mailbox(*, actor: Any, org_unit: Any, **values: Any) -> Mailbox:
    _require(actor, "intake.add_mailbox")
    _check_unit(actor, org_unit)
    values = _clean_mailbox(values, None)
    with transaction.atomic():
        mailbox = Mailbox.objects.create(org_unit=org_unit, created_by=actor, **values)
        _only_one_default(mailbox)
        audit.record(
            AuditAction.CREATE, mailbox, actor=actor, after=audit.snapshot(mailbox, MAILBOX_AUDIT)
        )
    return mailbox


def update_mailbox(mailbox: Mailbox, *, actor: Any, **values: Any) -> Mailbox:
    _require(actor, MANAGE_MAILBOX)
    if "org_unit" in values:
        _check_unit(actor, values["org_unit"])
    values = _clean_mailbox(values, mailbox)
    with transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        before = audit.snapshot(locked, MAILBOX_AUDIT)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        _only_one_default(locked)
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before=before,
            after=audit.snapshot(locked, MAILBOX_AUDIT),
        )
    return locked


def delete_mailbox(mailbox: Mailbox, *, actor: Any) -> None:
    """Delete a mailbox that has received nothing; one with messages can only be deactivated."""
    _require(actor, "intake.delete_mailbox")
    if mailbox.messages.exists():
        raise ConflictError(_("This mailbox has received messages; deactivate it instead."))
    with transaction.atomic():
        audit.record(
            AuditAction.DELETE, mailbox, actor=actor, before=audit.snapshot(mailbox, MAILBOX_AUDIT)
        )
        mailbox.delete()


@dataclass(frozen=True)
class IssuedSecret:
    integration: Integration
    secret: str  # shown once, never again


def new_secret() -> str:
    return secrets.token_hex(32)


def create_integration(*, actor: Any, org_unit: Any, **values: Any) -> IssuedSecret:
    _require(actor, "intake.add_integration")
    _check_unit(actor, org_unit)
    if not (values.get("name") or "").strip():
        raise DomainError(_("Give the integration a name."), field="name")
    secret = new_secret()
    with transaction.atomic():
        integration = Integration.objects.create(
            org_unit=org_unit,
            created_by=actor,
            key_id=f"ik_{secrets.token_hex(8)}",
            secret=secret,
            secret_rotated_at=timezone.now(),
            **values,
        )
        audit.record(
            AuditAction.CREATE,
            integration,
            actor=actor,
            after=audit.snapshot(integration, INTEGRATION_AUDIT),
        )
    return IssuedSecret(integration, secret)


def update_integration(integration: Integration, *, actor: Any, **values: Any) -> Integration:
    _require(actor, MANAGE_INTEGRATION)
    if "org_unit" in values:
        _check_unit(actor, values["org_unit"])
    if "name" in values and not (values["name"] or "").strip():
        raise DomainError(_("Give the integration a name."), field="name")
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        before = audit.snapshot(locked, INTEGRATION_AUDIT)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before=before,
            after=audit.snapshot(locked, INTEGRATION_AUDIT),
        )
    return locked


def rotate_secret(integration: Integration, *, actor: Any) -> IssuedSecret:
    """A new secret (the old one stops working at once), shown once."""
    _require(actor, MANAGE_INTEGRATION)
    secret = new_secret()
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        before = audit.snapshot(locked, INTEGRATION_AUDIT)
        locked.secret = secret
        locked.secret_rotated_at = timezone.now()
        locked.save()
        audit.record(
            AuditAction.SECURITY,
            locked,
            actor=actor,
            before=before,
            after=audit.snapshot(locked, INTEGRATION_AUDIT),
        )
    return IssuedSecret(locked, secret)
