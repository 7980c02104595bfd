"""Fixtures of the customers tests: users per role, customers made through the services, and
known personal data to hunt for in every response.

Phone and ID numbers here are valid in shape and check digit but fictitious."""

from typing import Any

import factory
import pytest
from django.contrib.auth.hashers import make_password

from sqms.core.masking import id_number_check_char
from sqms.core.tests.factories import TEST_PASSWORD, UserFactory
from sqms.customers import services
from sqms.customers.models import Customer

SECRET_PHONE = "13912345678"
SECRET_ID = "11010519491231002X"
SECRET_EMAIL = "wangfang.secret@example.com"
SECRET_NAME = "王芳芳"
SECRET_ADDRESS = "北京市朝阳区建国路88号秘密小区3栋"


def valid_id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


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
def agent(org: Any, make_user: Any) -> Any:
    return make_user("agent", unit=org.hall1, username="agent1")


@pytest.fixture
def manager(org: Any, make_user: Any) -> Any:
    """Manager of branch 1: may reveal, merge, export."""
    return make_user("unit_manager", unit=org.branch1, username="manager1")


@pytest.fixture
def admin_user(org: Any, make_user: Any) -> Any:
    return make_user("admin", unit=org.hq, username="admin1")


@pytest.fixture
def outsider(org: Any, make_user: Any) -> Any:
    """An agent of hall 2 (branch 2): hall 1's customers are outside their scope."""
    return make_user("agent", unit=org.hall2, username="agent_h2")


@pytest.fixture
def make_customer(org: Any, manager: Any) -> Any:
    counter = iter(range(10_000, 99_999))

    def make(unit: Any = None, actor: Any = None, **values: Any) -> Customer:
        n = next(counter)
        values.setdefault("name", f"客户{n}")
        values.setdefault("phone", f"138{n:08d}")
        return services.create_customer(
            actor=actor or manager, org_unit=unit or org.hall1, **values
        )

    return make


@pytest.fixture
def secret_customer(org: Any, manager: Any) -> Customer:
    return services.create_customer(
        actor=manager,
        org_unit=org.hall1,
        name=SECRET_NAME,
        phone=SECRET_PHONE,
        id_number=SECRET_ID,
        email=SECRET_EMAIL,
        address=SECRET_ADDRESS,
    )


SECRETS = [
    SECRET_PHONE,
    "139-1234-5678",
    SECRET_ID,
    SECRET_ID[6:14],  # the birth date part alone
    SECRET_EMAIL,
    "wangfang.secret",
    SECRET_NAME,
    SECRET_ADDRESS,
    "秘密小区",
]


def assert_no_secret(text: str, where: str = "") -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked in {where}"
