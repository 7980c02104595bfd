"""Demo data of the quality app: two years of service history for the demo halls and teams
(sqms.quality.history), rollups built from it, a hall's own target and the early-warning
rules, evaluated once. `sqms demo --scale N` grows the history to N tickets (`scale`)."""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from sqms.core.models import OrgUnit
from sqms.quality import history, rollups
from sqms.quality.models import AlertRule, Indicator, Target
from sqms.quality.warning import evaluate_rules

DEMO_TICKETS = 6000


def populate(units: dict[str, OrgUnit], users_by_role: dict[str, Any]) -> None:
    if history.loaded():
        return
    leaves = [u for u in units.values() if u.kind in history.SERVING]
    if not leaves:
        return
    agent = users_by_role.get("agent") or next(iter(users_by_role.values()))
    today = timezone.localdate()
    history.extend(DEMO_TICKETS, leaves=leaves)
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


def scale(target: int, progress: Callable[[str, int, int], None]) -> int:
    """Grow the demo history to `target` tickets, then rebuild the rollups over it (both
    resumable: run it again after an interruption); returns how many the history holds.
    `progress(step, done, total)`."""
    from django.utils.translation import gettext as _

    tickets, days = _("tickets"), _("days of rollups")
    written = history.extend(target, progress=lambda done, total: progress(tickets, done, total))
    if written or not rollups_complete():
        rollups.rebuild(
            restart=bool(written),
            progress=lambda first, done, until, rows: progress(
                days, (done - first).days + 1, (until - first).days + 1
            ),
        )
    return history.loaded()


def rollups_complete() -> bool:
    from sqms.quality.models import RollupState

    state = RollupState.objects.filter(name="rebuild").first()
    return state is not None and not state.running
