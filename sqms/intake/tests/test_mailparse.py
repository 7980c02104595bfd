"""Reading e-mails: charsets, HTML bodies, auto-replies, bounces and broken bytes."""

import pytest

from sqms.intake.mailparse import (
    UnreadableMessage,
    decode_header_value,
    html_to_text,
    parse_mail,
    sanitise_html,
)
from sqms.intake.tests import mails


def test_plain_message() -> None:
    mail = parse_mail(mails.plain(subject="回复：SQ20261121000123 还没解决"))
    assert mail.sender == mails.CUSTOMER
    assert mail.sender_name == "张伟"
    assert "宽带" in mail.text
    assert mail.ticket_number == "SQ20261121000123"
    assert not mail.auto_reply_reason and not mail.bounce_reason


def test_gb2312_base64_subject_with_gbk_only_characters() -> None:
    # 镕 is in GBK but not in GB2312: the label lies, as it often does.
    mail = parse_mail(mails.gbk_base64("朱镕基路营业厅投诉", "营业员态度很差，镕字也打不出来。"))
    assert mail.subject == "朱镕基路营业厅投诉"
    assert "态度很差" in mail.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?GBK?B?zbbL3w==?=", "投诉"),
        ("=?gb18030?Q?=CD=B6=CB=DF?=", "投诉"),
        ("=?utf-8?B?5oqV6K+J?=", "投诉"),
        ("plain ascii", "plain ascii"),
        ("=?unknown-charset?B?5oqV6K+J?=", "投诉"),
    ],
)
def test_encoded_words(raw: str, expected: str) -> None:
    assert decode_header_value(raw) == expected


def test_html_only_body_is_sanitised_and_turned_into_text() -> None:
    markup = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>您好&nbsp;客服：</p><p onclick='steal()'>话费<b>多扣</b>了 30 元</p>"
        "<img src='http://tracker.example/p.gif'><a href='javascript:evil()'>点此</a></body></html>"
    )
    mail = parse_mail(mails.html_only("话费多扣", markup))
    assert mail.text.splitlines()[0] == "您好 客服："
    assert "话费多扣了 30 元" in mail.text
    assert "alert" not in mail.text and "color" not in mail.text
    assert "<script" not in mail.html and "onclick" not in mail.html
    assert "javascript:" not in mail.html


def test_sanitise_and_text_helpers() -> None:
    assert "<script" not in sanitise_html("<p>a</p><script>x()</script>")
    assert html_to_text("<div>一</div><div>二<br>三</div>") == "一\n二\n三"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "yes"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
    ],
)
def test_auto_reply_headers(headers: dict[str, str]) -> None:
    assert parse_mail(mails.plain(headers=headers)).auto_reply_reason


@pytest.mark.parametrize("subject", ["自动回复：您好", "Auto Reply: away", "Out of Office"])
def test_auto_reply_subjects(subject: str) -> None:
    assert parse_mail(mails.plain(subject=subject)).auto_reply_reason


def test_auto_submitted_no_is_a_person() -> None:
    assert not parse_mail(mails.plain(headers={"Auto-Submitted": "no"})).auto_reply_reason


def test_bounces() -> None:
    assert "delivery-status" in parse_mail(mails.bounce()).bounce_reason
    assert parse_mail(mails.plain(), envelope_sender="").bounce_reason == "null sender"
    daemon = parse_mail(mails.plain(sender="mailer-daemon@example.com"))
    assert daemon.bounce_reason


def test_attachments_are_collected() -> None:
    mail = parse_mail(mails.with_attachment("账单.txt", "本月话费 130 元".encode()))
    assert [(a.name, a.content_type) for a in mail.attachments] == [("账单.txt", "text/plain")]
    assert mail.text == "请看附件。"


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\x01\x02 no headers at all"])
def test_unreadable(raw: bytes) -> None:
    with pytest.raises(UnreadableMessage):
        parse_mail(raw)
