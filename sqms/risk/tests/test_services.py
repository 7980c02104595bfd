"""Register services: ratings computed from the matrix, every rule and refusal, each quality
check, history and audit."""

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent, Notification
from sqms.risk import services
from sqms.risk.choices import ControlStatus, Effectiveness, HistoryKind, QualityFlag, RiskStatus
from sqms.risk.flags import annotate_flags, filter_flag, flags_of
from sqms.risk.models import Risk, RiskHistory

pytestmark = pytest.mark.django_db


def flags(risk: Risk, today: date | None = None) -> set[QualityFlag]:
    day = today or timezone.localdate()
    annotated = annotate_flags(Risk.objects.filter(pk=risk.pk), day).get()
    found = set(flags_of(annotated))
    # The filter form of each flag agrees with its annotation.
    for flag in QualityFlag:
        assert filter_flag(Risk.objects.filter(pk=risk.pk), flag, day).exists() == (flag in found)
    return found


def test_raise_computes_levels_from_the_matrix(make_risk: Any, manager: Any) -> None:
    risk = make_risk(
        inherent_probability=5,
        inherent_impact=5,
        current_probability=2,
        current_impact=3,
        residual_probability=1,
        residual_impact=1,
    )
    assert (risk.inherent_level, risk.inherent_rank) == ("extreme", 4)
    assert (risk.current_level, risk.current_rank) == ("medium", 2)
    assert (risk.residual_level, risk.residual_rank) == ("low", 1)
    assert risk.number.startswith("RK")
    assert risk.history.get().kind == HistoryKind.RAISED
    assert AuditEvent.objects.filter(object_type="risk.risk", object_id=str(risk.pk)).exists()


def test_current_and_residual_default_to_inherent(make_risk: Any) -> None:
    risk = make_risk(
        current_probability=None,
        current_impact=None,
        residual_probability=None,
        residual_impact=None,
    )
    assert risk.current_level == risk.residual_level == risk.inherent_level == "high"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"inherent_probability": 6}, "inherent_probability"),
        ({"current_impact": 0}, "current_impact"),
        ({"residual_impact": "x"}, "residual_impact"),
        ({"title": "  "}, "title"),
        ({"category": "weather"}, "category"),
        ({"treatment": "ignore"}, "treatment"),
        ({"annual_probability": "0.5"}, "loss_low"),
        ({"annual_probability": "1.5", "loss_low": 10, "loss_high": 20}, "annual_probability"),
        ({"annual_probability": "0", "loss_low": 10, "loss_high": 20}, "annual_probability"),
        ({"annual_probability": "0.2", "loss_low": 0, "loss_high": 20}, "loss_low"),
        ({"annual_probability": "0.2", "loss_low": 30, "loss_high": 20}, "loss_high"),
    ],
)
def test_bad_values_are_refused(make_risk: Any, values: dict, field: str) -> None:
    with pytest.raises(DomainError) as error:
        make_risk(**values)
    assert error.value.field == field
    assert not Risk.objects.exists()


def test_scope_and_permission_rules(make_risk: Any, org: Any, make_user: Any) -> None:
    with pytest.raises(DomainError) as error:
        make_risk(org_unit=org.hall2)
    assert error.value.field == "org_unit"
    with pytest.raises(DomainError) as error:
        make_risk(owner=make_user("agent", unit=org.hall2))
    assert error.value.field == "owner"
    with pytest.raises(DomainError) as error:
        make_risk(affected_units=[org.hall2])
    assert error.value.field == "affected_units"
    agent = make_user("agent", unit=org.hall1)
    with pytest.raises(PermissionDenied):
        make_risk(actor=agent, owner=agent)
    assert not Risk.objects.exists()


