"""The mail gateway end to end: real SMTP with smtplib to the aiosmtpd listener on localhost.

These run outside a test transaction: the gateway stores messages from its own thread."""

import smtplib
import time
from typing import Any

import pytest
from django.test import override_settings

from sqms.intake.choices import MessageStatus
from sqms.intake.models import InboundMessage, Mailbox
from sqms.intake.tests import mails
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

TO = "service@example.cn"


def send(port: int, raw: bytes, *, sender: str = mails.CUSTOMER, to: str = TO) -> Any:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.sendmail(sender, [to], raw)


def latest() -> InboundMessage:
    message = InboundMessage.objects.order_by("-id").first()
    assert message is not None
    return message


def test_new_message_then_reply(smtp_port: int, mailbox: Mailbox) -> None:
    send(smtp_port, mails.plain(subject="我要投诉：宽带无法上网"))
    first = latest()
    assert first.status == MessageStatus.TICKET_CREATED, first.error
    assert first.ticket_id is not None
    ticket = Ticket.objects.select_related("customer").get(pk=first.ticket_id)
    assert ticket.channel == "email" and ticket.kind == "complaint"
    assert ticket.customer is not None and ticket.customer.email == mails.CUSTOMER

    send(smtp_port, mails.plain(subject=f"Re: {ticket.number} 我要投诉", body="仍未修好"))
    reply = latest()
    assert reply.status == MessageStatus.APPENDED and reply.ticket_id == ticket.pk
    assert ticket.events.filter(event_type=EventType.CUSTOMER_MESSAGE, message="仍未修好").exists()


def test_chinese_charsets_and_html(smtp_port: int, mailbox: Mailbox) -> None:
    send(smtp_port, mails.gbk_base64("朱镕基路营业厅服务差", "营业员不理人。"))
    gbk = latest()
    assert gbk.subject == "朱镕基路营业厅服务差"
    assert gbk.ticket is not None and "营业员不理人" in gbk.ticket.description
    markup = "<p>话费<b>多扣</b>了</p><script>alert(1)</script>"
    send(smtp_port, mails.html_only("话费问题", markup))
    html = latest()
    assert html.ticket is not None and html.ticket.description == "话费多扣了"


def test_auto_reply_bounce_and_unreadable(smtp_port: int, mailbox: Mailbox) -> None:
    send(smtp_port, mails.plain(subject="自动回复：我正在休假"))
    assert latest().status == MessageStatus.IGNORED_AUTO_REPLY
    send(smtp_port, mails.bounce(), sender="")
    bounce = latest()
    assert bounce.status == MessageStatus.IGNORED_BOUNCE and bounce.null_sender
    broken = b"\x00\x01\x02 garbage, no headers\r\n"
    send(smtp_port, broken)
    dead = latest()
    assert dead.status == MessageStatus.DEAD_LETTER and dead.raw_bytes.startswith(b"\x00\x01")
    assert not Ticket.objects.exists()


def test_duplicate_message_id_is_processed_once(smtp_port: int, mailbox: Mailbox) -> None:
    raw = mails.plain(message_id="<dup-42@example.com>")
    send(smtp_port, raw)
    send(smtp_port, raw)
    assert InboundMessage.objects.count() == 1 and Ticket.objects.count() == 1


@override_settings(SQMS_ATTACHMENT_MAX_BYTES=100)
def test_attachment_over_limit_refused_but_message_kept(smtp_port: int, mailbox: Mailbox) -> None:
    send(smtp_port, mails.with_attachment("通话记录.txt", "记录".encode() * 200))
    message = latest()
    assert message.status == MessageStatus.TICKET_CREATED
    assert message.refused_attachments[0]["name"] == "通话记录.txt"
    assert message.ticket is not None and not message.ticket.attachments.exists()


def test_message_over_the_size_limit_is_refused_by_smtp(smtp_port: int, mailbox: Mailbox) -> None:
    raw = mails.with_attachment("big.txt", b"x" * (6 * 1024 * 1024))
    with pytest.raises(smtplib.SMTPException):
        send(smtp_port, raw)
    time.sleep(0.1)
    assert not InboundMessage.objects.exists()
