"""Rules of improvement actions: opening from any source, the plan, every PDCA step and its
refusals, progress, the effectiveness check and the overdue reminder."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent, Notification
from sqms.improvement import checks, reminders, services
from sqms.improvement.choices import ActionSource, EventType, Stage, Verdict
from sqms.improvement.models import ImprovementAction
from sqms.improvement.transitions import TRANSITIONS, allowed_steps
from sqms.servicedesk import services as desk
from sqms.servicedesk.choices import Channel, TicketKind

pytestmark = pytest.mark.django_db


def _ticket(actor: Any, **values: Any) -> Any:
    values.setdefault("kind", TicketKind.COMPLAINT)
    values.setdefault("channel", Channel.PHONE)
    values.setdefault("title", "营业厅排队过长投诉")
    return desk.register_ticket(actor=actor, **values)


# --- opening -------------------------------------------------------------------------------


def test_open_action_from_a_ticket_keeps_a_generic_reference(
    qm: Any, make_user: Any, org: Any
) -> None:
    agent = make_user("agent", unit=org.counter1)
    ticket = _ticket(agent)
    action = services.open_action(
        actor=qm, source=ActionSource.TICKET_REVIEW, source_object=ticket, title="复核发现流程缺陷"
    )
    assert action.number.startswith("IA")
    assert action.stage == Stage.PLAN and action.cycle == 1
    # The unit comes from the source record, not the actor.
    assert action.org_unit == org.counter1
    assert action.source_type == ContentType.objects.get_for_model(ticket)
    assert action.source_id == str(ticket.pk)
    assert ticket.number in action.source_label
    assert action.source_object() == ticket
    assert action.events.get().event_type == EventType.OPENED
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="improvement.improvementaction"
    ).exists()


def test_the_label_survives_the_source_record(qm: Any, org: Any) -> None:
    # Any model instance will do as a source; here an org unit stands in for a deleted record.
    from sqms.core.tests.factories import make_unit

    spare = make_unit("TMP", "临时网点", "hall", org.branch1, "Temp")
    action = services.open_action(
        actor=qm, source=ActionSource.AUDIT, source_object=spare, title="内审发现"
    )
    label = action.source_label
    spare.delete()
    action.refresh_from_db()
    assert action.source_label == label and action.source_object() is None


def test_open_action_defaults_to_the_actors_unit(qm: Any, org: Any) -> None:
    action = services.open_action(actor=qm, source=ActionSource.OTHER, title="改进排班")
    assert action.org_unit == org.branch1 and action.source_type is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"source": "nonsense", "title": "x"}, "source"),
        ({"source": "other", "title": "  "}, "title"),
        ({"source": "other", "title": "x" * 201}, "title"),
        ({"source": "other", "title": "x", "deadline": "2020-01-01"}, "deadline"),
        ({"source": "other", "title": "x", "deadline": "not a date"}, "deadline"),
    ],
)
def test_open_action_refuses_bad_input(qm: Any, values: dict, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        services.open_action(actor=qm, **values)
    assert refused.value.field == field
    assert not ImprovementAction.objects.exists()


def test_open_action_needs_the_permission(owner: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.open_action(actor=owner, source="other", title="x")


def test_open_action_refuses_units_and_sources_out_of_scope(
    qm: Any, outsider_qm: Any, org: Any, make_user: Any
) -> None:
    with pytest.raises(DomainError) as refused:
        services.open_action(actor=outsider_qm, source="other", title="x", org_unit=org.hall1)
    assert refused.value.field == "org_unit"
    ticket = _ticket(make_user("agent", unit=org.hall1))
    with pytest.raises(PermissionDenied):
        services.open_action(actor=outsider_qm, source="complaint", source_object=ticket, title="x")
    # An owner outside the actor's scope is refused as well.
    stranger = make_user("agent", unit=org.hall2)
    with pytest.raises(DomainError) as refused:
        services.open_action(actor=qm, source="other", title="x", owner=stranger)
    assert refused.value.field == "owner"
    assert not ImprovementAction.objects.exists()


def test_owner_is_told_after_commit(
    qm: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        action = services.open_action(actor=qm, source="other", title="改进", owner=owner)
    note = Notification.objects.get(recipient=owner)
    assert action.number in note.message and note.url.endswith(f"/{action.pk}/")


# --- planning ------------------------------------------------------------------------------


def test_update_records_changes_in_timeline_and_audit(
    make_action: Any, qm: Any, owner: Any
) -> None:
    action = make_action()
    before = AuditEvent.objects.count()
    services.update_action(action, actor=qm, goal="处理率达到 98%", team=[owner])
    assert action.goal == "处理率达到 98%"
    assert list(action.team.all()) == [owner]
    assert AuditEvent.objects.count() == before + 1
    assert action.events.filter(event_type=EventType.UPDATED).count() == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": ""}, "title"),
        ({"target_value": "abc"}, "target_value"),
        ({"target_value": "NaN"}, "target_value"),
        ({"indicator_code": "sla_rate", "target_value": None}, "target_value"),
        ({"target_direction": "sideways"}, "target_direction"),
        ({"deadline": "2001-01-01"}, "deadline"),
        ({"number": "IA1"}, "number"),
    ],
)
def test_update_refuses_bad_input_and_changes_nothing(
    make_action: Any, qm: Any, values: dict, field: str
) -> None:
    action = make_action()
    before = ImprovementAction.objects.filter(pk=action.pk).values().get()
    with pytest.raises(DomainError) as refused:
        services.update_action(action.pk, actor=qm, **values)
    assert refused.value.field == field
    assert ImprovementAction.objects.filter(pk=action.pk).values().get() == before


def test_owner_may_edit_but_others_without_the_right_may_not(
    make_action: Any, owner: Any, make_user: Any, org: Any, outsider_qm: Any
) -> None:
    action = make_action()
    services.update_action(action, actor=owner, measures="新增替补分派人")
    colleague = make_user("agent", unit=org.hall1)
    with pytest.raises(PermissionDenied):
        services.update_action(action, actor=colleague, measures="x")
    with pytest.raises(Http404):
        services.update_action(action, actor=outsider_qm, measures="x")


# --- the PDCA steps ------------------------------------------------------------------------


def test_every_step_is_declared_once_and_illegal_ones_conflict(
    action_in_stage: Any, qm: Any
) -> None:
    for stage in (Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT, Stage.CLOSED, Stage.CANCELLED):
        action = action_in_stage(stage)
        for step in TRANSITIONS:
            if step in allowed_steps(stage):
                continue
            with pytest.raises(ConflictError):
                services.advance(action, step, actor=qm, note="x")
            action.refresh_from_db()
            assert action.stage == stage


def test_plan_must_be_complete_before_do(make_action: Any, qm: Any) -> None:
    for field in ("problem", "goal", "measures", "owner", "deadline"):
        action = make_action(**{field: None if field in ("owner", "deadline") else ""})
        with pytest.raises(DomainError) as refused:
            services.advance(action, "start_do", actor=qm)
        assert refused.value.field == field
        assert action.stage == Stage.PLAN
    action = make_action(root_cause="", why_1="", cause_method="")
    with pytest.raises(DomainError) as refused:
        services.advance(action, "start_do", actor=qm)
    assert refused.value.field == "root_cause"
    # A fishbone cause alone is an analysis.
    action = make_action(root_cause="", why_1="", cause_method="缺少替补规则")
    assert services.advance(action, "start_do", actor=qm).stage == Stage.DO


def test_check_stage_needs_a_check_date(action_in_stage: Any, qm: Any) -> None:
    action = action_in_stage(Stage.DO, check_due_on=None)
    with pytest.raises(DomainError) as refused:
        services.advance(action, "start_check", actor=qm)
    assert refused.value.field == "check_due_on"


def test_act_needs_a_recorded_check(action_in_stage: Any, qm: Any) -> None:
    action = action_in_stage(Stage.CHECK)
    with pytest.raises(DomainError) as refused:
        services.advance(action, "start_act", actor=qm)
    assert refused.value.code == "check_missing"


def test_close_needs_an_effective_check_and_a_standard(action_in_stage: Any, qm: Any) -> None:
    action = action_in_stage(Stage.ACT)
    with pytest.raises(DomainError) as refused:
        services.advance(action, "close", actor=qm)
    assert refused.value.field == "note"
    services.advance(action, "close", actor=qm, note="替补分派写入班组制度")
    assert action.stage == Stage.CLOSED and action.closed_at and action.progress == 100
    assert action.outcome == "替补分派写入班组制度"


def test_an_ineffective_action_goes_round_again(action_in_stage: Any, qm: Any) -> None:
    action = action_in_stage(Stage.CHECK)
    checks.record_check(action, actor=qm, verdict=Verdict.NOT_EFFECTIVE, measured_value="80")
    services.advance(action, "start_act", actor=qm)
    with pytest.raises(DomainError) as refused:
        services.advance(action, "close", actor=qm, note="x")
    assert refused.value.code == "not_effective"
    with pytest.raises(DomainError):
        services.advance(action, "replan", actor=qm)
    services.advance(action, "replan", actor=qm, note="措施未落实到夜班")
    assert action.stage == Stage.PLAN and action.cycle == 2 and action.check_due_on is None
    # The new cycle needs its own check: the old one does not count.
    services.update_action(action, actor=qm, check_due_on=timezone.localdate())
    services.advance(action, "start_do", actor=qm)
    services.advance(action, "start_check", actor=qm)
    with pytest.raises(DomainError):
        services.advance(action, "start_act", actor=qm)


def test_cancel_needs_a_reason_and_the_change_right(make_action: Any, qm: Any, owner: Any) -> None:
    action = make_action()
    with pytest.raises(PermissionDenied):
        services.advance(action, "cancel", actor=owner, note="重复")
    with pytest.raises(DomainError):
        services.advance(action, "cancel", actor=qm)
    services.advance(action, "cancel", actor=qm, note="与 IA 重复")
    assert action.stage == Stage.CANCELLED
    with pytest.raises(DomainError):
        services.update_action(action, actor=qm, goal="x")


def test_owner_may_step_and_transitions_are_audited(action_in_stage: Any, owner: Any) -> None:
    action = action_in_stage(Stage.PLAN)
    services.advance(action, "start_do", actor=owner)
    event = action.events.filter(event_type=EventType.TRANSITION).get()
    assert (event.from_stage, event.to_stage, event.actor) == (Stage.PLAN, Stage.DO, owner)
    assert AuditEvent.objects.filter(
        action=AuditAction.TRANSITION, object_id=str(action.pk), after__stage=Stage.DO
    ).exists()


def test_unknown_step_is_refused(make_action: Any, qm: Any) -> None:
    with pytest.raises(ConflictError):
        services.advance(make_action(), "jump", actor=qm)


# --- progress ------------------------------------------------------------------------------


def test_progress_by_owner_and_team(
    action_in_stage: Any, qm: Any, owner: Any, make_user: Any, org: Any
) -> None:
    member = make_user("agent", unit=org.hall1)
    action = action_in_stage(Stage.DO)
    services.update_action(action, actor=qm, team=[member])
    services.add_progress(action, actor=owner, note="替补名单已确定", progress=40)
    services.add_progress(action, actor=member, note="夜班已培训")
    action.refresh_from_db()
    assert action.progress == 40
    assert action.events.filter(event_type=EventType.PROGRESS).count() == 2
    stranger = make_user("agent", unit=org.hall1)
    with pytest.raises(PermissionDenied):
        services.add_progress(action, actor=stranger, note="x")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"note": " "}, "note"),
        ({"note": "x", "progress": 101}, "progress"),
        ({"note": "x", "progress": "lots"}, "progress"),
    ],
)
def test_progress_refuses_bad_input(
    action_in_stage: Any, qm: Any, values: dict, field: str
) -> None:
    action = action_in_stage(Stage.DO)
    with pytest.raises(DomainError) as refused:
        services.add_progress(action, actor=qm, **values)
    assert refused.value.field == field


def test_progress_only_while_carried_out(make_action: Any, qm: Any) -> None:
    with pytest.raises(DomainError):
        services.add_progress(make_action(), actor=qm, note="x")


# --- the effectiveness check ---------------------------------------------------------------


def test_check_is_refused_before_its_date(action_in_stage: Any, qm: Any, time_machine: Any) -> None:
    action = action_in_stage(Stage.CHECK, check_due_on=timezone.localdate() + timedelta(days=5))
    with pytest.raises(DomainError) as refused:
        checks.record_check(action, actor=qm, verdict=Verdict.EFFECTIVE)
    assert refused.value.code == "too_early"
    time_machine.move_to(timezone.now() + timedelta(days=6))
    check = checks.record_check(action, actor=qm, verdict=Verdict.EFFECTIVE)
    assert check.cycle == 1 and check.checked_by == qm


def test_check_without_indicator_needs_a_verdict(action_in_stage: Any, qm: Any) -> None:
    action = action_in_stage(Stage.CHECK)
    with pytest.raises(DomainError) as refused:
        checks.record_check(action, actor=qm)
    assert refused.value.field == "verdict"
    with pytest.raises(DomainError) as refused:
        checks.record_check(action, actor=qm, verdict="maybe")
    assert refused.value.field == "verdict"
    with pytest.raises(DomainError) as refused:
        checks.record_check(
            action,
            actor=qm,
            verdict="effective",
            period_start="2026-02-01",
            period_end="2026-01-01",
        )
    assert refused.value.field == "period_end"
    assert not action.checks.exists()


def test_check_outside_the_check_stage_is_refused(action_in_stage: Any, qm: Any) -> None:
    with pytest.raises(DomainError) as refused:
        checks.record_check(action_in_stage(Stage.DO), actor=qm, verdict="effective")
    assert refused.value.code == "wrong_stage"


def test_verdict_for_each_direction() -> None:
    from decimal import Decimal as D

    assert checks.verdict_for(D("96"), D("95"), "higher") == Verdict.EFFECTIVE
    assert checks.verdict_for(D("95"), D("95"), "higher") == Verdict.EFFECTIVE
    assert checks.verdict_for(D("94.99"), D("95"), "higher") == Verdict.NOT_EFFECTIVE
    assert checks.verdict_for(D("4"), D("5"), "lower") == Verdict.EFFECTIVE
    assert checks.verdict_for(D("6"), D("5"), "lower") == Verdict.NOT_EFFECTIVE
    assert checks.verdict_for(None, D("5"), "lower") == ""


# --- overdue -------------------------------------------------------------------------------


def test_overdue_actions_notify_owner_and_manager_once_per_deadline(
    make_action: Any,
    qm: Any,
    owner: Any,
    hall_manager: Any,
    time_machine: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    action = make_action(deadline=timezone.localdate() + timedelta(days=3))
    closed = make_action(deadline=timezone.localdate() + timedelta(days=3))
    services.advance(closed, "cancel", actor=qm, note="并入其他措施")
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.notify_overdue() == 0
    time_machine.move_to(timezone.now() + timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.notify_overdue() == 1
        assert reminders.notify_overdue() == 0  # repeated sweeps remind once
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        owner.pk,
        hall_manager.pk,
    }
    assert action.events.filter(event_type=EventType.OVERDUE).count() == 1
    # A new deadline re-arms the reminder.
    services.update_action(action, actor=qm, deadline=timezone.localdate() + timedelta(days=1))
    time_machine.move_to(timezone.now() + timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.notify_overdue() == 1
    assert (
        Notification.objects.filter(recipient=owner, message__contains="overdue").count()
        + Notification.objects.filter(recipient=owner, message__contains="逾期").count()
        >= 1
    )


def test_manager_falls_back_to_the_unit_above(make_action: Any, make_user: Any, org: Any) -> None:
    branch_manager = make_user("unit_manager", unit=org.branch1)
    assert reminders.unit_managers(org.counter1) == [branch_manager]


def test_an_alert_source_is_linked_back(qm: Any, org: Any) -> None:
    """Opening an action for an early-warning alert records the link on the alert (when the
    quality app is installed)."""
    from django.apps import apps

    if not apps.is_installed("sqms.quality"):
        pytest.skip("the quality app is not installed")
    from sqms.quality.models import Alert, AlertRule

    rule = AlertRule.objects.create(
        name="投诉处理率预警",
        kind="spike",
        org_unit=org.hall1,
        owner=qm,
    )
    alert = Alert.objects.create(
        rule=rule,
        org_unit=org.hall1,
        slice_key="h1",
        severity="high",
        owner=qm,
        day=timezone.localdate(),
        message="投诉处理率低于 95%",
        last_seen_at=timezone.now(),
    )
    action = services.open_action(
        actor=qm, source=ActionSource.ALERT, source_object=alert, title="投诉处理率整改"
    )
    alert.refresh_from_db()
    assert alert.improvement_action == action
    assert action.org_unit == org.hall1
    assert action.source_type is not None and action.source_type.model == "alert"


def test_the_overdue_job_is_registered_and_runs(
    make_action: Any, owner: Any, time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from sqms.core import periodic
    from sqms.improvement import tasks

    assert tasks.notify_overdue_actions.module_path in {job.name for job in periodic.registered()}
    make_action(deadline=timezone.localdate() + timedelta(days=1))
    time_machine.move_to(timezone.now() + timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notify_overdue_actions.call() == 1
    assert Notification.objects.filter(recipient=owner).exists()
