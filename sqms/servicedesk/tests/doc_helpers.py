"""Test data for the receipt, visit, attachment and import tests: tickets made directly, so
these tests do not depend on the registration service's SLA planning."""

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from sqms.core.models import OrgUnit
from sqms.servicedesk.choices import Channel, Level, Priority, TicketKind
from sqms.servicedesk.models import SlaPolicy, Ticket

_serial = itertools.count(1)


def make_ticket(unit: OrgUnit, owner: Any, **values: Any) -> Ticket:
    n = next(_serial)
    now = timezone.now()
    defaults: dict[str, Any] = {
        "number": f"SQT{now:%Y%m%d}{n:06d}",
        "kind": TicketKind.COMPLAINT,
        "channel": Channel.COUNTER,
        "title": f"宽带无法上网 {n}",
        "description": "客户反映家中宽带从昨晚起无法连接。",
        "customer_name": "李小龙",
        "customer_phone": "13812345678",
        "impact": Level.MEDIUM,
        "urgency": Level.MEDIUM,
        "priority": Priority.P3,
        "org_unit": unit,
        "first_contact_owner": owner,
        "created_by": owner,
    }
    defaults.update(values)
    return Ticket.objects.create(**defaults)


def make_committed_ticket(unit: OrgUnit, owner: Any, **values: Any) -> Ticket:
    """A ticket with an SLA policy and due times, as registration leaves one."""
    policy = SlaPolicy.objects.create(
        name="投诉 24 小时响应、48 小时解决", response_minutes=24 * 60, resolve_minutes=48 * 60
    )
    now = timezone.now()
    values.setdefault("sla_policy", policy)
    values.setdefault("response_due_at", now + timedelta(hours=24))
    values.setdefault("resolve_due_at", now + timedelta(hours=48))
    return make_ticket(unit, owner, **values)
