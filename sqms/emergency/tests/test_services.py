"""Rules of emergency response: the incident state machine and its refusals, plan version
freezing, task due times from targets, notices, impact, reviews, drills and reminders."""

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import Notification
from sqms.emergency import customers, services
from sqms.emergency.choices import IncidentStatus, PlanStatus
from sqms.emergency.models import (
    DrillProgramme,
    EmergencyPlan,
    IncidentTask,
    PlanVersion,
)
from sqms.emergency.tests.conftest import activated, reported, restored

pytestmark = pytest.mark.django_db


def test_every_event_type_has_an_approved_seed_plan(org: Any) -> None:
    plans = EmergencyPlan.objects.filter(org_unit=org.hq)
    assert plans.count() == 8
    for plan in plans:
        version = services.current_version(plan)
        assert version is not None and version.status == PlanStatus.APPROVED
        assert [row["level"] for row in version.grading] == [1, 2, 3, 4]
        assert version.roles and version.steps and version.resources and version.templates


def test_report_numbers_the_incident_and_starts_the_timeline(org: Any, officer: Any) -> None:
    detected = timezone.now() - timedelta(minutes=10)
    incident = reported(officer, org.hall1, detected_at=detected)
    assert incident.number.startswith("EM")
    assert incident.status == IncidentStatus.REPORTED
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds == ["detection", "transition"]
    assert incident.events.order_by("id")[0].occurred_at == detected


def test_times_in_the_future_are_refused(org: Any, officer: Any) -> None:
    future = timezone.now() + timedelta(minutes=5)
    with pytest.raises(DomainError) as refused:
        reported(officer, org.hall1, detected_at=future)
    assert refused.value.field == "detected_at"
    incident = reported(officer, org.hall1)
    with pytest.raises(DomainError):
        services.add_timeline_entry(
            incident, actor=officer, kind="action", message="x", occurred_at=future
        )
    assert incident.events.count() == 2


def test_report_outside_scope_and_without_permission_is_refused(
    org: Any, officer: Any, make_user: Any
) -> None:
    with pytest.raises(DomainError):
        reported(officer, org.hall2)
    with pytest.raises(PermissionDenied):
        reported(make_user("trainer", unit=org.branch1), org.hall1)


def test_the_state_machine_refuses_skipped_steps(org: Any, officer: Any) -> None:
    incident = reported(officer, org.hall1)
    for call in (
        lambda: services.activate_incident(incident, actor=officer),
        lambda: services.start_response(incident, actor=officer),
        lambda: services.restore_service(incident, actor=officer),
        lambda: services.start_review(incident, actor=officer),
        lambda: services.close_incident(incident, actor=officer),
    ):
        with pytest.raises(ConflictError):
            call()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.REPORTED
    assert incident.events.count() == 2


def test_assessment_freezes_the_plan_version(
    org: Any, officer: Any, head_officer: Any, outage_plan: Any
) -> None:
    incident = reported(officer, org.hall1)
    services.assess_incident(incident, actor=officer, event_type="outage", level=2)
    frozen: Any = incident.plan_version
    assert frozen.plan == outage_plan and frozen.number == 1
    # A later version is drafted and approved: the incident keeps the one it was graded under.
    draft = services.new_draft(outage_plan, actor=head_officer, revision_note="更新联系人")
    services.update_version(
        draft,
        actor=head_officer,
        steps=[
            *draft.steps,
            {
                "phase": "respond",
                "levels": [2],
                "title": "新增步骤",
                "role": "tech",
                "target_minutes": 10,
            },
        ],
    )
    services.approve_version(draft, actor=head_officer)
    incident.refresh_from_db()
    assert incident.plan_version_id == frozen.pk
    current: Any = services.current_version(outage_plan)
    assert current.pk == draft.pk
    frozen.refresh_from_db()
    assert frozen.status == PlanStatus.SUPERSEDED
    # Approved versions cannot be edited.
    with pytest.raises(ConflictError):
        services.update_version(frozen, actor=head_officer, summary="改写")
    with pytest.raises(ConflictError):
        services.update_version(draft, actor=head_officer, summary="改写")
    services.activate_incident(incident, actor=officer)
    assert not incident.tasks.filter(title="新增步骤").exists()


