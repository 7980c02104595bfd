"""IMAP polling against a stand-in IMAP server object (no IMAP server in the test set-up)."""

from typing import Any

import pytest
from django.test import override_settings

from sqms.intake import imap
from sqms.intake.choices import MessageStatus
from sqms.intake.models import InboundMessage, Mailbox
from sqms.intake.tests import mails

pytestmark = pytest.mark.django_db


class FakeImap:
    def __init__(self, messages: dict[bytes, bytes]) -> None:
        self.messages = messages
        self.seen: list[bytes] = []
        self.logged_out = False

    def select(self, folder: str) -> Any:
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command: str, *args: Any) -> Any:
        if command == "search":
            unseen = [uid for uid in self.messages if uid not in self.seen]
            return "OK", [b" ".join(unseen)]
        if command == "fetch":
            return "OK", [(b"1 (UID " + args[0] + b" BODY[] {n}", self.messages[args[0]]), b")"]
        if command == "store":
            self.seen.append(args[0])
            return "OK", []
        raise AssertionError(command)

    def logout(self) -> Any:
        self.logged_out = True
        return "BYE", []


def test_config_from_the_url() -> None:
    with override_settings(
        SQMS_INTAKE_IMAP_URL="imaps://kefu%40example.cn:p%40ss@imap.example.cn/"
    ):
        conf = imap.config()
    assert conf is not None
    assert (conf.host, conf.port, conf.user, conf.password, conf.folder) == (
        "imap.example.cn",
        993,
        "kefu@example.cn",
        "p@ss",
        "INBOX",
    )
    assert conf.mailbox_address == "kefu@example.cn"
    with override_settings(SQMS_INTAKE_IMAP_URL=""):
        assert imap.config() is None and imap.poll() == 0


def test_poll_stores_processes_and_marks_read(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = FakeImap({b"7": mails.plain(), b"8": mails.plain(subject="自动回复：不在")})
    monkeypatch.setattr(imap, "_connect", lambda conf: server)
    conf = imap.ImapConfig(False, "h", 143, "u", "p", "INBOX", mailbox.address)
    assert imap.poll(conf) == 2
    assert sorted(server.seen) == [b"7", b"8"] and server.logged_out
    statuses = set(InboundMessage.objects.values_list("status", flat=True))
    assert statuses == {MessageStatus.TICKET_CREATED, MessageStatus.IGNORED_AUTO_REPLY}
    assert imap.poll(conf) == 0  # nothing unread any more
