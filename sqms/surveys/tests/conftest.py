"""Survey fixtures: staff of branch 1, tickets closed through the real services, customers,
a rule that surveys every closed ticket, and a helper to answer a survey."""

import itertools
from typing import Any

import factory
import pytest
from django.contrib.auth.hashers import make_password

from sqms.core.tests.factories import TEST_PASSWORD, UserFactory
from sqms.servicedesk import services as desk
from sqms.servicedesk.choices import Channel, TicketKind
from sqms.surveys import services
from sqms.surveys.models import InvitationRule, SurveyResponse, SurveyTemplate, SurveyVersion
from sqms.surveys.seed import POST_SERVICE, SERVQUAL

_numbers = itertools.count(1)


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
    return make_user("agent", unit=org.hall1, username="s_agent")


@pytest.fixture
def resolver(org: Any, make_user: Any) -> Any:
    return make_user("agent", unit=org.hall1, username="s_resolver")


@pytest.fixture
def manager(org: Any, make_user: Any) -> Any:
    """Manager of branch 1 (verifies tickets, gets the follow-ups of hall 1)."""
    return make_user("unit_manager", unit=org.branch1, username="s_manager")


@pytest.fixture
def quality(org: Any, make_user: Any) -> Any:
    """A quality manager of branch 1."""
    return make_user("quality_manager", unit=org.branch1, username="s_quality")


def make_customer(unit: Any, *, segment: str = "mass", language: str = "zh-hans") -> Any:
    from sqms.customers.models import Customer

    n = next(_numbers)
    return Customer.objects.create(
        number=f"C{n:08d}",
        org_unit=unit,
        name=f"客户{n}",
        phone=f"1380013{n:04d}",
        segment=segment,
        language=language,
    )


@pytest.fixture
def customer(org: Any) -> Any:
    return make_customer(org.hall1)


@pytest.fixture
def close_ticket(agent: Any, resolver: Any, manager: Any) -> Any:
    """close_ticket(**register keywords) → a ticket of hall 1 driven to closed."""

    def make(**values: Any) -> Any:
        values.setdefault("kind", TicketKind.BUSINESS)
        values.setdefault("channel", Channel.COUNTER)
        values.setdefault("title", "办理宽带提速")
        ticket = desk.register_ticket(actor=agent, **values)
        desk.respond_to_ticket(ticket, actor=agent, message="已受理")
        desk.start_ticket(ticket, actor=agent)
        desk.resolve_ticket(ticket, actor=agent, resolution="已办理完成")
        desk.verify_resolution(ticket, actor=manager)
        return desk.close_ticket(ticket, actor=agent)

    return make


def post_service() -> SurveyTemplate:
    return SurveyTemplate.objects.get(code=POST_SERVICE)


def servqual() -> SurveyTemplate:
    return SurveyTemplate.objects.get(code=SERVQUAL)


def current(template: SurveyTemplate) -> SurveyVersion:
    version = template.current_version()
    assert version is not None
    return version


@pytest.fixture
def rule(org: Any) -> InvitationRule:
    return InvitationRule.objects.create(
        name="全部归档工单",
        org_unit=org.hq,
        template=post_service(),
        sampling_rate=100,
        quiet_days=30,
        expiry_days=7,
    )


def answer(
    values: dict[str, Any],
    *,
    version: SurveyVersion | None = None,
    ticket: Any = None,
    invitation: Any = None,
    org_unit: Any = None,
    mode: str = "link",
    entered_by: Any = None,
) -> SurveyResponse:
    """A completed response with `values` (question code → value)."""
    version = version or (invitation.version if invitation else current(post_service()))
    response = services.start_response(
        version=version,
        invitation=invitation,
        ticket=ticket,
        org_unit=org_unit,
        mode=mode,
        entered_by=entered_by,
    )
    return services.submit(response, values, actor=entered_by)
