"""What a customer does in the portal: submit a request, write a message, confirm the
resolution or say it is not solved. Each runs in one transaction as the system actor and
checks the portal's abuse rules (honeypot, form timing, rate limits) before writing anything.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction, Language, OrgUnitKind
from sqms.core.errors import ConflictError, DomainError
from sqms.core.masking import is_mobile_number
from sqms.core.models import OrgUnit
from sqms.core.system_actor import system_actor
from sqms.customers import services as customer_services
from sqms.customers.choices import ConsentChannel, ConsentPurpose, PreferredChannel
from sqms.customers.models import Customer
from sqms.portal import limits
from sqms.portal.choices import LimitKind
from sqms.servicedesk import attachments, signals
from sqms.servicedesk import services as desk
from sqms.servicedesk.choices import Channel, EventType, TicketKind, TicketStatus
from sqms.servicedesk.models import Attachment, Ticket, TicketEvent

logger = logging.getLogger(__name__)

FORM_SALT = "sqms.portal.form"
DEFAULT_MIN_FILL_SECONDS = 3
DEFAULT_MAX_FORM_AGE_SECONDS = 2 * 60 * 60
MAX_ATTACHMENTS = 3
DESCRIPTION_MAX = 4000
MESSAGE_MAX = 2000
REASON_MAX = 1000
NAME_MAX = 50
PUBLIC_UNIT_KINDS = (OrgUnitKind.HALL, OrgUnitKind.CALL_CENTRE)
# Statuses in which the customer may say the problem is not solved (the desk reopens it).
NOT_SOLVED_FROM = frozenset({TicketStatus.RESOLVED, TicketStatus.VERIFIED})


class RateLimited(DomainError):
    """Too many requests of one kind from one address or for one phone number."""

    status_code = 429


class Refused(DomainError):
    """The request looks automated (honeypot filled, form sent too fast or too late)."""


# --- form tokens ------------------------------------------------------------------------------


def min_fill_seconds() -> int:
    return int(getattr(settings, "SQMS_PORTAL_MIN_FILL_SECONDS", DEFAULT_MIN_FILL_SECONDS))


def max_form_age_seconds() -> int:
    return int(getattr(settings, "SQMS_PORTAL_MAX_FORM_AGE_SECONDS", DEFAULT_MAX_FORM_AGE_SECONDS))


def issue_form_token() -> str:
    """A signed time stamp of when the form was shown."""
    return signing.dumps({"shown": time.time()}, salt=FORM_SALT)


def check_form_token(token: str) -> None:
    """Refuse a form sent faster than a person fills it in, or left open too long."""
    try:
        payload: Any = signing.loads(token or "", salt=FORM_SALT)
        shown = float(payload["shown"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Refused(
            _("The form could not be checked. Please send it again."), code="form_invalid"
        ) from None
    age = time.time() - shown
    if age < min_fill_seconds():
        raise Refused(
            _("That was very quick. Please check your entries and send the form again."),
            code="form_too_fast",
        )
    if age > max_form_age_seconds():
        raise Refused(
            _("The form was open for too long. Please check your entries and send it again."),
            code="form_expired",
        )


# --- submission -------------------------------------------------------------------------------


def public_units() -> Any:
    """The service halls and call centres a customer can address a request to."""
    return OrgUnit.objects.filter(is_active=True, kind__in=PUBLIC_UNIT_KINDS).order_by("path")


@dataclass
class Submission:
    kind: str
    org_unit: OrgUnit | None
    title: str
    description: str
    customer_name: str
    customer_phone: str
    consent: bool
    email: str = ""
    language: str = ""
    uploads: Sequence[UploadedFile] = field(default_factory=list)
    form_token: str = ""
    honeypot: str = ""


def _check_submission(submission: Submission) -> None:
    """The domain rules of a portal submission (the form and serializer check them first, so
    these fire only for a client that skips them)."""
    if submission.kind not in TicketKind.values:
        raise DomainError(_("Select a valid choice."), field="kind")
    unit = submission.org_unit
    if not isinstance(unit, OrgUnit) or not unit.is_active or unit.kind not in PUBLIC_UNIT_KINDS:
        raise DomainError(_("Choose a service hall or call centre."), field="org_unit")
    if not submission.title.strip():
        raise DomainError(_("Give your request a short title."), field="title")
    if len(submission.description) > DESCRIPTION_MAX:
        raise DomainError(
            _("At most %(max)d characters.") % {"max": DESCRIPTION_MAX}, field="description"
        )
    if not submission.customer_name.strip():
        raise DomainError(_("Tell us your name."), field="customer_name")
    if len(submission.customer_name) > NAME_MAX:
        raise DomainError(
            _("At most %(max)d characters.") % {"max": NAME_MAX}, field="customer_name"
        )
    if not is_mobile_number(submission.customer_phone):
        raise DomainError(
            _("Enter a mainland mobile number of 11 digits, e.g. 13812345678."),
            field="customer_phone",
        )
    if submission.language and submission.language not in Language.values:
        raise DomainError(_("Select a valid choice."), field="language")
    if not submission.consent:
        raise DomainError(
            _("We need your consent to handle this request."), field="consent", code="required"
        )
    if len(submission.uploads) > MAX_ATTACHMENTS:
        raise DomainError(
            _("At most %(max)d files.") % {"max": MAX_ATTACHMENTS}, field="attachments"
        )
    for upload in submission.uploads:
        try:
            attachments.check_upload(upload)
        except DomainError as error:
            raise DomainError(
                f"{attachments.clean_name(upload.name or '')}: {error.message}",
                field="attachments",
            ) from error


def _refuse_automated(submission: Submission, address: str) -> None:
    if submission.honeypot:
        limits.count_hit(LimitKind.SUBMIT_IP, address)
        raise Refused(
            _("Your request could not be accepted. Please call us instead."), code="refused"
        )
    check_form_token(submission.form_token)


def _limited_message() -> str:
    return _("Too many requests. Please try again later or call our service hotline.")


def check_address_limit(kind: str, address: str) -> None:
    if limits.is_limited(kind, address):
        raise RateLimited(_limited_message(), code="rate_limited")


def submit_request(submission: Submission, *, address: str) -> Ticket:
    """Register a request from the portal: the ticket (channel web, as the system actor), its
    attachments and the customer's consent, all or nothing. Refused before any write if it
    looks automated, exceeds a rate limit or breaks a rule; the acknowledgement with the number
    is the notifications app's (it hears the ticket's CREATED line)."""
    check_address_limit(LimitKind.SUBMIT_IP, address)
    _refuse_automated(submission, address)
    _check_submission(submission)
    if limits.is_limited(LimitKind.SUBMIT_PHONE, submission.customer_phone):
        raise RateLimited(_limited_message(), code="rate_limited")

    actor = system_actor()
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            known = customer_services.find_customer(phone=submission.customer_phone)
            ticket = desk.register_ticket(
                actor=actor,
                kind=submission.kind,
                channel=Channel.WEB,
                title=submission.title.strip(),
                description=submission.description.strip(),
                org_unit=submission.org_unit,
                customer_name=submission.customer_name.strip(),
                customer_phone=submission.customer_phone.strip(),
            )
            if ticket.customer is not None:
                _complete_customer(ticket.customer, submission, actor, new=known is None)
            for upload in submission.uploads:
                stored.append(attachments.add_attachment(ticket, actor=actor, upload=upload))
            limits.count_hit(LimitKind.SUBMIT_IP, address)
            limits.count_hit(LimitKind.SUBMIT_PHONE, submission.customer_phone)
    except BaseException:
        # The rows are rolled back; the files written before the failure must go too.
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return ticket


def _complete_customer(
    customer: Customer, submission: Submission, actor: Any, *, new: bool
) -> None:
    """Record the consent; a customer record made just now also takes the e-mail address and
    language. An existing record is not changed from an unauthenticated form (anyone can type
    anyone's phone number), so the contact details on file stay the ones notifications use."""
    if new:
        values: dict[str, Any] = {}
        if submission.email:
            values["email"] = submission.email
            values["preferred_channel"] = PreferredChannel.EMAIL
        else:
            values["preferred_channel"] = PreferredChannel.SMS
        customer = customer_services.update_customer(customer, actor=actor, **values)
        if submission.language and customer.language != submission.language:
            customer.language = submission.language
            customer.save(update_fields=["language"])
    active = customer.consents.filter(purpose=ConsentPurpose.SERVICE, withdrawn_at__isnull=True)
    if not customer.is_anonymised and not active.exists():
        customer_services.record_consent(
            customer,
            actor=actor,
            purpose=ConsentPurpose.SERVICE,
            channel=ConsentChannel.WEB,
            note=_("Given in the customer portal."),
        )


# --- follow-up on a ticket --------------------------------------------------------------------


def post_customer_message(ticket: Ticket, *, text: str, address: str) -> TicketEvent:
    """A message from the customer on the ticket's timeline (visible to the staff and to the
    customer), announced like the desk's own lines."""
    check_address_limit(LimitKind.MESSAGE_IP, address)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your message."), field="text", code="required")
    if len(text) > MESSAGE_MAX:
        raise DomainError(_("At most %(max)d characters.") % {"max": MESSAGE_MAX}, field="text")
    actor = system_actor()
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == TicketStatus.CLOSED:
            raise ConflictError(
                _("This request is completed. For a new question, please submit a new request."),
                code="ticket_closed",
            )
        event = TicketEvent.objects.create(
            ticket=locked,
            actor=None,
            event_type=EventType.CUSTOMER_MESSAGE,
            message=text,
            customer_visible=True,
            data={"channel": Channel.WEB},
        )
        audit.record(AuditAction.UPDATE, locked, actor=actor, after={"customer_message": event.pk})
        limits.count_hit(LimitKind.MESSAGE_IP, address)
        signals.announce([signals.line_of(event)])
    return event


def confirm_resolution(ticket: Ticket) -> Ticket:
    """The customer says the problem is solved: the ticket closes (from verified only)."""
    if ticket.status != TicketStatus.VERIFIED:
        raise ConflictError(
            _("Your request cannot be confirmed now: it is not waiting for your confirmation."),
            code="not_awaiting_confirmation",
        )
    return desk.record_feedback(ticket, actor=system_actor(), confirmed=True, note="")


def report_not_solved(ticket: Ticket, *, reason: str) -> Ticket:
    """The customer says the problem is not solved: the ticket goes back to handling."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Tell us what is still wrong, so we can help."), field="reason", code="required"
        )
    if len(reason) > REASON_MAX:
        raise DomainError(_("At most %(max)d characters.") % {"max": REASON_MAX}, field="reason")
    if ticket.status not in NOT_SOLVED_FROM:
        raise ConflictError(
            _("This is not possible now: your request has no solution to answer to."),
            code="no_solution",
        )
    return desk.record_feedback(ticket, actor=system_actor(), confirmed=False, note=reason)
