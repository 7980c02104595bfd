"""The effectiveness check against an indicator read over a time-travelled period, and the
ticket-based indicators against counts made by hand."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sqms.core.errors import DomainError
from sqms.improvement import checks, services
from sqms.improvement.choices import Stage, Verdict
from sqms.improvement.indicators import _ticket_indicator, indicator_choices, indicator_value
from sqms.servicedesk import services as desk
from sqms.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY0 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def _resolved(agent: Any, *, error: bool, **values: Any) -> Ticket:
    values.setdefault("kind", "business")
    ticket = desk.register_ticket(actor=agent, channel="counter", title="办理套餐变更", **values)
    desk.respond_to_ticket(ticket, actor=agent, message="已受理")
    desk.start_ticket(ticket, actor=agent)
    return desk.resolve_ticket(
        ticket,
        actor=agent,
        resolution="已办理",
        service_error=error,
        service_error_reason="录入错误" if error else "",
    )


@pytest.fixture
def agents(make_user: Any, org: Any) -> tuple[Any, Any]:
    return make_user("agent", unit=org.counter1), make_user("agent", unit=org.hall2)


def _indicator_action(make_action: Any, qm: Any, **values: Any) -> Any:
    action = make_action(
        indicator_code="service_error_rate",
        target_value=Decimal("5"),
        target_direction="lower",
        baseline_value=Decimal("50"),
        deadline=date(2026, 3, 31),
        check_due_on=date(2026, 4, 1),
        **values,
    )
    services.advance(action, "start_do", actor=qm)
    return action


def test_check_reads_the_indicator_over_the_do_period_and_proposes(
    make_action: Any, qm: Any, agents: tuple[Any, Any], time_machine: Any
) -> None:
    here, elsewhere = agents
    # Before the measures: half the tickets had a service error (the baseline).
    time_machine.move_to(DAY0 - timedelta(days=10), tick=False)
    for error in (True, False, True, False):
        _resolved(here, error=error)
    time_machine.move_to(DAY0, tick=False)
    action = _indicator_action(make_action, qm)
    # While the measures run: 1 error in 20 (5.00%) here; errors elsewhere do not count.
    for offset in range(20):
        time_machine.move_to(DAY0 + timedelta(days=1 + offset), tick=False)
        _resolved(here, error=offset == 7)
        _resolved(elsewhere, error=True)
    services.add_progress(action, actor=qm, note="录入双人复核已执行", progress=100)
    services.advance(action, "start_check", actor=qm)
    time_machine.move_to(datetime(2026, 3, 31, 9, 0, tzinfo=SHANGHAI), tick=False)
    with pytest.raises(DomainError):  # the check date has not come
        checks.record_check(action, actor=qm)
    time_machine.move_to(datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI), tick=False)
    proposal = checks.propose_check(action)
    assert (proposal["period_start"], proposal["period_end"]) == (
        date(2026, 3, 2),
        date(2026, 3, 31),
    )
    assert proposal["measured_value"] == Decimal("5.00")
    assert proposal["proposed_verdict"] == Verdict.EFFECTIVE
    # Overruling the proposal needs a reason.
    with pytest.raises(DomainError) as refused:
        checks.record_check(action, actor=qm, verdict=Verdict.NOT_EFFECTIVE)
    assert refused.value.field == "note"
    check = checks.record_check(action, actor=qm)  # accept the proposal
    assert check.verdict == check.proposed_verdict == Verdict.EFFECTIVE
    assert check.measured_value == Decimal("5.00")
    services.advance(action, "start_act", actor=qm)
    services.advance(action, "close", actor=qm, note="双人复核写入操作规范")
    assert action.stage == Stage.CLOSED


def test_check_fails_when_the_indicator_misses_the_target(
    make_action: Any, qm: Any, agents: tuple[Any, Any], time_machine: Any
) -> None:
    here, _elsewhere = agents
    time_machine.move_to(DAY0, tick=False)
    action = _indicator_action(make_action, qm)
    time_machine.move_to(DAY0 + timedelta(days=3), tick=False)
    for error in (True, False, False, False, False):  # 20%
        _resolved(here, error=error)
    services.advance(action, "start_check", actor=qm)
    time_machine.move_to(datetime(2026, 4, 2, 9, 0, tzinfo=SHANGHAI), tick=False)
    check = checks.record_check(action, actor=qm)
    assert check.measured_value == Decimal("20.00")
    assert check.verdict == Verdict.NOT_EFFECTIVE
    # An explicit period is honoured.
    narrow = checks.propose_check(action, date(2026, 3, 10), date(2026, 3, 20))
    assert narrow["measured_value"] is None and narrow["proposed_verdict"] == ""


def test_ticket_indicators_equal_a_count_by_hand(
    make_user: Any, org: Any, time_machine: Any
) -> None:
    agent = make_user("agent", unit=org.hall1)
    time_machine.move_to(DAY0, tick=False)
    complaints = [
        desk.register_ticket(actor=agent, kind="complaint", channel="phone", title=f"投诉 {n}")
        for n in range(4)
    ]
    for ticket in complaints[:3]:
        desk.respond_to_ticket(ticket, actor=agent, message="已联系")
        desk.start_ticket(ticket, actor=agent)
        desk.resolve_ticket(ticket, actor=agent, resolution="已处理")
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    rows = list(Ticket.objects.filter(org_unit__path__startswith=org.hall1.path))
    due = [
        t
        for t in rows
        if t.kind == "complaint"
        and t.resolve_due_at
        and start <= t.resolve_due_at.astimezone(SHANGHAI).date() <= end
    ]
    handled = [t for t in due if t.resolved_at is not None]
    expected = Decimal(len(handled) * 100) / Decimal(len(due))
    assert _ticket_indicator("complaint_handling_rate", org.hall1, start, end) == expected.quantize(
        Decimal("0.01")
    )
    resolved = [t for t in rows if t.resolved_at is not None]
    on_time = [
        t
        for t in resolved
        if t.resolve_due_at and t.resolved_at and t.resolved_at <= t.resolve_due_at
    ]
    assert _ticket_indicator("sla_rate", org.hall1, start, end) == (
        Decimal(len(on_time) * 100) / Decimal(len(resolved))
    ).quantize(Decimal("0.01"))
    responded = [t for t in rows if t.responded_at is not None]
    mean = sum(t.response_minutes or 0 for t in responded) / len(responded)
    assert _ticket_indicator("avg_response_minutes", org.hall1, start, end) == Decimal(
        str(mean)
    ).quantize(Decimal("0.01"))
    assert _ticket_indicator("reopen_rate", org.hall1, start, end) == Decimal("0.00")
    assert _ticket_indicator("response_ontime_rate", org.hall1, start, end) is not None
    # Another unit, an empty period and an unknown code have no value.
    assert _ticket_indicator("sla_rate", org.hall2, start, end) is None
    assert _ticket_indicator("sla_rate", org.hall1, date(2025, 1, 1), date(2025, 1, 31)) is None
    assert _ticket_indicator("no_such_indicator", org.hall1, start, end) is None
    assert "sla_rate" in dict(indicator_choices())


def test_indicator_value_asks_the_quality_app_first(
    make_user: Any, org: Any, time_machine: Any
) -> None:
    from django.apps import apps

    agent = make_user("agent", unit=org.hall1)
    time_machine.move_to(DAY0, tick=False)
    for error in (True, False, False, False):
        _resolved(agent, error=error)
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    local = _ticket_indicator("service_error_rate", org.hall1, start, end)
    assert local == Decimal("25.00")
    value = indicator_value("service_error_rate", org.hall1, start, end)
    if not apps.is_installed("sqms.quality"):
        assert value == local
        return
    from sqms.quality import services as quality

    external = quality.indicator_value("service_error_rate", org.hall1, start, end)
    # The quality app's answer wins when it has one; without one the local count stands in.
    assert value == (external.quantize(Decimal("0.01")) if external is not None else local)
