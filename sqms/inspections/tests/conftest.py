"""Fixtures of the inspections tests: the people, a hall inspection, closed tickets.

The inspector sits in branch 2 (like a quality department beside the halls, not above them)
and still inspects hall 1: inspectors inspect every unit.
"""

import datetime
import itertools
from collections.abc import Callable
from typing import Any

import factory
import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from sqms.core.tests.factories import TEST_PASSWORD, UserFactory
from sqms.inspections import services
from sqms.inspections.models import ChecklistTemplate, ChecklistVersion, Inspection
from sqms.inspections.services import ScoreInput
from sqms.servicedesk.models import Ticket

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
def qm(org: Any, make_user: Any) -> Any:
    return make_user("quality_manager", unit=org.hq, username="qm")


@pytest.fixture
def inspector(org: Any, make_user: Any) -> Any:
    return make_user("quality_inspector", unit=org.branch2, username="inspector")


@pytest.fixture
def clerk(org: Any, make_user: Any) -> Any:
    return make_user("agent", unit=org.hall1, username="clerk")


def hall_version() -> ChecklistVersion:
    version = ChecklistTemplate.objects.get(code="hall-inspection").current_version()
    assert version is not None
    return version


def mystery_version() -> ChecklistVersion:
    version = ChecklistTemplate.objects.get(code="mystery-shopper").current_version()
    assert version is not None
    return version


def full_marks(version: ChecklistVersion, **overrides: ScoreInput) -> dict[int, ScoreInput]:
    return {item.pk: ScoreInput(score=item.top_score) for item in version.items.all()}


@pytest.fixture
def plan_inspection(org: Any, inspector: Any) -> Callable[..., Inspection]:
    def make(unit: Any = None, version: Any = None, **fields: Any) -> Inspection:
        return services.create_inspection(
            actor=inspector,
            version=version or hall_version(),
            org_unit=unit or org.hall1,
            planned_for=timezone.localdate(),
            **fields,
        )

    return make


def closed_ticket(unit: Any, agent: Any, closed_at: datetime.datetime, **fields: Any) -> Ticket:
    """A closed ticket as the service desk stores it (resolved and closed by `agent`)."""
    fields.setdefault("kind", "consultation")
    fields.setdefault("channel", "phone")
    return Ticket.objects.create(
        number=f"SQ{next(_numbers):014d}",
        title="测试工单",
        org_unit=unit,
        first_contact_owner=agent,
        resolved_by=agent,
        impact=2,
        urgency=2,
        priority=3,
        status="closed",
        resolved_at=closed_at - datetime.timedelta(hours=1),
        resolve_minutes=30,
        closed_at=closed_at,
        **fields,
    )
