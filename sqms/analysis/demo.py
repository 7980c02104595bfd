"""Demo analyses for `sqms demo`: one run of each over the demo history, plus a small burst of
number-porting complaints this month in the Tianhe hall so the hot-spot page has a story."""

import datetime
import logging
from typing import Any

from django.utils import timezone

from sqms.analysis import services
from sqms.analysis.choices import PeriodKind
from sqms.core.errors import DomainError

logger = logging.getLogger(__name__)

COMPANY = "HNTEL"
HALL = "HNTEL-GZ-TH"
PREFIX = "DEMOAN"
BURST = [
    ("携号转网被拒绝办理", "客户要求携号转网，营业员称合约未到期无法办理，客户不认可"),
    ("携号转网授权码收不到", "多次发送短信申请携号转网授权码均未收到"),
    ("携号转网后宽带被停", "办理携号转网后家里宽带被停机，要求恢复"),
    ("携号转网办理时间过长", "在营业厅办理携号转网等了两个小时"),
]


def _burst(hall: Any, owner: Any) -> None:
    from sqms.quality.sources import day_start
    from sqms.quality.synthetic import insert_tickets
    from sqms.servicedesk.models import Ticket

    if Ticket.objects.filter(number__startswith=PREFIX).exists():
        return
    today = timezone.localdate()
    first = today.replace(day=1)
    rows = []
    for i in range(12):
        day = first + datetime.timedelta(days=i % max(1, (today - first).days + 1))
        created = day_start(day) + datetime.timedelta(hours=9 + i % 8)
        title, description = BURST[i % len(BURST)]
        rows.append(
            {
                "number": f"{PREFIX}{i:08d}",
                "kind": "complaint",
                "channel": "counter" if i % 3 else "phone",
                "title": title,
                "description": description,
                "org_unit_id": hall.pk,
                "first_contact_owner_id": owner.pk,
                "created_at": created,
                "updated_at": created,
                "status": "in_progress",
                "resolve_due_at": created + datetime.timedelta(hours=48),
            }
        )
    insert_tickets(iter(rows))


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    from sqms.core.system_actor import system_actor

    company = units.get(COMPANY)
    if company is None:
        return
    owner = users_by_role.get("agent") or next(iter(users_by_role.values()))
    if HALL in units:
        _burst(units[HALL], owner)
    actor = system_actor()
    jobs = [
        lambda: services.compute_hotspots(actor=actor, unit=company, period_kind=PeriodKind.MONTH),
        lambda: services.compute_hotspots(actor=actor, unit=company, period_kind=PeriodKind.WEEK),
        lambda: services.compute_segments(actor=actor, unit=company, seed=42),
        lambda: services.compute_associations(actor=actor, unit=company, min_support=0.03),
        lambda: services.compute_forecasts(actor=actor, unit=company),
    ]
    for job in jobs:
        try:
            job()
        except DomainError as skipped:
            logger.info("demo analysis skipped: %s", skipped)