def test_assessment_needs_a_known_type_and_level(org: Any, officer: Any) -> None:
    incident = reported(officer, org.hall1)
    with pytest.raises(DomainError) as refused:
        services.assess_incident(incident, actor=officer, event_type="outage", level=7)
    assert refused.value.field == "level"
    with pytest.raises(DomainError):
        services.assess_incident(incident, actor=officer, event_type="nonsense", level=2)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.REPORTED and incident.plan_version is None


def test_activation_assigns_roles_and_tasks_due_at_targets(
    org: Any, officer: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    engineer = make_user("unit_manager", unit=org.hall1)
    incident = reported(officer, org.hall1)
    services.assess_incident(incident, actor=officer, event_type="outage", level=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.activate_incident(incident, actor=officer, assignments={"tech": engineer})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACTIVATED
    roles = {role.code: role.user for role in incident.roles.all()}
    assert roles["commander"] == officer and roles["tech"] == engineer
    version: Any = incident.plan_version
    expected = [i for i, s in enumerate(version.steps) if 2 in s["levels"]]
    tasks = list(incident.tasks.all())
    assert sorted(t.step_index or 0 for t in tasks) == expected
    for task in tasks:
        step = version.steps[task.step_index]
        if step["phase"] in ("respond", "inform", "recover", "review"):
            assert incident.activated_at is not None
            assert task.due_at == incident.activated_at + timedelta(minutes=step["target_minutes"])
        assert task.assignee == roles[step["role"]]
    # Level IV steps only for level IV: the severe-only step is there for level II.
    assert incident.tasks.filter(title__contains="指挥部全体成员").exists()
    told = Notification.objects.filter(recipient=engineer)
    assert told.exists()


def test_level_change_adds_the_new_levels_steps_once(org: Any, officer: Any) -> None:
    incident = activated(officer, org.hall1, level=3)
    before = incident.tasks.count()
    services.change_level(incident, actor=officer, level=1, reason="影响扩大到全市")
    after = incident.tasks.count()
    assert after > before
    assert incident.events.filter(kind="level_change").count() == 1
    services.change_level(incident, actor=officer, level=3, reason="回落")
    services.change_level(incident, actor=officer, level=1, reason="再次升级")
    assert incident.tasks.count() == after
    with pytest.raises(DomainError):
        services.change_level(incident, actor=officer, level=1, reason="同级")


def test_task_completion_by_assignee_only(org: Any, officer: Any, make_user: Any) -> None:
    incident = activated(officer, org.hall1)
    task: Any = incident.tasks.filter(done_at=None).exclude(assignee=None).first()
    stranger = make_user("agent", unit=org.hall1)
    with pytest.raises(PermissionDenied):
        services.complete_task(task, actor=stranger)
    services.complete_task(task, actor=task.assignee)
    with pytest.raises(ConflictError):
        services.complete_task(task, actor=officer)


def test_public_notice_only_for_customer_facing_and_reaches_customers(
    org: Any, officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    told: list[Any] = []

    def channel(incident: Any, notice: Any) -> int:
        told.append((incident.pk, notice.pk))
        return 1

    customers.register(channel)
    try:
        quiet = activated(officer, org.hall1, customer_facing=False)
        with pytest.raises(DomainError):
            services.publish_notice(quiet, actor=officer, audience="public", title="t", body="b")
        incident = activated(officer, org.hall1)
        services.start_response(incident, actor=officer)
        with django_capture_on_commit_callbacks(execute=True):
            notice = services.publish_notice(
                incident,
                actor=officer,
                audience="public",
                title="营业系统故障公告",
                body="正在抢修",
            )
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.INFORMING
        assert told == [(incident.pk, notice.pk)]
    finally:
        customers.unregister(channel)


def test_drills_never_notify_anyone_outside_the_drill(
    org: Any,
    officer: Any,
    make_user: Any,
    outage_plan: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    bystander_officer = make_user("emergency_officer", unit=org.hq)
    bystander_manager = make_user("unit_manager", unit=org.hall1)
    told: list[Any] = []

    def channel(incident: Any, notice: Any) -> int:
        told.append(notice)
        return 1

    customers.register(channel)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            drill = services.start_drill(
                actor=officer,
                plan=outage_plan,
                scenario="桌面推演",
                org_unit=org.hall1,
                customer_facing=True,
            )
            incident: Any = drill.incident
            services.assess_incident(incident, actor=officer, event_type="outage", level=2)
            services.activate_incident(incident, actor=officer)
            services.start_response(incident, actor=officer)
            services.publish_notice(
                incident, actor=officer, audience="staff", title="演练通报", body="这是演练"
            )
            services.publish_notice(
                incident, actor=officer, audience="public", title="演练公告", body="这是演练"
            )
            services.restore_service(incident, actor=officer)
        assert incident.number.startswith("EX")
        assert told == []
        assert not Notification.objects.filter(
            recipient__in=[bystander_officer, bystander_manager]
        ).exists()
        assert set(incident.roles.values_list("user", flat=True)) == {officer.pk}
        assert Notification.objects.filter(recipient=officer).exists()
    finally:
        customers.unregister(channel)  # only its own: the notifications app's stays


def test_real_incident_tells_duty_officers(
    org: Any, officer: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    head_office = make_user("emergency_officer", unit=org.hq)
    elsewhere = make_user("emergency_officer", unit=org.branch2)
    with django_capture_on_commit_callbacks(execute=True):
        reported(officer, org.hall1)
    assert Notification.objects.filter(recipient=head_office).exists()
    assert not Notification.objects.filter(recipient=elsewhere).exists()


def test_closing_requires_a_completed_review_whose_actions_open(
    org: Any, officer: Any, outage_plan: Any
) -> None:
    incident = restored(officer, org.hall1)
    services.start_review(incident, actor=officer)
    with pytest.raises(ConflictError):
        services.close_incident(incident, actor=officer)
    with pytest.raises(DomainError) as missing:
        services.complete_review(incident, actor=officer)
    assert missing.value.field in ("root_cause", "to_change", "what_happened")
    services.update_review(
        incident,
        actor=officer,
        what_happened="系统宕机",
        root_cause="数据库连接池耗尽",
        to_change="扩容并加监控",
    )
    services.add_review_action(
        incident,
        actor=officer,
        kind="improvement",
        title="连接池监控",
        owner=officer,
        deadline=date.today() + timedelta(days=30),
    )
    services.add_review_action(
        incident, actor=officer, kind="plan_revision", title="增加数据库切换步骤"
    )
    with pytest.raises(DomainError):
        services.add_review_action(incident, actor=officer, kind="improvement", title="无人负责")
    review = services.complete_review(incident, actor=officer)
    # The improvement action was opened for real, pointing back at the incident.
    from sqms.improvement.models import ImprovementAction

    improvement = review.actions.get(kind="improvement")
    assert improvement.improvement_ref
    opened = ImprovementAction.objects.get(number=improvement.improvement_ref)
    assert opened.source == "incident_review" and opened.owner == officer
    revision = review.actions.get(kind="plan_revision")
    draft: Any = revision.plan_version
    assert draft.status == PlanStatus.DRAFT and draft.number == 2
    assert "增加数据库切换步骤" in draft.revision_note and draft.source_review == review
    services.close_incident(incident, actor=officer)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_at
    with pytest.raises(ConflictError):
        services.add_timeline_entry(incident, actor=officer, kind="action", message="late")


def test_dismissal_only_before_activation(org: Any, officer: Any) -> None:
    incident = reported(officer, org.hall1)
    services.dismiss_incident(incident, actor=officer, reason="误报")
    assert incident.status == IncidentStatus.DISMISSED
    active = activated(officer, org.hall1)
    with pytest.raises(ConflictError):
        services.dismiss_incident(active, actor=officer, reason="误报")


def test_linking_tickets_counts_impact(org: Any, officer: Any, make_user: Any) -> None:
    from sqms.servicedesk import services as desk
    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import Category, Ticket, TicketEvent

    agent = make_user("agent", unit=org.hall1)
    network = Category.objects.get(code="network")
    start = timezone.now() - timedelta(minutes=1)
    for phone in ("13800000001", "13800000002", "13800000001"):
        desk.register_ticket(
            actor=agent,
            kind="fault",
            channel="phone",
            title="断网",
            category=network,
            customer_name="王五",
            customer_phone=phone,
            impact=1,
            urgency=1,
        )
    desk.register_ticket(
        actor=agent, kind="consultation", channel="phone", title="咨询", impact=3, urgency=3
    )
    incident = activated(officer, org.hall1)
    linked = services.link_tickets(
        incident,
        actor=officer,
        start=start,
        category=network,
        pause_sla=True,
        pause_reason="重大故障期间暂停考核",
    )
    assert linked == 3
    assert services.link_tickets(incident, actor=officer, start=start, category=network) == 0
    counts = services.impact(incident)
    assert counts["tickets"] == 3 and counts["customers"] == 2
    assert counts["sla_pause_requested"] == 3
    # The officer may hold SLA clocks: the three linked tickets' clocks stand still, the
    # unlinked consultation's runs, and restoring the service restarts them.
    held = Ticket.objects.filter(paused_at__isnull=False)
    assert held.count() == 3 and not held.exclude(category=network).exists()
    services.start_response(incident, actor=officer)
    services.restore_service(incident, actor=officer)
    assert not Ticket.objects.filter(paused_at__isnull=False).exists()
    assert TicketEvent.objects.filter(event_type=EventType.SLA_RELEASE).count() == 3
    with pytest.raises(DomainError):
        services.link_tickets(incident, actor=officer, start=timezone.now() + timedelta(hours=1))
    with pytest.raises(DomainError):
        services.link_tickets(incident, actor=officer, start=start, pause_sla=True)


def test_drill_closes_into_the_programme_and_is_evaluated(
    org: Any, officer: Any, outage_plan: Any
) -> None:
    from sqms.emergency.models import CriticalService

    service = services.save_critical_service(
        None,
        actor=officer,
        code="BILL",
        name="营业受理",
        mtpd_minutes=240,
        rto_minutes=60,
        org_unit=org.branch1,
        dependencies=[{"kind": "system", "name": "营业系统"}],
        plans=[outage_plan],
    )
    assert isinstance(service, CriticalService)
    programme = services.save_programme(
        None,
        actor=officer,
        plan=outage_plan,
        title="营业系统故障桌面推演",
        drill_type="tabletop",
        interval_months=6,
        next_due_on=date.today(),
        owner=officer,
        org_unit=org.branch1,
    )
    drill = services.start_drill(
        actor=officer, plan=outage_plan, scenario="营业系统宕机", programme=programme
    )
    incident: Any = drill.incident
    services.assess_incident(incident, actor=officer, event_type="outage", level=3)
    services.activate_incident(incident, actor=officer)
    task: Any = incident.tasks.filter(done_at=None).first()
    services.complete_task(task, actor=officer)
    services.restore_service(incident, actor=officer)
    services.start_review(incident, actor=officer)
    services.update_review(
        incident, actor=officer, what_happened="演练", root_cause="无", to_change="熟悉流程"
    )
    services.complete_review(incident, actor=officer)
    services.close_incident(incident, actor=officer)
    drill.refresh_from_db()
    programme.refresh_from_db()
    assert drill.status == "done"
    assert programme.last_done_on == timezone.localdate()
    assert programme.next_due_on > date.today()
    result = services.evaluation(drill)
    assert result["on_time"] >= 1
    assert result["services"][0]["meets_rto"] is True


def test_overdue_drills_and_reviews_notify_owners_once_a_day(
    org: Any, officer: Any, outage_plan: Any
) -> None:
    outage_plan.owner = officer
    outage_plan.save()
    services.save_programme(
        None,
        actor=officer,
        plan=outage_plan,
        title="通信树演练",
        drill_type="call_tree",
        interval_months=3,
        next_due_on=date.today() + timedelta(days=10),
        owner=officer,
        org_unit=org.branch1,
    )
    assert services.remind_overdue() == {"drills": 0, "reviews": 0}
    with time_machine.travel(timezone.now() + timedelta(days=12)):
        assert services.remind_overdue() == {"drills": 1, "reviews": 0}
        assert services.remind_overdue() == {"drills": 0, "reviews": 0}
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        result = services.remind_overdue()
        # Every seed plan is past its yearly review; those without an owner go to the duty
        # officers of head office's tree, this officer among them.
        assert result == {"reviews": 8, "drills": 1}
        assert services.remind_overdue() == {"drills": 0, "reviews": 0}
    messages = Notification.objects.filter(recipient=officer)
    assert messages.count() == 10
    assert messages.filter(message__contains=outage_plan.code).count() == 1


def test_plan_content_is_validated(org: Any, officer: Any) -> None:
    with pytest.raises(DomainError) as refused:
        services.create_plan(
            actor=officer,
            code="X",
            title="x",
            event_type="outage",
            org_unit=org.branch1,
            steps=[{"phase": "nope", "title": "a", "target_minutes": 5}],
        )
    assert refused.value.field == "steps"
    with pytest.raises(DomainError):
        services.create_plan(
            actor=officer,
            code="X",
            title="x",
            event_type="outage",
            org_unit=org.branch1,
            roles=[{"code": "a", "name": "A"}],
            steps=[{"phase": "respond", "title": "a", "role": "b", "target_minutes": 5}],
        )
    plan = services.create_plan(
        actor=officer, code="X", title="x", event_type="outage", org_unit=org.branch1
    )
    draft = PlanVersion.objects.get(plan=plan)
    with pytest.raises(DomainError):
        services.approve_version(draft, actor=officer)
    # The branch's own plan is nearer to the hall than head office's.
    assert services.plan_for("outage", org.hall1) == plan
    assert DrillProgramme.objects.count() == 0
    assert IncidentTask.objects.count() == 0


def test_a_surge_of_tickets_reports_one_incident(org: Any, make_user: Any, settings: Any) -> None:
    from sqms.emergency import surge
    from sqms.servicedesk import services as desk
    from sqms.servicedesk.models import Category

    agent = make_user("agent", unit=org.hall1)
    outage = Category.objects.get(code="broadband_outage")
    for n in range(3):
        desk.register_ticket(
            actor=agent,
            kind="fault",
            channel="phone",
            title=f"断网 {n}",
            category=outage,
            impact=1,
            urgency=1,
        )
    surge.SURGE_THRESHOLD, saved = 3, surge.SURGE_THRESHOLD
    try:
        first = surge.watch_ticket_surges()
        again = surge.watch_ticket_surges()
    finally:
        surge.SURGE_THRESHOLD = saved
    assert len(first) == 1 and again == []
    incident = first[0]
    assert incident.source == "ticket_surge" and incident.reported_by is None
    assert incident.org_unit == org.hall1


def test_only_the_plans_own_unit_changes_it(
    org: Any, officer: Any, head_officer: Any, outage_plan: Any
) -> None:
    # The branch officer works under head office's plan but may not rewrite it.
    with pytest.raises(PermissionDenied):
        services.new_draft(outage_plan, actor=officer)
    draft = services.new_draft(outage_plan, actor=head_officer)
    with pytest.raises(PermissionDenied):
        services.update_version(draft, actor=officer, summary="改")
    with pytest.raises(PermissionDenied):
        services.approve_version(draft, actor=officer)
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT


def test_the_worker_runs_the_reminders_and_the_surge_watch(org: Any) -> None:
    from sqms.core import periodic
    from sqms.emergency import tasks

    names = {job.name for job in periodic.registered()}
    assert tasks.emergency_reminders.module_path in names
    assert tasks.ticket_surge_watch.module_path in names
    assert tasks.emergency_reminders.call() == {"drills": 0, "reviews": 0, "improvement_actions": 0}
    assert tasks.ticket_surge_watch.call() == 0
