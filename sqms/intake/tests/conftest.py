"""Fixtures of the intake tests: a mailbox, an integration, mail builders and the real SMTP
gateway on a free localhost port."""

import socket
import time
from collections.abc import Iterator
from typing import Any

import factory
import pytest
from django.contrib.auth.hashers import make_password

from sqms.core.system_actor import system_actor
from sqms.core.tests.factories import TEST_PASSWORD, UserFactory
from sqms.intake import services
from sqms.intake.gateway import make_controller
from sqms.intake.models import Mailbox

MAILBOX = "service@example.cn"


@pytest.fixture(scope="session")
def password_hash() -> str:
    return make_password(TEST_PASSWORD)


@pytest.fixture
def make_user(org: Any, password_hash: str) -> Any:
    def make(*roles: str, unit: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("password", factory.Transformer.Force(password_hash))
        return UserFactory(org_unit=unit or org.hall1, roles=list(roles), **kwargs)

    return make


@pytest.fixture
def mailbox(org: Any) -> Mailbox:
    return Mailbox.objects.create(address=MAILBOX, name="客服邮箱", org_unit=org.hall1)


@pytest.fixture
def integration(org: Any) -> services.IssuedSecret:
    return services.create_integration(
        actor=system_actor(), org_unit=org.hall1, name="掌上营业厅 App", channel="app"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_port() -> Iterator[int]:
    """The mail gateway listening on a free localhost port for one test."""
    port = free_port()
    controller = make_controller("127.0.0.1", port, max_bytes=5 * 1024 * 1024)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
        time.sleep(0.05)
