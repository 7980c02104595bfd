"""Targets (inheritance, versions, bands) and alert handling rules."""

import datetime
from decimal import Decimal
from typing import Any

import pytest

from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent, Notification
from sqms.quality import services
from sqms.quality.choices import AlertStatus, Band, RuleKind
from sqms.quality.models import Alert, AlertRule, Indicator, Target

pytestmark = pytest.mark.django_db


def _indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def test_catalogue_is_seeded_with_design_targets() -> None:
    codes = set(Indicator.objects.values_list("code", flat=True))
    assert {
        "csat",
        "complaint_handling_rate",
        "avg_response_minutes",
        "avg_handling_minutes",
        "service_error_rate",
        "sla_rate",
        "fcr_rate",
        "reopen_rate",
        "nps",
        "avg_wait_minutes",
        "inspection_score",
        "response_ontime_rate",
    } <= codes
    seeded = {t.indicator.code: (t.target, t.strict) for t in Target.objects.filter(org_unit=None)}
    assert seeded["csat"] == (Decimal("90"), False)
    assert seeded["complaint_handling_rate"] == (Decimal("100"), False)
    assert seeded["avg_response_minutes"] == (Decimal("3"), False)
    assert seeded["avg_handling_minutes"] == (Decimal("20"), False)
    assert seeded["service_error_rate"] == (Decimal("5"), True)


def test_targets_inherit_down_the_tree_and_are_versioned(org: Any, quality_manager: Any) -> None:
    response = _indicator("avg_response_minutes")
    day = datetime.date(2026, 5, 1)
    assert services.targets_in_force(org.counter1, day)[response.pk].target == 3
    services.set_target(
        actor=quality_manager,
        indicator=response,
        org_unit=org.branch1,
        valid_from=datetime.date(2026, 4, 1),
        target=Decimal(2),
        alarm=Decimal(4),
        reason="提高标准",
    )
    # The branch's version reaches the counter below it; the other branch keeps the default.
    assert services.targets_in_force(org.counter1, day)[response.pk].target == 2
    assert services.targets_in_force(org.hall2, day)[response.pk].target == 3
    # The past keeps its target.
    assert (
        services.targets_in_force(org.counter1, datetime.date(2026, 3, 31))[response.pk].target == 3
    )
    # A later version of the same unit replaces it from its date; a nearer unit wins.
    services.set_target(
        actor=quality_manager,
        indicator=response,
        org_unit=org.branch1,
        valid_from=datetime.date(2026, 5, 1),
        target=Decimal("2.5"),
        alarm=Decimal(4),
        reason="调整",
    )
    services.set_target(
        actor=quality_manager,
        indicator=response,
        org_unit=org.hall1,
        valid_from=datetime.date(2026, 1, 1),
        target=Decimal("1.5"),
        alarm=Decimal(3),
        reason="旗舰厅",
    )
    assert services.targets_in_force(org.call_centre, day)[response.pk].target == Decimal("2.5")
    assert services.targets_in_force(org.counter1, day)[response.pk].target == Decimal("1.5")
    assert Target.objects.filter(indicator=response).count() == 4  # nothing rewritten
    event = AuditEvent.objects.filter(
        object_type="quality.target", action=AuditAction.CREATE
    ).last()
    assert event is not None and event.actor == quality_manager


def test_target_refusals(org: Any, make_user: Any, quality_manager: Any) -> None:
    higher = _indicator("sla_rate")
    lower = _indicator("avg_response_minutes")
    kwargs: dict[str, Any] = {"valid_from": datetime.date(2026, 1, 1)}
    with pytest.raises(DomainError) as no_reason:
        services.set_target(
            actor=quality_manager,
            indicator=higher,
            org_unit=org.hall1,
            target=Decimal(95),
            alarm=Decimal(90),
            reason="  ",
            **kwargs,
        )
    assert no_reason.value.field == "reason"
    with pytest.raises(DomainError) as wrong_way:
        services.set_target(
            actor=quality_manager,
            indicator=higher,
            org_unit=org.hall1,
            target=Decimal(90),
            alarm=Decimal(95),
            reason="x",
            **kwargs,
        )
    assert wrong_way.value.field == "alarm"
    with pytest.raises(DomainError):
        services.set_target(
            actor=quality_manager,
            indicator=lower,
            org_unit=org.hall1,
            target=Decimal(5),
            alarm=Decimal(3),
            reason="x",
            **kwargs,
        )
    local_manager = make_user("unit_manager", unit=org.branch1)
    with pytest.raises(DomainError) as out_of_scope:
        services.set_target(
            actor=local_manager,
            indicator=higher,
            org_unit=org.hall2,
            target=Decimal(95),
            alarm=Decimal(90),
            reason="x",
            **kwargs,
        )
    assert out_of_scope.value.field == "org_unit"
    with pytest.raises(DomainError):
        services.set_target(
            actor=local_manager,
            indicator=higher,
            org_unit=None,
            target=Decimal(95),
            alarm=Decimal(90),
            reason="x",
            **kwargs,
        )
    assert Target.objects.filter(indicator=higher).count() == 0