def test_owner_is_notified(
    make_risk: Any, make_user: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    owner = make_user("unit_manager", unit=org.hall1)
    with django_capture_on_commit_callbacks(execute=True):
        risk = make_risk(owner=owner)
    assert Notification.objects.filter(recipient=owner, object_id=str(risk.pk)).exists()


def test_update_rerates_and_keeps_history(make_risk: Any, manager: Any) -> None:
    risk = make_risk()
    services.update_risk(risk, actor=manager, residual_probability=1, residual_impact=2)
    assert risk.residual_level == "low"
    assert risk.history.first().kind == HistoryKind.RATED
    services.update_risk(risk, actor=manager, title="新标题")
    assert risk.history.first().kind == HistoryKind.UPDATED
    with pytest.raises(DomainError):
        services.update_risk(risk, actor=manager, residual_impact=9)
    risk.refresh_from_db()
    assert risk.title == "新标题" and risk.residual_level == "low"


def test_out_of_scope_risk_is_not_found(make_risk: Any, org: Any, make_user: Any) -> None:
    risk = make_risk()
    other = make_user("quality_manager", unit=org.branch2)
    for call in (
        lambda: services.update_risk(risk, actor=other, title="x"),
        lambda: services.close_risk(risk, actor=other, reason="x"),
        lambda: services.add_control(risk, actor=other, title="x", kind="existing", owner=other),
    ):
        with pytest.raises(Http404):
            call()


def test_close_and_reopen(make_risk: Any, manager: Any) -> None:
    risk = make_risk()
    with pytest.raises(DomainError):
        services.close_risk(risk, actor=manager, reason="")
    services.close_risk(risk, actor=manager, reason="业务已下线")
    assert risk.status == RiskStatus.CLOSED
    with pytest.raises(ConflictError):
        services.close_risk(risk, actor=manager, reason="again")
    with pytest.raises(ConflictError):
        services.update_risk(risk, actor=manager, title="x")
    services.reopen_risk(risk, actor=manager, reason="业务恢复")
    assert risk.status == RiskStatus.OPEN
    with pytest.raises(ConflictError):
        services.reopen_risk(risk, actor=manager, reason="again")
    kinds = list(RiskHistory.objects.filter(risk=risk).values_list("kind", flat=True))
    assert kinds[:2] == [HistoryKind.REOPENED, HistoryKind.CLOSED]


def test_control_rules(make_risk: Any, manager: Any) -> None:
    risk = make_risk()
    with pytest.raises(DomainError) as error:
        services.add_control(risk, actor=manager, title="双机热备", kind="planned", owner=manager)
    assert error.value.field == "due_date"
    with pytest.raises(DomainError) as error:
        services.add_control(
            risk,
            actor=manager,
            title="双机热备",
            kind="existing",
            owner=manager,
            effectiveness=Effectiveness.EFFECTIVE,
        )
    assert error.value.field == "effectiveness"
    control = services.add_control(
        risk,
        actor=manager,
        title="双机热备",
        kind="planned",
        owner=manager,
        due_date=date(2099, 1, 1),
    )
    with pytest.raises(DomainError):
        services.update_control(control, actor=manager, effectiveness=Effectiveness.EFFECTIVE)
    services.update_control(
        control,
        actor=manager,
        status=ControlStatus.IMPLEMENTED,
        effectiveness=Effectiveness.EFFECTIVE,
    )
    control.refresh_from_db()
    assert control.effectiveness == Effectiveness.EFFECTIVE
    assert [h.kind for h in risk.history.all()[:2]] == [
        HistoryKind.CONTROL_CHANGED,
        HistoryKind.CONTROL_ADDED,
    ]


def test_acceptance_rules(make_risk: Any, manager: Any, make_user: Any, org: Any) -> None:
    risk = make_risk()
    expiry = timezone.localdate() + timedelta(days=365)
    with pytest.raises(ConflictError):
        services.record_acceptance(
            risk, actor=manager, approver=manager, expires_on=expiry, rationale="成本过高"
        )
    services.update_risk(risk, actor=manager, treatment="accept")
    with pytest.raises(DomainError) as error:
        services.record_acceptance(
            risk,
            actor=manager,
            approver=make_user("agent"),
            expires_on=expiry,
            rationale="成本过高",
        )
    assert error.value.field == "approver"
    hall_manager = make_user("unit_manager", unit=org.counter1)  # does not cover hall 1
    with pytest.raises(DomainError) as error:
        services.record_acceptance(
            risk, actor=manager, approver=hall_manager, expires_on=expiry, rationale="成本过高"
        )
    assert error.value.field == "approver"
    with pytest.raises(DomainError) as error:
        services.record_acceptance(
            risk,
            actor=manager,
            approver=manager,
            expires_on=timezone.localdate(),
            rationale="成本过高",
        )
    assert error.value.field == "expires_on"
    with pytest.raises(DomainError) as error:
        services.record_acceptance(
            risk, actor=manager, approver=manager, expires_on=expiry, rationale=" "
        )
    assert error.value.field == "rationale"
    acceptance = services.record_acceptance(
        risk, actor=manager, approver=manager, expires_on=expiry, rationale="成本过高"
    )
    assert acceptance.approver == manager
    assert risk.history.first().kind == HistoryKind.ACCEPTED


def test_review_rerates_and_moves_the_due_date(make_risk: Any, manager: Any) -> None:
    risk = make_risk()
    today = timezone.localdate()
    with pytest.raises(DomainError) as error:
        services.record_review(risk, actor=manager, notes="ok", next_review_due=today)
    assert error.value.field == "next_review_due"
    with pytest.raises(DomainError):
        services.record_review(risk, actor=manager, notes="", next_review_due=today + timedelta(1))
    review = services.record_review(
        risk,
        actor=manager,
        notes="季度复核，措施有效",
        next_review_due=today + timedelta(days=90),
        current_probability=2,
        current_impact=2,
    )
    risk.refresh_from_db()
    assert risk.review_due == today + timedelta(days=90)
    assert risk.current_level == review.current_level == "low"
    assert risk.history.first().kind == HistoryKind.REVIEWED


# --- the quality checks -------------------------------------------------------------------


def test_a_clean_risk_raises_no_flag(make_risk: Any) -> None:
    assert flags(make_risk()) == set()


def test_flag_residual_above_current(make_risk: Any) -> None:
    risk = make_risk(
        current_probability=2, current_impact=2, residual_probability=3, residual_impact=2
    )
    assert QualityFlag.RESIDUAL_ABOVE_CURRENT in flags(risk)


def test_flag_residual_lowered_without_control(make_risk: Any, manager: Any) -> None:
    risk = make_risk(residual_probability=1, residual_impact=2)
    assert QualityFlag.RESIDUAL_LOWERED_WITHOUT_CONTROL in flags(risk)
    control = services.add_control(
        risk, actor=manager, title="应急叫号", kind="existing", owner=manager, status="implemented"
    )
    assert QualityFlag.RESIDUAL_LOWERED_WITHOUT_CONTROL not in flags(risk)
    services.update_control(control, actor=manager, status=ControlStatus.CANCELLED)
    assert QualityFlag.RESIDUAL_LOWERED_WITHOUT_CONTROL in flags(risk)


def test_flag_accepted_without_record(make_risk: Any, manager: Any) -> None:
    risk = make_risk(treatment="accept")
    assert QualityFlag.ACCEPTED_WITHOUT_RECORD in flags(risk)
    services.record_acceptance(
        risk,
        actor=manager,
        approver=manager,
        expires_on=timezone.localdate() + timedelta(days=30),
        rationale="影响有限",
    )
    assert flags(risk) == set()


def test_flag_overdue_control(make_risk: Any, manager: Any) -> None:
    risk = make_risk()
    due = timezone.localdate() + timedelta(days=10)
    control = services.add_control(
        risk, actor=manager, title="更换服务器", kind="planned", owner=manager, due_date=due
    )
    assert QualityFlag.OVERDUE_CONTROL not in flags(risk)
    assert QualityFlag.OVERDUE_CONTROL in flags(risk, due + timedelta(days=1))
    services.update_control(control, actor=manager, status=ControlStatus.IMPLEMENTED)
    assert QualityFlag.OVERDUE_CONTROL not in flags(risk, due + timedelta(days=1))


def test_flag_expired_acceptance(make_risk: Any, manager: Any) -> None:
    risk = make_risk(treatment="accept")
    expiry = timezone.localdate() + timedelta(days=30)
    services.record_acceptance(
        risk, actor=manager, approver=manager, expires_on=expiry, rationale="影响有限"
    )
    assert QualityFlag.EXPIRED_ACCEPTANCE not in flags(risk, expiry)
    later = expiry + timedelta(days=1)
    assert flags(risk, later) == {QualityFlag.EXPIRED_ACCEPTANCE}
    with time_machine.travel(later):
        services.record_acceptance(
            risk,
            actor=manager,
            approver=manager,
            expires_on=later + timedelta(days=30),
            rationale="续期",
        )
    assert QualityFlag.EXPIRED_ACCEPTANCE not in flags(risk, later)


def test_flag_review_overdue(make_risk: Any, manager: Any) -> None:
    due = timezone.localdate() + timedelta(days=5)
    risk = make_risk(review_due=due)
    assert QualityFlag.REVIEW_OVERDUE not in flags(risk, due)
    assert QualityFlag.REVIEW_OVERDUE in flags(risk, due + timedelta(days=1))
    services.close_risk(risk, actor=manager, reason="已消除")
    assert flags(risk, due + timedelta(days=1)) == set()


def test_open_improvement_action_from_a_risk(make_risk: Any, manager: Any) -> None:
    if not services.improvement_available():
        pytest.skip("the improvement app is not installed")
    risk = make_risk(description="高峰期排队系统宕机", cause="单机部署")
    action = services.open_improvement_action(risk, actor=manager)
    assert action.pk
    assert risk.number in action.title
    assert risk.history.first().kind == HistoryKind.ACTION_OPENED


def test_owners_are_reminded_of_overdue_reviews_weekly(
    make_risk: Any, make_user: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from sqms.risk.reminders import remind_owners

    owner = make_user("unit_manager", unit=org.hall1)
    due = timezone.localdate() + timedelta(days=3)
    risk = make_risk(owner=owner, review_due=due)
    make_risk(title="按期", review_due=due + timedelta(days=30))
    assert remind_owners(due) == 0
    later = due + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_owners(later) == 1
        assert remind_owners(later) == 0  # once only
        assert remind_owners(later + timedelta(days=3)) == 0
    notes = Notification.objects.filter(recipient=owner, object_id=str(risk.pk))
    assert notes.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_owners(later + timedelta(days=7)) == 1
