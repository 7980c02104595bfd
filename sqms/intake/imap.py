"""IMAP polling, the alternative to the SMTP gateway: unread messages of one IMAP folder are
stored and processed like gateway mail, then marked as read.

Configured by `SQMS_INTAKE_IMAP_URL` (setting or environment), e.g.
`imaps://kefu%40example.cn:password@imap.example.cn:993/INBOX`; the mailbox address is the
user name, or `SQMS_INTAKE_IMAP_MAILBOX` when the log-in name is not the address. Unset: no
polling. A message is marked read only after it is stored; one fetched twice (a crash between
the two) is recognised by its Message-ID and not processed again.
"""

import imaplib
import logging
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings

logger = logging.getLogger(__name__)

POLL_EVERY_SECONDS = 60
BATCH = 50


@dataclass(frozen=True)
class ImapConfig:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str
    mailbox_address: str


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, ""))


def config() -> ImapConfig | None:
    url = _setting("SQMS_INTAKE_IMAP_URL")
    if not url:
        return None
    parts = urlparse(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        logger.error("SQMS_INTAKE_IMAP_URL must be imap:// or imaps:// with a host")
        return None
    secure = parts.scheme == "imaps"
    user = unquote(parts.username or "")
    return ImapConfig(
        secure=secure,
        host=parts.hostname,
        port=parts.port or (993 if secure else 143),
        user=user,
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        mailbox_address=_setting("SQMS_INTAKE_IMAP_MAILBOX") or user,
    )


def _connect(conf: ImapConfig) -> Any:
    client_class = imaplib.IMAP4_SSL if conf.secure else imaplib.IMAP4
    client = client_class(conf.host, conf.port, timeout=60)
    client.login(conf.user, conf.password)
    return client


def poll(conf: ImapConfig | None = None) -> int:
    """Fetch, store and process the unread messages; the number stored."""
    from sqms.intake.services import receive_email

    conf = conf or config()
    if conf is None:
        return 0
    client = _connect(conf)
    stored = 0
    try:
        client.select(conf.folder)
        _status, found = client.uid("search", None, "UNSEEN")
        uids = (found[0] or b"").split()[:BATCH]
        for uid in uids:
            _status, data = client.uid("fetch", uid, "(BODY.PEEK[])")
            raw = next(
                (part[1] for part in data if isinstance(part, tuple) and len(part) > 1), None
            )
            if not isinstance(raw, bytes):
                continue
            receive_email(raw, recipients=[conf.mailbox_address])
            client.uid("store", uid, "+FLAGS", "(\\Seen)")
            stored += 1
    finally:
        try:
            client.logout()
        except Exception:
            logger.debug("IMAP logout failed", exc_info=True)
    return stored
