"""Fixtures of the notifications tests: the service desk's people and tickets, a real local
SMTP server (aiosmtpd) and a local SMS/IM gateway (http.server) recording what they receive.

    def test_x(agent, customer_ticket, smtp_server, gateway):
        ticket = customer_ticket(agent, channel="email", email="a@example.com")
"""

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from sqms.servicedesk.tests import conftest as desk

# The service desk's fixtures (people of the test org, tickets through the real services).
password_hash = desk.password_hash
make_user = desk.make_user
agent = desk.agent
other_agent = desk.other_agent
unit_manager = desk.unit_manager
verifier = desk.verifier
outsider = desk.outsider
make_ticket = desk.make_ticket
ticket_in_status = desk.ticket_in_status

SECRET = "gateway-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def customer_ticket(make_ticket: Any) -> Any:
    """customer_ticket(actor, channel=…, email=…, language=…, gender=…, name=…, phone=…)."""

    def make(
        actor: Any,
        *,
        channel: str = "phone",
        email: str = "",
        language: str = "zh-hans",
        gender: str = "male",
        name: str = "张伟",
        phone: str = "13800138000",
        **values: Any,
    ) -> Any:
        ticket = make_ticket(
            actor, channel=channel, customer_name=name, customer_phone=phone, **values
        )
        customer = ticket.customer
        customer.email = email
        customer.language = language
        customer.gender = gender
        customer.save()
        return ticket

    return make


@dataclass
class SmtpInbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpInbox]:
    """A real SMTP server on a free local port; the default mailer points at it."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": inbox.port, "timeout": 5},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "service@huanan-telecom.example"
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class Gateway:
    url: str
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    """A local SMS/IM gateway: records each POST (headers, raw body) and answers `status`."""
    recorded = Gateway(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            recorded.requests.append({"headers": dict(self.headers), "body": body})
            answer = json.dumps({"id": f"gw-{len(recorded.requests)}"}).encode()
            self.send_response(recorded.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorded.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.SQMS_SMS_GATEWAY_URL = recorded.url
    settings.SQMS_SMS_GATEWAY_SECRET = SECRET
    try:
        yield recorded
    finally:
        server.shutdown()
        server.server_close()
