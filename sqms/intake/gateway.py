"""The SMTP side of the mail gateway: an aiosmtpd handler that stores and processes each
message it accepts, and a helper that builds the controller (used by the command and tests)."""

import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2525
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


def _receive(raw: bytes, recipients: list[str], envelope_sender: str) -> int:
    from sqms.intake.services import receive_email

    close_old_connections()
    try:
        return receive_email(raw, recipients=recipients, envelope_sender=envelope_sender).pk
    finally:
        close_old_connections()


class IntakeHandler:
    """Accepts every recipient (the mailbox decides later, unknown ones are quarantined) and
    answers 250 only once the raw message is stored; a storage failure answers 451 so the
    sending server retries — the message is never silently dropped."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or (
            envelope.content if isinstance(envelope.content, bytes) else b""
        )
        recipients = [str(address) for address in envelope.rcpt_tos]
        sender = str(envelope.mail_from or "")
        try:
            # thread_sensitive=False: each message gets a worker thread of its own.
            pk = await sync_to_async(_receive, thread_sensitive=False)(raw, recipients, sender)
        except Exception:
            logger.exception("could not store an inbound message")
            return "451 4.3.0 Message not stored; try again later"
        return f"250 2.0.0 Message accepted as #{pk}"


def make_controller(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, max_bytes: int = DEFAULT_MAX_BYTES
) -> Controller:
    return Controller(
        IntakeHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_bytes,
        # Keep the original bytes (and 8-bit bodies) exactly as sent.
        decode_data=False,
        enable_SMTPUTF8=True,
        timeout=60,
    )
