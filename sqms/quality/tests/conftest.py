"""Quality fixtures: raw tickets and visits written straight to the tables (rollups read
stored records, however they were made), users with a precomputed password hash."""

import datetime
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import factory
import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password

from sqms.core.tests.factories import TEST_PASSWORD, UserFactory
from sqms.servicedesk.models import Category, CounterVisit, Ticket

ZONE = ZoneInfo(settings.TIME_ZONE)
_numbers = itertools.count(1)


def local(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZONE)


def raw_ticket(unit: Any, owner: Any, created: datetime.datetime, **fields: Any) -> Ticket:
    """A ticket row as the service desk stores it; durations and times as given."""
    fields.setdefault("kind", "consultation")
    fields.setdefault("channel", "phone")
    response = fields.pop("response", None)  # minutes to first response
    resolve = fields.pop("resolve", None)  # minutes to resolution
    response_due = fields.pop("response_due", 3)
    resolve_due = fields.pop("resolve_due", 60)
    ticket = Ticket(
        number=f"QT{next(_numbers):08d}",
        title="测试工单",
        org_unit=unit,
        first_contact_owner=owner,
        impact=2,
        urgency=2,
        priority=3,
        created_at=created,
        response_due_at=created + datetime.timedelta(minutes=response_due),
        resolve_due_at=created + datetime.timedelta(minutes=resolve_due),
        **fields,
    )
    if response is not None:
        ticket.response_minutes = response
        ticket.responded_at = created + datetime.timedelta(minutes=response)
    if resolve is not None:
        ticket.resolve_minutes = resolve
        ticket.resolved_at = created + datetime.timedelta(minutes=resolve)
        ticket.resolved_by = fields.get("resolved_by", owner)
        ticket.status = "resolved"
    ticket.save()
    return ticket


def raw_visit(
    unit: Any, clerk: Any, arrived: datetime.datetime, wait_seconds: int | None
) -> CounterVisit:
    return CounterVisit.objects.create(
        org_unit=unit,
        served_by=clerk,
        arrived_at=arrived,
        called_at=None
        if wait_seconds is None
        else arrived + datetime.timedelta(seconds=wait_seconds),
    )


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
def categories(db: Any) -> list[Category]:
    return list(Category.objects.order_by("path")[:3])


@pytest.fixture
def quality_manager(org: Any, make_user: Any) -> Any:
    return make_user("quality_manager", unit=org.hq, username="qm")


@pytest.fixture
def history(org: Any, make_user: Any, categories: list[Category]) -> dict[str, Any]:
    """A few days of tickets and visits in two halls, rolled up; dates around `history_day`."""
    from sqms.quality import rollups

    day = datetime.date(2026, 2, 10)
    clerk1 = make_user("agent", unit=org.hall1, username="clerk1")
    clerk2 = make_user("agent", unit=org.hall2, username="clerk2")
    for offset in range(3):
        d = day + datetime.timedelta(days=offset)
        raw_ticket(
            org.hall1,
            clerk1,
            local(d),
            kind="complaint",
            category=categories[0],
            response=2,
            resolve=600,
        )
        raw_ticket(
            org.hall1,
            clerk1,
            local(d, 11),
            kind="business",
            channel="counter",
            response=1,
            resolve=15,
        )
        raw_ticket(
            org.counter1, clerk1, local(d, 12), kind="complaint", category=categories[1], response=6
        )
        raw_ticket(
            org.hall2, clerk2, local(d), kind="business", response=9, resolve=40, service_error=True
        )
        raw_visit(org.hall1, clerk1, local(d, 9), 300)
    rollups.rebuild(restart=True)
    return {"day": day, "clerk1": clerk1, "clerk2": clerk2}