@pytest.mark.parametrize(
    ("code", "value", "band"),
    [
        ("complaint_handling_rate", 100.0, Band.GREEN),
        ("complaint_handling_rate", 97.0, Band.WARNING),
        ("complaint_handling_rate", 95.0, Band.WARNING),
        ("complaint_handling_rate", 94.9, Band.ALARM),
        ("avg_response_minutes", 3.0, Band.GREEN),
        ("avg_response_minutes", 4.0, Band.WARNING),
        ("avg_response_minutes", 5.1, Band.ALARM),
        ("service_error_rate", 4.99, Band.GREEN),
        ("service_error_rate", 5.0, Band.WARNING),  # "< 5%": 5 is not green
        ("service_error_rate", 8.5, Band.ALARM),
        ("complaint_handling_rate", None, Band.NO_DATA),
        ("sla_rate", 50.0, Band.NO_TARGET),
    ],
)
def test_bands(org: Any, code: str, value: float | None, band: str) -> None:
    indicator = _indicator(code)
    target = services.targets_in_force(org.hall1, datetime.date(2026, 1, 1)).get(indicator.pk)
    assert services.band_of(indicator, value, target) == band


@pytest.fixture
def alert(org: Any, quality_manager: Any) -> Alert:
    rule = AlertRule.objects.create(
        name="r",
        kind=RuleKind.BAND,
        indicator=_indicator("sla_rate"),
        org_unit=org.hq,
        owner=quality_manager,
    )
    return Alert.objects.create(
        rule=rule,
        org_unit=org.hall1,
        slice_key=f"u{org.hall1.pk}",
        severity="high",
        owner=quality_manager,
        day=datetime.date(2026, 1, 1),
        message="SLA 下降",
        last_seen_at=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC),
    )


def test_alert_acknowledge_and_close_with_note(
    alert: Alert,
    org: Any,
    make_user: Any,
    quality_manager: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    manager = make_user("unit_manager", unit=org.hall1)
    acknowledged = services.acknowledge_alert(alert, actor=manager)
    assert (
        acknowledged.status == AlertStatus.ACKNOWLEDGED and acknowledged.acknowledged_by == manager
    )
    with pytest.raises(ConflictError):
        services.acknowledge_alert(alert, actor=manager)
    with pytest.raises(DomainError) as no_note:
        services.close_alert(alert, actor=manager, note=" ")
    assert no_note.value.field == "note"
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.close_alert(alert, actor=manager, note="已培训窗口人员")
    assert closed.status == AlertStatus.CLOSED and closed.close_note == "已培训窗口人员"
    assert Notification.objects.filter(recipient=quality_manager).exists()  # the owner is told
    with pytest.raises(ConflictError):
        services.close_alert(alert, actor=manager, note="again")
    assert (
        AuditEvent.objects.filter(object_type="quality.alert", object_id=str(alert.pk)).count() == 2
    )


def test_link_improvement_action_respects_scope(alert: Alert, org: Any, make_user: Any) -> None:
    from sqms.improvement.models import ImprovementAction

    manager = make_user("unit_manager", unit=org.branch1)
    inside = ImprovementAction.objects.create(
        number="IA-1", title="缩短等候", source="alert", org_unit=org.hall1, owner=manager
    )
    outside = ImprovementAction.objects.create(
        number="IA-2", title="别处", source="alert", org_unit=org.hall2, owner=manager
    )
    linked = services.link_improvement_action(alert, inside, actor=manager)
    assert linked.improvement_action == inside
    with pytest.raises(DomainError) as refused:
        services.link_improvement_action(alert, outside, actor=manager)
    assert refused.value.field == "improvement_action"
    alert.refresh_from_db()
    assert alert.improvement_action == inside
    assert services.link_improvement_action(alert, None, actor=manager).improvement_action is None


def test_indicator_value_for_other_apps(history: Any, org: Any) -> None:
    day = history["day"]
    value = services.indicator_value(
        "avg_response_minutes", org.hall1, day, day + datetime.timedelta(days=2)
    )
    assert value == Decimal("3.00")  # (2 + 1 + 6) / 3 per day
    assert services.indicator_value("unknown", org.hall1, day, day) is None
    assert ("sla_rate", "SLA 达成率") in services.indicator_choices() or any(
        c == "sla_rate" for c, _l in services.indicator_choices()
    )
