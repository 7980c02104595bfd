"""Service-desk fixtures for every test of the app (services, sweep, API, views).

    def test_x(make_ticket, agent, ticket_in_status, verifier):
        ticket = make_ticket(agent, kind="complaint", channel="phone")
        resolved = ticket_in_status("resolved", actor=agent)

Tickets go through the real services, so they are numbered, planned and on the timeline
exactly as in production. The seed migration's categories, matrix and policies are present.
"""

from typing import Any

import factory
import pytest
from django.contrib.auth.hashers import make_password

from sqms.core.tests.factories import TEST_PASSWORD, UserFactory
from sqms.servicedesk import services
from sqms.servicedesk.choices import Channel, TicketKind, TicketStatus
from sqms.servicedesk.models import Category, Ticket

# How to reach each status from "new" (the verifier verifies; everyone else is the actor).
PATH_TO_STATUS: dict[str, list[str]] = {
    TicketStatus.NEW: [],
    TicketStatus.TRIAGED: ["triage"],
    TicketStatus.RESPONDED: ["respond"],
    TicketStatus.IN_PROGRESS: ["respond", "start"],
    TicketStatus.WAITING_CUSTOMER: ["respond", "start", "pause"],
    TicketStatus.RESOLVED: ["respond", "start", "resolve"],
    TicketStatus.VERIFIED: ["respond", "start", "resolve", "verify"],
    TicketStatus.CLOSED: ["respond", "start", "resolve", "verify", "close"],
    TicketStatus.REOPENED: ["respond", "start", "resolve", "reopen"],
}


@pytest.fixture(scope="session")
def password_hash() -> str:
    """TEST_PASSWORD hashed once: Argon2 takes most of a second here, per user."""
    return make_password(TEST_PASSWORD)


@pytest.fixture
def make_user(org: Any, password_hash: str) -> Any:
    """The project's make_user, with the password hash computed once per session (users
    still log in with TEST_PASSWORD)."""

    def make(*roles: str, unit: Any = None, **kwargs: Any) -> Any:
        # Force: the factory's Password would otherwise hash the hash again.
        kwargs.setdefault("password", factory.Transformer.Force(password_hash))
        return UserFactory(org_unit=unit or org.hall1, roles=list(roles), **kwargs)

    return make


@pytest.fixture
def agent(org: Any, make_user: Any) -> Any:
    """An agent of hall 1."""
    return make_user("agent", unit=org.hall1, username="agent1")


@pytest.fixture
def other_agent(org: Any, make_user: Any) -> Any:
    """A second agent of hall 1 (to take over, resolve, …)."""
    return make_user("agent", unit=org.hall1, username="agent2")


@pytest.fixture
def unit_manager(org: Any, make_user: Any) -> Any:
    """The manager of branch 1 (sees hall 1, its counter and the call centre; may verify)."""
    return make_user("unit_manager", unit=org.branch1, username="manager1")


@pytest.fixture
def verifier(org: Any, make_user: Any) -> Any:
    """A quality inspector of branch 1: verifies resolutions, does not work tickets."""
    return make_user("quality_inspector", unit=org.branch1, username="inspector1")


@pytest.fixture
def outsider(org: Any, make_user: Any) -> Any:
    """An agent of hall 2 (branch 2): every branch-1 ticket is outside their scope."""
    return make_user("agent", unit=org.hall2, username="agent_h2")


def category(code: str) -> Category:
    return Category.objects.get(code=code)


@pytest.fixture
def make_ticket(db: Any) -> Any:
    """make_ticket(actor, **register_ticket keywords) → a registered ticket."""

    def make(actor: Any, **values: Any) -> Ticket:
        values.setdefault("kind", TicketKind.CONSULTATION)
        values.setdefault("channel", Channel.WEB)
        values.setdefault("title", "宽带无法上网")
        return services.register_ticket(actor=actor, **values)

    return make


def advance(ticket: Ticket, action: str, *, actor: Any, verifier: Any) -> Ticket:
    """Apply one action of PATH_TO_STATUS with plausible arguments."""
    if action == "triage":
        return services.triage_ticket(ticket, actor=actor, category=category("network"))
    if action == "respond":
        return services.respond_to_ticket(ticket, actor=actor, message="已联系客户")
    if action == "start":
        return services.start_ticket(ticket, actor=actor)
    if action == "pause":
        return services.pause_ticket(ticket, actor=actor, reason="等待客户提供账单")
    if action == "resolve":
        return services.resolve_ticket(ticket, actor=actor, resolution="已重置端口，恢复上网")
    if action == "verify":
        return services.verify_resolution(ticket, actor=verifier)
    if action == "close":
        return services.close_ticket(ticket, actor=actor)
    if action == "reopen":
        return services.reopen_ticket(ticket, actor=actor, reason="客户反馈仍无法上网")
    raise ValueError(action)


@pytest.fixture
def ticket_in_status(make_ticket: Any, verifier: Any) -> Any:
    """ticket_in_status("resolved", actor=agent, **register keywords) → a ticket driven
    through the real services to that status (verified by the `verifier` fixture)."""

    def make(status: str, *, actor: Any, **values: Any) -> Ticket:
        ticket = make_ticket(actor, **values)
        for action in PATH_TO_STATUS[status]:
            ticket = advance(ticket, action, actor=actor, verifier=verifier)
        assert ticket.status == status
        return ticket

    return make
