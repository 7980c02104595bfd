"""Small, fast fixtures of the analysis tests: tickets and customers written in bulk."""

import datetime
import itertools
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from sqms.quality.sources import day_start
from sqms.quality.synthetic import insert_tickets

_numbers = itertools.count(1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return day_start(day) + datetime.timedelta(hours=hour)


def ticket(
    unit: Any,
    owner: Any,
    day: datetime.date,
    *,
    kind: str = "complaint",
    channel: str = "phone",
    title: str = "投诉",
    description: str = "",
    category: Any = None,
    customer: Any = None,
    resolved: bool = False,
    hour: int = 10,
) -> dict[str, Any]:
    created = at(day, hour)
    row: dict[str, Any] = {
        "number": f"SQ{next(_numbers):014d}",
        "kind": kind,
        "channel": channel,
        "title": title,
        "description": description,
        "org_unit_id": unit.pk,
        "first_contact_owner_id": owner.pk,
        "created_at": created,
        "updated_at": created,
        "status": "new",
        "category_id": getattr(category, "pk", None),
        "customer_id": getattr(customer, "pk", None),
        "resolve_due_at": created + datetime.timedelta(hours=48),
    }
    if resolved:
        row["status"] = "resolved"
        row["resolved_at"] = created + datetime.timedelta(hours=2)
    return row


def insert(rows: Iterable[dict[str, Any]]) -> int:
    return insert_tickets(iter(list(rows)))


def customers(unit: Any, count: int, *, segment: str = "mass", age_days: int = 400) -> list[Any]:
    from sqms.customers.models import Customer

    made = Customer.objects.bulk_create(
        [
            Customer(number=f"TC{next(_numbers):08d}", org_unit=unit, segment=segment)
            for _ in range(count)
        ]
    )
    created = timezone.now() - datetime.timedelta(days=age_days)
    Customer.objects.filter(pk__in=[c.pk for c in made]).update(created_at=created)
    return made


def category(code: str, name: str, parent: Any = None) -> Any:
    from sqms.servicedesk.models import Category

    existing = Category.objects.filter(code=code).first()
    if existing:
        return existing
    values = {"code": code, "name": name, "name_en": code.title()}
    if parent is None:
        return Category.objects.add_root(values)
    return Category.objects.add_child(parent, values)
