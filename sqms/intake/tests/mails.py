"""Builders of test e-mails (as bytes), in the shapes real mail clients send."""

import base64
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

CUSTOMER = "zhang.wei@example.com"


def plain(
    subject: str = "宽带无法上网",
    body: str = "您好，我家宽带从昨天开始无法上网，请尽快处理。",
    *,
    sender: str = CUSTOMER,
    to: str = "service@example.cn",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"张伟 <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes(policy=SMTP)


def gbk_base64(subject: str, body: str, *, sender: str = CUSTOMER) -> bytes:
    """What an older Chinese client sends: GB2312-labelled base64 subject, GBK body."""
    encoded_subject = base64.b64encode(subject.encode("gbk")).decode()
    encoded_body = base64.b64encode(body.encode("gbk")).decode()
    return (
        f"From: {sender}\r\nTo: service@example.cn\r\n"
        f"Subject: =?gb2312?B?{encoded_subject}?=\r\n"
        f"Message-ID: {make_msgid(domain='example.com')}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="gb2312"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{encoded_body}\r\n"
    ).encode("ascii")


def html_only(subject: str, markup: str, *, sender: str = CUSTOMER) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "service@example.cn"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(markup, subtype="html", cte="quoted-printable")
    return message.as_bytes(policy=SMTP)


def with_attachment(name: str, content: bytes, mime: str = "text/plain", **kwargs: str) -> bytes:
    message = EmailMessage()
    message["From"] = kwargs.get("sender", CUSTOMER)
    message["To"] = "service@example.cn"
    message["Subject"] = kwargs.get("subject", "账单有误，附上截图")
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content("请看附件。")
    maintype, subtype = mime.split("/")
    message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name, cte="base64")
    return message.as_bytes(policy=SMTP)


def bounce() -> bytes:
    return (
        b"From: MAILER-DAEMON@mx.example.com\r\nTo: service@example.cn\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-1@mx.example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; x@example.org\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n--b1--\r\n"
    )
