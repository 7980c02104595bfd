"""Reading an e-mail: headers and subjects in any Chinese charset, the text body (HTML
sanitised and turned into text), attachments, and whether it is an auto-reply or a bounce."""

import html
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr

import nh3

# GB2312 and GBK mail often holds characters only their superset has; decode with it.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
FALLBACK_CHARSETS = ("utf-8", "gb18030")
TICKET_NUMBER = re.compile(r"SQ\d{14,}")
AUTO_SUBJECT = re.compile(
    r"自动回复|自動回覆|自动答复|auto[\s_-]*reply|auto[\s_-]*response|autoreply"
    r"|out of (the )?office",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = re.compile(
    r"无法投递|退信|undeliver|delivery status notification|mail delivery failed|returned mail"
    r"|delivery failure",
    re.IGNORECASE,
)
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
BLOCK_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|p|div|li|tr)\b[^>]*>", re.IGNORECASE)
SPACES = re.compile(r"[ \t\u00a0\u3000]+")


class UnreadableMessage(ValueError):
    """The bytes are not a message we can read (no headers, no body)."""


@dataclass
class MailAttachment:
    name: str
    content: bytes
    content_type: str


@dataclass
class ParsedMail:
    sender: str  # the address only, lower case
    sender_name: str
    subject: str
    message_id: str
    headers: list[tuple[str, str]]
    text: str  # the body as plain text
    html: str  # the sanitised HTML body ("" if there was none)
    attachments: list[MailAttachment] = field(default_factory=list)
    auto_reply_reason: str = ""
    bounce_reason: str = ""

    @property
    def ticket_number(self) -> str:
        found = TICKET_NUMBER.search(self.subject)
        return found.group(0) if found else ""


def codec_for(charset: str | None) -> str:
    name = (charset or "").strip().strip('"').lower()
    return CHARSET_ALIASES.get(name, name) or "utf-8"


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Text of `payload` in its declared charset, else the usual ones, never an exception."""
    for candidate in (codec_for(charset), *FALLBACK_CHARSETS):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def decode_header_value(raw: str | None) -> str:
    """An RFC 2047 header (=?gb2312?B?...?=) as text, mapping GB charsets to GB18030."""
    if not raw:
        return ""
    parts = []
    try:
        chunks = decode_header(str(raw))
    except Exception:
        return " ".join(str(raw).split())
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, charset or "utf-8"))
        else:
            parts.append(chunk)
    return " ".join("".join(parts).split())


def sanitise_html(markup: str) -> str:
    """HTML safe to show: nh3's allow-list (no scripts, styles, handlers or remote frames)."""
    return nh3.clean(markup, link_rel="noopener noreferrer nofollow")


def html_to_text(markup: str) -> str:
    """The readable text of an HTML body: block ends become line breaks, tags go away."""
    with_breaks = BLOCK_BREAKS.sub("\n", markup)
    stripped = nh3.clean(with_breaks, tags=set())
    text = html.unescape(stripped)
    lines = [SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


def _filename(part: Message) -> str:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
        charset, _language, value = raw
        return decode_bytes(value.encode("latin-1", errors="replace"), charset or "utf-8")
    return decode_header_value(str(raw)) if raw else ""


def auto_reply_reason(message: Message, subject: str) -> str:
    auto = (message.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = message.get(header)
        if value is not None and (header != "X-Auto-Response-Suppress" or "all" in value.lower()):
            return f"{header}: {str(value).strip()}"[:200]
    precedence = (message.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "auto_reply", "list"):
        return f"Precedence: {precedence}"
    if AUTO_SUBJECT.search(subject):
        return f"Subject: {subject}"[:200]
    return ""


def bounce_reason(message: Message, envelope_sender: str | None, sender: str, subject: str) -> str:
    if message.get_content_type() == "multipart/report":
        report = str(message.get_param("report-type") or "").lower()
        return f"multipart/report; report-type={report}"[:200]
    envelope = (envelope_sender or "").strip().strip("<>")
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return "null sender"
    for who in (envelope.lower(), sender):
        if who.split("@", 1)[0] in BOUNCE_SENDERS:
            return f"sender {who}"
    if BOUNCE_SUBJECT.search(subject):
        return f"Subject: {subject}"[:200]
    return ""


def parse_mail(raw: bytes, *, envelope_sender: str | None = None) -> ParsedMail:
    """Read a whole message; raise UnreadableMessage if it is not one."""
    if not raw or not raw.strip():
        raise UnreadableMessage("empty message")
    head = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    if not head.keys() or ("From" not in head and not head.get("Subject")):
        raise UnreadableMessage("no message headers")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage):  # policy.default always gives one
        raise UnreadableMessage("not a message")
    subject = decode_header_value(head.get("Subject"))
    from_raw = decode_header_value(head.get("From"))
    name, address = parseaddr(from_raw)
    if not address:
        # A From with only a display name or garbage: try the envelope.
        address = (envelope_sender or "").strip("<>")
    sender = address.strip().lower()
    headers = [(key, decode_header_value(str(value))[:500]) for key, value in head.items()]

    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[MailAttachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if (
            disposition == "attachment"
            or (filename and disposition != "inline")
            or (filename and not content_type.startswith("text/"))
        ):
            payload = part.get_payload(decode=True)
            attachments.append(
                MailAttachment(
                    name=filename or "attachment",
                    content=payload if isinstance(payload, bytes) else b"",
                    content_type=content_type,
                )
            )
            continue
        if content_type == "text/plain":
            text_parts.append(_part_text(part))
        elif content_type == "text/html":
            html_parts.append(_part_text(part))
    markup = sanitise_html("\n".join(html_parts)) if html_parts else ""
    text = "\n\n".join(p.strip() for p in text_parts if p.strip())
    if not text and markup:
        text = html_to_text(markup)
    if not text and not subject and not attachments:
        raise UnreadableMessage("neither subject nor body")
    return ParsedMail(
        sender=sender,
        sender_name=name.strip(),
        subject=subject,
        message_id=(head.get("Message-ID") or "").strip()[:255],
        headers=headers,
        text=text,
        html=markup,
        attachments=attachments,
        auto_reply_reason=auto_reply_reason(message, subject),
        bounce_reason=bounce_reason(message, envelope_sender, sender, subject),
    )


def recipients_of(raw: bytes) -> list[str]:
    """The To/Cc addresses of a message, lower case (used when no envelope is known)."""
    head = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    values = [
        decode_header_value(v) for v in (head.get_all("To") or []) + (head.get_all("Cc") or [])
    ]
    return [address.lower() for _name, address in getaddresses(values) if address]


def message_id_of(raw: bytes) -> str:
    try:
        head = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    except Exception:
        return ""
    return str(head.get("Message-ID") or "").strip()[:255]
