"""Sending outbound messages: e-mail through Django's mailer, text and IM messages through the
signed gateway webhook; retries with exponential back-off, then giving up.

A send claims its message with a conditional UPDATE (a lease), so a task and the minutely job,
or two workers, never send one message twice at once, and no row lock is held while the mail
server or the gateway answers. A sender that dies holding the lease (a killed worker) leaves the
message to the minutely job once the lease is over. Whether the far side got the message before
the sender died is unknowable, so it is sent again, always under the same identity — the e-mail's
Message-ID, fixed before the first attempt, and the message id in the gateway's payload — by
which the recipient's mail system or the gateway keeps a repeat as one message. Nothing here
touches the ticket: a failed send changes only the message and its timeline line's delivery
status.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.notifications.choices import MessageStatus, Transport
from sqms.notifications.models import OutboundMessage
from sqms.notifications.outbound import delivery_data

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Long enough for any one SMTP or HTTP exchange; a crashed sender's message is retried after it.
DEFAULT_LEASE_SECONDS = 600
GATEWAY_TIMEOUT_SECONDS = 5
DUE_BATCH = 200
SENDABLE = (MessageStatus.QUEUED, MessageStatus.FAILED)


class DeliveryError(Exception):
    """The mail server or the gateway refused or could not be reached."""


class NotConfigured(DeliveryError):
    """No gateway is configured: retrying cannot help until someone configures it (then the
    message list's "send again" does)."""


def lease() -> timedelta:
    return timedelta(
        seconds=int(getattr(settings, "SQMS_NOTIFICATION_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))
    )


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: 1, 4, 16, 64 … minutes."""
    return timedelta(minutes=4 ** max(attempts - 1, 0))


def sign(secret: str, timestamp: str, body: str) -> str:
    """The gateway signature: hex HMAC-SHA256 of "<timestamp>.<body>" with the shared secret."""
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def _mail_domain() -> str:
    sender = str(getattr(settings, "DEFAULT_FROM_EMAIL", "") or "")
    return sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "sqms.localhost"


def _thread_reference(message: OutboundMessage) -> str:
    """The Message-ID of the customer's last e-mail on the ticket (written by the intake app),
    so the answer lands in the same thread in their mailbox."""
    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import TicketEvent

    if message.ticket_id is None:
        return ""
    latest = (
        TicketEvent.objects.filter(
            ticket_id=message.ticket_id, event_type=EventType.CUSTOMER_MESSAGE
        )
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    if not isinstance(latest, dict):
        return ""
    return str(latest.get("message_id") or latest.get("message-id") or "")


def email_subject(message: OutboundMessage) -> str:
    """The subject with the ticket number in brackets, so the customer's reply finds its ticket."""
    subject = message.subject or _("Your request")
    number = message.ticket.number if message.ticket is not None else ""
    if number and f"[{number}]" not in subject:
        subject = f"[{number}] {subject}"
    return subject


def new_message_id(message: OutboundMessage) -> str:
    return make_msgid(idstring=f"sqms{message.pk}", domain=_mail_domain())


def send_email(message: OutboundMessage) -> str:
    """Send by e-mail under the message's Message-ID (made now if it has none), which is the
    provider reference."""
    message_id = message.provider_reference or new_message_id(message)
    headers = {"Message-ID": message_id}
    reference = _thread_reference(message)
    if reference:
        headers["In-Reply-To"] = reference
        headers["References"] = reference
    email = EmailMessage(
        subject=email_subject(message),
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers=headers,
    )
    try:
        sent = email.send()
    except Exception as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
    if not sent:
        raise DeliveryError("the mailer accepted no message")
    return message_id


def gateway_payload(message: OutboundMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "to": message.recipient,
        "channel": message.channel or "sms",
        "language": message.language,
        "subject": message.subject,
        "text": message.body,
        "ticket": message.ticket.number if message.ticket is not None else "",
        "event": message.event,
    }


def send_to_gateway(message: OutboundMessage) -> str:
    """POST the message as JSON, signed; the gateway's id for it is the provider reference."""
    url = str(getattr(settings, "SQMS_SMS_GATEWAY_URL", "") or "")
    if not url.startswith(("http://", "https://")):
        raise NotConfigured("no SMS/IM gateway is configured (SQMS_SMS_GATEWAY_URL)")
    secret = str(getattr(settings, "SQMS_SMS_GATEWAY_SECRET", "") or "")
    body = json.dumps(gateway_payload(message), ensure_ascii=False, separators=(",", ":"))
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Sqms-Timestamp": timestamp,
            "X-Sqms-Signature": sign(secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=GATEWAY_TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = response.read(4096)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"gateway answered HTTP {error.code}") from error
    except (OSError, ValueError) as error:
        raise DeliveryError(f"gateway unreachable: {error}") from error
    try:
        parsed = json.loads(answer or b"{}")
    except ValueError:
        return ""
    if isinstance(parsed, dict):
        return str(parsed.get("id") or parsed.get("message_id") or "")[:250]
    return ""


def _claim(message_id: int, now: datetime, force: bool) -> bool:
    due = OutboundMessage.objects.filter(pk=message_id, status__in=SENDABLE)
    if not force:
        due = due.filter(next_attempt_at__lte=now)
    return due.update(next_attempt_at=now + lease()) == 1


def _fix_identity(message: OutboundMessage) -> None:
    """Give an e-mail its Message-ID before the first attempt and keep it for every retry, so
    a repeat after a sender that died unheard reads as the same message (committed now: a
    sender killed in the middle must leave it behind)."""
    if message.transport != Transport.EMAIL or message.provider_reference:
        return
    message.provider_reference = new_message_id(message)
    OutboundMessage.objects.filter(pk=message.pk, provider_reference="").update(
        provider_reference=message.provider_reference
    )


def _record(message: OutboundMessage) -> None:
    """Save the delivery state and show it on the timeline line (never the ticket)."""
    from sqms.servicedesk.models import TicketEvent

    with transaction.atomic():
        message.save(
            update_fields=[
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "sent_at",
                "provider_reference",
                "updated_at",
            ]
        )
        if message.notice_event_id is not None:
            line = TicketEvent.objects.select_for_update().filter(pk=message.notice_event_id)
            event = line.first()
            if event is not None:
                TicketEvent.objects.filter(pk=event.pk).update(
                    data={**(event.data or {}), **delivery_data(message)}
                )


def _tell_owner_gave_up(message: OutboundMessage) -> None:
    from sqms.core.notify import notify
    from sqms.servicedesk.services import ticket_url

    ticket = message.ticket
    if ticket is None:
        return
    number = ticket.number

    def text() -> str:
        return _("A notification to the customer of ticket %(number)s could not be delivered.") % {
            "number": number
        }

    transaction.on_commit(
        lambda: notify([ticket.first_contact_owner], text, url=ticket_url(ticket), obj=ticket)
    )


def deliver(message_id: int, *, force: bool = False) -> str | None:
    """Try to send one message now; the status it ends in, or None if it was not due (sent,
    given up, or taken by another sender). `force` ignores the back-off time."""
    now = timezone.now()
    if not _claim(message_id, now, force):
        return None
    message = OutboundMessage.objects.select_related("ticket").get(pk=message_id)
    _fix_identity(message)
    try:
        if message.transport == Transport.EMAIL:
            reference = send_email(message)
        else:
            reference = send_to_gateway(message)
    except Exception as error:  # every failure is the message's, never the caller's
        message.attempts += 1
        message.last_error = str(error)[:500]
        if message.attempts >= MAX_ATTEMPTS or isinstance(error, NotConfigured):
            message.status = MessageStatus.GAVE_UP
            message.next_attempt_at = None
        else:
            message.status = MessageStatus.FAILED
            message.next_attempt_at = now + backoff(message.attempts)
        logger.warning("outbound message %s failed (%s): %s", message.pk, message.attempts, error)
        with transaction.atomic():
            _record(message)
            if message.status == MessageStatus.GAVE_UP and not isinstance(error, NotConfigured):
                _tell_owner_gave_up(message)
        return message.status
    message.attempts += 1
    message.status = MessageStatus.SENT
    message.sent_at = timezone.now()
    message.next_attempt_at = None
    message.last_error = ""
    message.provider_reference = reference[:250]
    _record(message)
    return message.status


def send_due(limit: int = DUE_BATCH) -> int:
    """Send what is due: queued messages whose task was lost, and retries; the count tried."""
    now = timezone.now()
    due = list(
        OutboundMessage.objects.filter(status__in=SENDABLE, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    tried = 0
    for message_id in due:
        try:
            if deliver(message_id) is not None:
                tried += 1
        except Exception:
            logger.exception("sending outbound message %s failed unexpectedly", message_id)
    return tried
