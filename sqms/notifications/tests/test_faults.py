"""Faults around sending: the worker killed in the middle of an SMTP conversation, then
restarted, with a real local SMTP server counting what it received."""

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from sqms.core.tests.processes import kill, schedule_only, wait_until
from sqms.notifications.choices import MessageStatus
from sqms.notifications.outbound import queue_customer_message
from sqms.notifications.tasks import send_due_messages
from sqms.notifications.tests.conftest import free_port

LEASE_SECONDS = 2


@dataclass
class GatedInbox:
    """An SMTP server that holds its first conversation at `stage` ("RCPT": before the
    message was sent; "DATA": after it was received and stored, before answering 250) until
    the test opens the gate."""

    stage: str
    port: int = field(default_factory=free_port)
    messages: list[EmailMessage] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    gate: threading.Event = field(default_factory=threading.Event)

    async def _hold(self, stage: str) -> None:
        if stage == self.stage and not self.arrived.is_set():
            self.arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 60)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        await self._hold("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        await self._hold("DATA")
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox(request: Any) -> Iterator[GatedInbox]:
    from aiosmtpd.controller import Controller

    gated = GatedInbox(stage=request.param)
    controller = Controller(gated, hostname="127.0.0.1", port=gated.port)
    controller.start()
    try:
        yield gated
    finally:
        gated.gate.set()
        controller.stop()


@pytest.mark.parametrize("inbox", ["RCPT", "DATA"], indirect=True)
def test_a_send_killed_midway_is_sent_again_after_the_lease_and_reads_as_one_message(
    shared_db, inbox, agent, customer_ticket
):
    ticket = customer_ticket(agent, channel="email", email="zhang.wei@example.com")
    schedule_only()  # nothing periodic: the worker runs the message's own send task
    message = queue_customer_message(event="acknowledgement", ticket=ticket)
    assert message is not None
    shared_db.push()
    mail = {
        "SQMS_EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}",
        "SQMS_FROM_EMAIL": "service@huanan-telecom.example",
        "SQMS_NOTIFICATION_LEASE_SECONDS": str(LEASE_SECONDS),
    }

    worker = shared_db.start("worker", "--interval", "0.2", **mail)
    try:
        wait_until(inbox.arrived.is_set, 120, f"the worker's SMTP {inbox.stage}", child=worker)
        kill(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
    inbox.gate.set()
    shared_db.pull()
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED  # nobody knows whether it arrived
    delivered_before_restart = len(inbox.messages)
    assert delivered_before_restart == (1 if inbox.stage == "DATA" else 0)

    # The restarted worker's minutely job takes the message once its sender's lease is over.
    time.sleep(LEASE_SECONDS)
    schedule_only(send_due_messages)
    shared_db.push()
    rerun = shared_db.run("worker", "--batch", **mail)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    shared_db.pull()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT, (message.status, message.last_error)
    assert message.attempts == 1  # the killed attempt never reported back

    # RCPT: the message never got through before the kill, so the server has it once.
    # DATA: the server stored it but the sender died before hearing so; SMTP cannot tell a
    # sender that, so it is sent again — under the same Message-ID, by which the recipient's
    # mail system keeps it as one message.
    assert len(inbox.messages) == delivered_before_restart + 1
    assert {m["Message-ID"].strip() for m in inbox.messages} == {message.provider_reference}
    assert all(m["To"] == "zhang.wei@example.com" for m in inbox.messages)
