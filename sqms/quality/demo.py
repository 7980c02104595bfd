"""Demo data of the quality app: four months of service history for the demo halls and teams,
rollups built from it, a hall's own target and the early-warning rules, evaluated once."""

import datetime
from typing import Any

from django.utils import timezone

from sqms.core.models import OrgUnit, User
from sqms.quality import rollups
from sqms.quality.models import AlertRule, Indicator, Target
from sqms.quality.synthetic import insert_tickets, ticket_rows
from sqms.quality.warning import evaluate_rules

DEMO_TICKETS = 3000
DEMO_DAYS = 120


def populate(units: dict[str, OrgUnit], users_by_role: dict[str, Any]) -> None:
    from sqms.servicedesk.models import Category, Ticket

    if Ticket.objects.filter(number__startswith="DEMO").exists():
        return
    leaves = [u for u in units.values() if u.kind in ("hall", "team", "call_centre", "counter")]
    if not leaves:
        return
    staff_ids = list(User.objects.filter(org_unit__in=leaves).values_list("pk", flat=True))
    agent = users_by_role.get("agent") or next(iter(users_by_role.values()))
    staff_by_unit: dict[int, list[int]] = {0: staff_ids or [agent.pk]}
    for unit in leaves:
        own = list(User.objects.filter(org_unit=unit).values_list("pk", flat=True))
        if own:
            staff_by_unit[unit.pk] = own
    categories = list(Category.objects.filter(is_active=True).values_list("pk", flat=True))
    today = timezone.localdate()
    insert_tickets(
        ticket_rows(
            DEMO_TICKETS,
            unit_ids=[u.pk for u in leaves],
            staff_by_unit=staff_by_unit,
            category_ids=categories,
            first_day=today - datetime.timedelta(days=DEMO_DAYS),
            days=DEMO_DAYS,
            prefix="DEMO",
        )
    )
    rollups.rebuild(restart=True)

    manager = users_by_role.get("quality_manager") or agent
    hall = next((u for u in leaves if u.kind == "hall"), leaves[0])
    response = Indicator.objects.get(code="avg_response_minutes")
    Target.objects.create(
        indicator=response,
        org_unit=hall,
        valid_from=today.replace(day=1),
        target=2,
        alarm=4,
        reason="旗舰厅提高标准 / flagship hall raises the bar",
        created_by=manager,
    )
    root = min(units.values(), key=lambda u: u.depth)
    for name, kind, code in (
        ("投诉处理率低于目标", "band", "complaint_handling_rate"),
        ("平均响应时间失控", "control", "avg_response_minutes"),
        ("SLA 达成率连续下降", "run", "sla_rate"),
        ("投诉类别突增", "spike", None),
    ):
        AlertRule.objects.create(
            name=name,
            kind=kind,
            indicator=Indicator.objects.get(code=code) if code else None,
            org_unit=root,
            owner=manager,
            created_by=manager,
        )
    evaluate_rules()
