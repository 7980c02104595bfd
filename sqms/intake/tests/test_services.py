"""The intake services: a message becomes a ticket, a reply a customer message, the rest is
ignored, quarantined or kept as a dead letter — never lost."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent, Notification
from sqms.customers.models import Customer
from sqms.customers.services import create_customer
from sqms.intake import services
from sqms.intake.choices import MessageStatus
from sqms.intake.models import InboundMessage, Mailbox
from sqms.intake.tests import mails
from sqms.servicedesk import signals
from sqms.servicedesk.choices import EventType, TicketStatus
from sqms.servicedesk.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

TO = ["service@example.cn"]


def receive(raw: bytes, **kwargs: Any) -> InboundMessage:
    kwargs.setdefault("recipients", TO)
    kwargs.setdefault("envelope_sender", mails.CUSTOMER)
    return services.receive_email(raw, **kwargs)


def test_new_message_makes_an_email_ticket_with_the_customer_by_email(mailbox: Mailbox) -> None:
    message = receive(mails.plain())
    assert message.status == MessageStatus.TICKET_CREATED, message.error
    ticket = message.ticket
    assert ticket is not None
    assert ticket.channel == "email"
    assert ticket.kind == "consultation"
    assert ticket.org_unit == mailbox.org_unit
    assert ticket.title == "宽带无法上网"
    assert "无法上网" in ticket.description
    assert ticket.customer is not None and ticket.customer.email == mails.CUSTOMER
    assert ticket.customer.name == "张伟"
    assert message.event is not None and message.event.event_type == EventType.CREATED
    # The same customer is found again by the blind index, not created twice.
    again = receive(mails.plain(subject="又断网了"))
    assert again.ticket is not None and again.ticket.customer == ticket.customer
    assert Customer.objects.count() == 1
    # The raw message is kept, encrypted.
    assert message.raw_bytes.startswith(b"From:") or b"Subject:" in message.raw_bytes


def kind_of(message: InboundMessage) -> str:
    assert message.ticket is not None
    return message.ticket.kind


def test_complaint_keyword_and_mailbox_kind(mailbox: Mailbox) -> None:
    assert kind_of(receive(mails.plain(subject="我要投诉营业员"))) == "complaint"
    mailbox.default_kind = "fault"
    mailbox.save()
    assert kind_of(receive(mails.plain(subject="我要投诉营业员"))) == "fault"


def _ticket_with_customer(mailbox: Mailbox) -> Ticket:
    ticket = receive(mails.plain()).ticket
    assert ticket is not None
    return ticket


def test_reply_with_the_number_appends_a_customer_message(
    mailbox: Mailbox, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = _ticket_with_customer(mailbox)
    heard: list[Any] = []

    def listen(sender: Any, events: list[Any], **kwargs: Any) -> None:
        heard.extend(events)

    signals.ticket_events.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            reply = receive(
                mails.plain(subject=f"Re: [{ticket.number}] 宽带无法上网", body="还是不行！"),
                envelope_sender="Zhang.Wei@Example.com",
            )
    finally:
        signals.ticket_events.disconnect(listen)
    assert reply.status == MessageStatus.APPENDED, reply.reason
    assert reply.ticket == ticket
    event = reply.event
    assert event is not None and event.event_type == EventType.CUSTOMER_MESSAGE
    assert event.customer_visible and event.message == "还是不行！"
    assert event.data["channel"] == "email" and event.data["message_id"]
    assert [line.event_type for line in heard] == [EventType.CUSTOMER_MESSAGE]


def test_reply_from_someone_else_is_quarantined(mailbox: Mailbox) -> None:
    ticket = _ticket_with_customer(mailbox)
    raw = mails.plain(subject=f"回复：{ticket.number}", sender="stranger@example.org")
    reply = receive(raw, envelope_sender="stranger@example.org")
    assert reply.status == MessageStatus.QUARANTINED
    assert reply.ticket == ticket and reply.org_unit == ticket.org_unit
    assert not TicketEvent.objects.filter(event_type=EventType.CUSTOMER_MESSAGE).exists()


def test_reply_naming_an_unknown_ticket_is_quarantined(mailbox: Mailbox) -> None:
    reply = receive(mails.plain(subject="回复：SQ20990101000001"))
    assert reply.status == MessageStatus.QUARANTINED and reply.ticket is None


def test_reply_to_a_closed_ticket_is_appended_and_the_owner_told(
    mailbox: Mailbox, make_user: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = _ticket_with_customer(mailbox)
    owner = make_user("agent", unit=org.hall1)
    Ticket.objects.filter(pk=ticket.pk).update(
        status=TicketStatus.CLOSED, first_contact_owner=owner
    )
    with django_capture_on_commit_callbacks(execute=True):
        reply = receive(mails.plain(subject=f"Re: {ticket.number}", body="问题又出现了"))
    assert reply.status == MessageStatus.APPENDED
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED  # not reopened: the owner decides
    note = Notification.objects.get(recipient=owner)
    assert ticket.number in note.message


def test_auto_replies_and_bounces_are_ignored(mailbox: Mailbox) -> None:
    auto = receive(mails.plain(headers={"Auto-Submitted": "auto-replied"}))
    assert auto.status == MessageStatus.IGNORED_AUTO_REPLY and auto.ticket is None
    bounce = receive(mails.bounce(), envelope_sender="")
    assert bounce.status == MessageStatus.IGNORED_BOUNCE and bounce.null_sender
    assert not Ticket.objects.exists()


def test_duplicate_message_id_is_processed_once(mailbox: Mailbox) -> None:
    raw = mails.plain(message_id="<same-1@example.com>")
    first = receive(raw)
    second = receive(raw)
    assert second.pk == first.pk
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_unknown_recipient_is_quarantined_or_goes_to_the_default_mailbox(
    mailbox: Mailbox, org: Any
) -> None:
    stray = receive(mails.plain(to="nobody@example.cn"), recipients=["nobody@example.cn"])
    assert stray.status == MessageStatus.QUARANTINED and stray.org_unit is None
    Mailbox.objects.create(
        address="default@example.cn", name="默认", org_unit=org.hall2, is_default=True
    )
    routed = receive(mails.plain(to="other@example.cn"), recipients=["other@example.cn"])
    assert routed.status == MessageStatus.TICKET_CREATED
    assert routed.ticket is not None and routed.ticket.org_unit == org.hall2


def test_inactive_mailbox_is_not_used(mailbox: Mailbox) -> None:
    mailbox.active = False
    mailbox.save()
    assert receive(mails.plain()).status == MessageStatus.QUARANTINED


def test_unreadable_bytes_become_a_dead_letter_and_are_kept(mailbox: Mailbox) -> None:
    raw = b"\x00\x01\x02 this is not a message"
    message = receive(raw)
    assert message.status == MessageStatus.DEAD_LETTER
    assert InboundMessage.objects.get(pk=message.pk).raw_bytes == raw


def test_a_failure_while_processing_is_a_dead_letter_then_processed_again(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch, make_user: Any, org: Any
) -> None:
    from sqms.servicedesk import services as desk

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(desk, "register_ticket", broken)
    message = receive(mails.plain())
    assert message.status == MessageStatus.DEAD_LETTER
    assert "database went away" in message.error and message.attempts == 1
    assert not Ticket.objects.exists() and not Customer.objects.exists()
    monkeypatch.undo()
    admin = make_user("admin", unit=org.hq)
    again = services.reprocess_message(message, actor=admin)
    assert again.status == MessageStatus.TICKET_CREATED and again.attempts == 2
    assert AuditEvent.objects.filter(
        object_type="intake.inboundmessage", object_id=str(message.pk)
    ).exists()
    with pytest.raises(ConflictError):
        services.reprocess_message(again, actor=admin)


def test_discard_needs_a_reason_scope_and_is_audited(
    mailbox: Mailbox, make_user: Any, org: Any
) -> None:
    stray = receive(mails.plain(to="nobody@example.cn"), recipients=["nobody@example.cn"])
    manager = make_user("unit_manager", unit=org.hall1)
    with pytest.raises(PermissionDenied):  # no unit: only those who see all units
        services.discard_message(stray, actor=manager, reason="垃圾邮件")
    admin = make_user("admin", unit=org.hq)
    with pytest.raises(DomainError):
        services.discard_message(stray, actor=admin, reason=" ")
    done = services.discard_message(stray, actor=admin, reason="垃圾邮件")
    assert done.status == MessageStatus.DISCARDED and done.reason == "垃圾邮件"
    assert done.raw_bytes  # still kept
    assert AuditEvent.objects.filter(object_id=str(stray.pk), action="transition").exists()
    with pytest.raises(ConflictError):
        services.discard_message(done, actor=admin, reason="again")


def test_accepting_a_quarantined_reply(mailbox: Mailbox, make_user: Any, org: Any) -> None:
    ticket = _ticket_with_customer(mailbox)
    raw = mails.plain(subject=f"回复：{ticket.number}", sender="wife@example.org", body="我替他说")
    reply = receive(raw, envelope_sender="wife@example.org")
    manager = make_user("unit_manager", unit=org.hall1)
    outsider = make_user("unit_manager", unit=org.hall2)
    with pytest.raises(PermissionDenied):
        services.accept_quarantined(reply, actor=outsider, as_new_ticket=False)
    done = services.accept_quarantined(reply, actor=manager, as_new_ticket=False)
    assert done.status == MessageStatus.APPENDED and done.event is not None
    assert done.event.message == "我替他说"
    other = receive(
        mails.plain(subject=f"回复：{ticket.number}", sender="x@example.org", body="新问题"),
        envelope_sender="x@example.org",
    )
    made = services.accept_quarantined(other, actor=manager, as_new_ticket=True)
    assert made.status == MessageStatus.TICKET_CREATED and made.ticket != ticket


@override_settings(SQMS_ATTACHMENT_MAX_BYTES=50)
def test_attachments_kept_or_refused_with_the_reason(mailbox: Mailbox) -> None:
    small = receive(mails.with_attachment("清单.txt", "月租 58 元".encode()))
    assert small.status == MessageStatus.TICKET_CREATED and small.refused_attachments == []
    assert small.ticket is not None and small.ticket.attachments.count() == 1
    big = receive(mails.with_attachment("大文件.txt", b"x" * 500))
    assert big.status == MessageStatus.TICKET_CREATED
    assert [item["name"] for item in big.refused_attachments] == ["大文件.txt"]
    assert big.ticket is not None and not big.ticket.attachments.exists()
    exe = receive(mails.with_attachment("setup.exe", b"MZ\x90", "application/octet-stream"))
    assert exe.refused_attachments and exe.refused_attachments[0]["reason"]


@override_settings(SQMS_INTAKE_MAX_ATTACHMENT_TOTAL=10)
def test_total_attachment_size_per_message_is_limited(mailbox: Mailbox) -> None:
    message = receive(mails.with_attachment("a.txt", b"0123456789abc"))
    assert message.refused_attachments[0]["name"] == "a.txt"


def test_customer_found_by_email_created_earlier(mailbox: Mailbox, org: Any) -> None:
    from sqms.core.system_actor import system_actor

    known = create_customer(
        actor=system_actor(), org_unit=org.hall1, name="张伟", email="ZHANG.WEI@example.com"
    )
    message = receive(mails.plain())
    assert message.ticket is not None and message.ticket.customer == known


def test_mailbox_configuration_is_audited_and_checked(make_user: Any, org: Any) -> None:
    admin = make_user("admin", unit=org.hq)
    box = services.create_mailbox(
        actor=admin, org_unit=org.hall1, address=" Help@Example.cn ", name="帮助", is_default=True
    )
    assert box.address == "help@example.cn"
    with pytest.raises(DomainError):
        services.create_mailbox(
            actor=admin, org_unit=org.hall1, address="help@example.cn", name="x"
        )
    other = services.create_mailbox(
        actor=admin, org_unit=org.hall2, address="b@example.cn", name="b", is_default=True
    )
    box.refresh_from_db()
    assert other.is_default and not box.is_default
    agent = make_user("agent")
    with pytest.raises(PermissionDenied):
        services.update_mailbox(box, actor=agent, name="y")


def test_integration_secret_rotation(make_user: Any, org: Any) -> None:
    admin = make_user("admin", unit=org.hq)
    issued = services.create_integration(
        actor=admin, org_unit=org.hall1, name="微信公众号", channel="wechat"
    )
    assert len(issued.secret) == 64 and issued.integration.secret == issued.secret
    rotated = services.rotate_secret(issued.integration, actor=admin)
    assert rotated.secret != issued.secret
    assert AuditEvent.objects.filter(action="security", object_id=str(issued.integration.pk))
