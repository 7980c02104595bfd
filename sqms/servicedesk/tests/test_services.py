"""Rules of the service-desk services, whichever door (UI, API, import, sweep) calls them."""

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.http import Http404

from sqms.core import audit
from sqms.core.choices import AuditAction, OrgUnitKind
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent, Notification, OrgUnit
from sqms.core.tests.factories import make_unit
from sqms.servicedesk import services
from sqms.servicedesk.access import access_ticket, visible_tickets
from sqms.servicedesk.choices import Channel, EventType, Level, TicketKind, TicketStatus
from sqms.servicedesk.models import Ticket, TicketEvent
from sqms.servicedesk.tests.conftest import category
from sqms.servicedesk.transitions import TRANSITIONS

S = TicketStatus


def ticket_audit(ticket: Ticket) -> Any:
    return AuditEvent.objects.filter(object_type="servicedesk.ticket", object_id=str(ticket.pk))


def state(ticket: Ticket) -> dict[str, Any]:
    """Everything stored about a ticket, its timeline and its audit trail."""
    row = Ticket.objects.get(pk=ticket.pk)
    return {
        "row": audit.snapshot(row),
        "events": TicketEvent.objects.filter(ticket=ticket).count(),
        "audit": ticket_audit(ticket).count(),
        "notifications": Notification.objects.count(),
    }


# --- registration --------------------------------------------------------------------------


def test_registration_numbers_plans_and_records_the_ticket(org, agent, make_ticket):
    ticket = make_ticket(
        agent,
        kind=TicketKind.COMPLAINT,
        channel=Channel.COUNTER,
        title="营业员态度差",
        category=category("service_attitude"),
        customer_name="王小明",
        customer_phone="+86 138-1234-5678",
        impact=Level.HIGH,
        urgency=Level.MEDIUM,
    )
    assert re.fullmatch(r"SQ\d{8}\d{6}", ticket.number)
    assert ticket.org_unit == org.hall1  # the agent's unit by default
    assert ticket.first_contact_owner == agent == ticket.created_by
    assert ticket.status == S.NEW
    assert ticket.priority == 2
    assert ticket.sla_policy is not None and ticket.resolve_due_at is not None
    assert ticket.sla_next_check_at == ticket.response_warn_at
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.customer_phone == "+86 138-1234-5678"
    assert Ticket.objects.filter(customer_phone_index=stored.customer_phone_index).count() == 1
    created = ticket.events.get()
    assert (created.event_type, created.to_status, created.actor) == ("created", "new", agent)
    assert created.data["priority"] == 2
    event = ticket_audit(ticket).get()
    assert event.action == AuditAction.CREATE
    assert event.after["customer_phone"] == "138****5678"  # masked in the audit log
    assert event.after["customer_name"] != "王小明"
    assert event.after["number"] == ticket.number


def test_commitments_count_from_the_stored_registration_time(agent, make_ticket):
    ticket = make_ticket(agent, channel=Channel.COUNTER)  # three calendar minutes, real clock
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.response_due_at is not None and stored.resolve_due_at is not None
    assert stored.response_due_at - stored.created_at == timedelta(minutes=3)
    assert stored.resolve_due_at - stored.created_at == timedelta(hours=24)


def test_registration_numbers_are_unique_and_increase(agent, make_ticket):
    numbers = [make_ticket(agent).number for _ in range(3)]
    assert numbers == sorted(set(numbers))


def test_registration_with_an_assignee_notifies_them(
    agent, other_agent, make_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(agent, assignee=other_agent)
    assert ticket.assignee == other_agent
    assert list(ticket.events.values_list("event_type", flat=True)) == ["created", "assignment"]
    note = Notification.objects.get()
    assert note.recipient == other_agent
    assert ticket.number in note.message
    assert (note.object_type, note.object_id) == ("servicedesk.ticket", str(ticket.pk))
    assert note.url == f"/tickets/{ticket.pk}/"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"title": "   "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"impact": 7}, "impact"),
        ({"urgency": 0}, "urgency"),
        ({"customer_phone": "12345"}, "customer_phone"),
        ({"customer_name": "名" * 101}, "customer_name"),
        ({"description": "长" * 10_001}, "description"),
    ],
)
def test_registration_refuses_bad_input_and_stores_nothing(agent, make_ticket, values, field):
    with pytest.raises(DomainError) as refused:
        make_ticket(agent, **values)
    assert refused.value.field == field
    assert not Ticket.objects.exists()
    assert not AuditEvent.objects.filter(object_type="servicedesk.ticket").exists()


def test_registration_refuses_units_and_people_outside_scope(
    org, agent, outsider, make_ticket, make_user
):
    with pytest.raises(DomainError) as refused:
        make_ticket(agent, org_unit=org.hall2)
    assert refused.value.field == "org_unit"
    with pytest.raises(DomainError) as refused:
        make_ticket(agent, assignee=outsider)
    assert refused.value.field == "assignee"
    with pytest.raises(DomainError) as refused:
        make_ticket(agent, handling_department=org.branch1)  # above the agent's unit
    assert refused.value.field == "handling_department"
    homeless = make_user("agent", unit=org.hall1)
    homeless.org_unit = None
    homeless.save()
    with pytest.raises(DomainError) as refused:
        make_ticket(homeless)
    assert refused.value.field == "org_unit"
    category_off = category("other")
    category_off.is_active = False
    category_off.save()
    with pytest.raises(DomainError) as refused:
        make_ticket(agent, category=category_off)
    assert refused.value.field == "category"
    assert not Ticket.objects.exists()


def test_registration_needs_the_add_permission(verifier, make_ticket):
    with pytest.raises(PermissionDenied):
        make_ticket(verifier)
    assert not Ticket.objects.exists()


def test_registration_costs_a_bounded_number_of_queries(
    org, agent, make_ticket, django_assert_max_num_queries
):
    make_ticket(agent)  # warms the actor's permission cache as a request's user would be
    for values in ({}, {"kind": TicketKind.COMPLAINT}, {"channel": Channel.COUNTER}):
        with django_assert_max_num_queries(16):
            make_ticket(agent, **values)


# --- the loop, step by step ----------------------------------------------------------------


def test_the_whole_loop_with_its_timeline(
    org, agent, other_agent, verifier, make_ticket, django_capture_on_commit_callbacks
):
    ticket = make_ticket(agent, kind=TicketKind.FAULT)
    ticket = services.triage_ticket(
        ticket, actor=agent, category=category("broadband_outage"), urgency=Level.HIGH
    )
    assert ticket.category is not None
    assert (ticket.status, ticket.category.code, ticket.priority) == (
        S.TRIAGED,
        "broadband_outage",
        2,
    )
    ticket = services.respond_to_ticket(ticket, actor=agent, message="已致电客户")
    assert ticket.status == S.RESPONDED and ticket.responded_at is not None
    ticket = services.start_ticket(ticket, actor=other_agent)
    assert ticket.status == S.IN_PROGRESS
    assert ticket.assignee == other_agent  # an unassigned ticket becomes the starter's
    ticket = services.pause_ticket(ticket, actor=other_agent, reason="等待客户在家")
    assert ticket.status == S.WAITING_CUSTOMER
    ticket = services.resume_ticket(ticket, actor=other_agent)
    assert ticket.status == S.IN_PROGRESS
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.resolve_ticket(
            ticket,
            actor=other_agent,
            resolution="更换光猫",
            root_cause="光猫老化",
            service_error=True,
            service_error_reason="首次上门未带备件",
        )
    assert ticket.status == S.RESOLVED
    assert ticket.resolved_by == other_agent and ticket.resolve_minutes is not None
    assert ticket.service_error and ticket.service_error_reason == "首次上门未带备件"
    assert Notification.objects.get().recipient == agent  # the first-contact owner
    ticket = services.verify_resolution(ticket, actor=verifier, note="已回访")
    assert (ticket.status, ticket.verified_by) == (S.VERIFIED, verifier)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.record_feedback(ticket, actor=other_agent, confirmed=True, note="满意")
    assert ticket.status == S.CLOSED
    assert ticket.customer_confirmed is True and ticket.closed_at is not None
    assert Notification.objects.filter(recipient=agent).count() == 2
    assert ticket.first_contact_owner == agent
    steps = list(
        ticket.events.filter(event_type__in=["created", "transition", "feedback"]).values_list(
            "from_status", "to_status"
        )
    )
    assert steps == [
        ("", "new"),
        ("new", "triaged"),
        ("triaged", "responded"),
        ("responded", "in_progress"),
        ("in_progress", "waiting_customer"),
        ("waiting_customer", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "verified"),
        ("verified", "closed"),
    ]
    assert ticket.events.filter(event_type="priority").count() == 1  # triage raised urgency
    actions = list(ticket_audit(ticket).order_by("seq").values_list("action", flat=True))
    assert actions == ["create"] + ["transition"] * 8
    transition = ticket_audit(ticket).filter(action="transition").order_by("seq").last()
    assert transition.before == {"status": "verified", "customer_confirmed": None}
    assert transition.after == {"status": "closed", "customer_confirmed": True}


def test_triage_correcting_the_kind_matches_the_policy_again(agent, make_ticket):
    ticket = make_ticket(agent, channel=Channel.LETTER)
    assert ticket.sla_policy is not None and ticket.sla_policy.kind == ""
    ticket = services.triage_ticket(ticket, actor=agent, kind=TicketKind.COMPLAINT)
    assert ticket.sla_policy is not None and ticket.sla_policy.kind == TicketKind.COMPLAINT
    assert ticket.priority == 3
    assert ticket.events.filter(event_type=EventType.PRIORITY).count() == 1
    with pytest.raises(DomainError) as refused:
        services.triage_ticket(ticket, actor=agent, kind="gossip")
    assert refused.value.field == "kind"


def test_close_without_feedback_and_tell_the_owner(
    agent, ticket_in_status, django_capture_on_commit_callbacks
):
    ticket = ticket_in_status(S.VERIFIED, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.close_ticket(ticket, actor=agent, note="客户未回复")
    assert ticket.status == S.CLOSED and ticket.customer_confirmed is None
    # The owner closed it: nobody is told of their own action.
    assert not Notification.objects.exists()


def test_unsatisfied_feedback_reopens_and_counts(
    agent, other_agent, ticket_in_status, django_capture_on_commit_callbacks
):
    ticket = ticket_in_status(S.VERIFIED, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.record_feedback(ticket, actor=other_agent, confirmed=False, note="仍断网")
    assert ticket.status == S.REOPENED
    assert ticket.customer_confirmed is False
    assert ticket.reopen_count == 1
    assert ticket.verified_by is None and ticket.closed_at is None
    assert ticket.sla_next_check_at is not None  # the resolution commitment is pending again
    feedback = ticket.events.get(event_type=EventType.FEEDBACK)
    assert (feedback.from_status, feedback.to_status) == ("verified", "reopened")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [agent.pk]
    ticket = services.start_ticket(ticket, actor=agent)
    ticket = services.resolve_ticket(ticket, actor=agent, resolution="更换线路")
    assert ticket.status == S.RESOLVED


def test_reopen_needs_a_reason_and_counts(agent, ticket_in_status):
    ticket = ticket_in_status(S.CLOSED, actor=agent)
    with pytest.raises(DomainError) as refused:
        services.reopen_ticket(ticket, actor=agent, reason=" ")
    assert refused.value.field == "reason"
    ticket = services.reopen_ticket(ticket, actor=agent, reason="客户再次投诉")
    assert (ticket.status, ticket.reopen_count) == (S.REOPENED, 1)
    ticket = services.start_ticket(ticket, actor=agent)
    ticket = services.resolve_ticket(ticket, actor=agent, resolution="彻底修复")
    ticket = services.reopen_ticket(ticket, actor=agent, reason="又坏了")
    assert ticket.reopen_count == 2


def test_send_back_returns_the_ticket_to_work(agent, verifier, ticket_in_status):
    ticket = ticket_in_status(S.RESOLVED, actor=agent)
    with pytest.raises(DomainError):
        services.send_back_resolution(ticket, actor=verifier, reason="")
    ticket = services.send_back_resolution(ticket, actor=verifier, reason="未说明退费金额")
    assert ticket.status == S.IN_PROGRESS
    event = ticket.events.last()
    assert event is not None
    assert (event.to_status, event.message) == ("in_progress", "未说明退费金额")


def test_resolving_needs_a_resolution_and_a_reason_for_a_service_error(agent, ticket_in_status):
    ticket = ticket_in_status(S.IN_PROGRESS, actor=agent)
    before = state(ticket)
    with pytest.raises(DomainError) as refused:
        services.resolve_ticket(ticket, actor=agent, resolution="  ")
    assert refused.value.field == "resolution"
    with pytest.raises(DomainError) as refused:
        services.resolve_ticket(ticket, actor=agent, resolution="已处理", service_error=True)
    assert refused.value.field == "service_error_reason"
    assert state(ticket) == before


def test_pausing_needs_a_reason(agent, ticket_in_status):
    ticket = ticket_in_status(S.IN_PROGRESS, actor=agent)
    with pytest.raises(DomainError) as refused:
        services.pause_ticket(ticket, actor=agent, reason="")
    assert refused.value.field == "reason"
    assert Ticket.objects.get(pk=ticket.pk).status == S.IN_PROGRESS


def test_the_resolver_cannot_verify_their_own_resolution(org, make_user, ticket_in_status):
    manager = make_user("unit_manager", unit=org.hall1)  # works tickets and may verify
    ticket = ticket_in_status(S.RESOLVED, actor=manager)
    before = state(ticket)
    with pytest.raises(DomainError) as refused:
        services.verify_resolution(ticket, actor=manager)
    assert refused.value.code == "same_person"
    assert state(ticket) == before


def test_verifying_needs_the_verify_permission(agent, other_agent, ticket_in_status):
    ticket = ticket_in_status(S.RESOLVED, actor=agent)
    before = state(ticket)
    with pytest.raises(PermissionDenied):
        services.verify_resolution(ticket, actor=other_agent)
    with pytest.raises(PermissionDenied):
        services.send_back_resolution(ticket, actor=other_agent, reason="不行")
    assert state(ticket) == before


def test_working_tickets_needs_the_change_permission(agent, verifier, make_ticket):
    ticket = make_ticket(agent)
    with pytest.raises(PermissionDenied):
        services.respond_to_ticket(ticket, actor=verifier)
    with pytest.raises(PermissionDenied):
        services.assign_ticket(ticket, actor=verifier, assignee=agent)
    assert Ticket.objects.get(pk=ticket.pk).status == S.NEW


def test_out_of_scope_tickets_are_not_found(agent, outsider, make_ticket):
    ticket = make_ticket(agent)
    with pytest.raises(Http404):
        services.respond_to_ticket(ticket, actor=outsider)
    with pytest.raises(Http404):
        services.add_comment(ticket, actor=outsider, text="偷看")
    with pytest.raises(Http404):
        access_ticket(outsider, ticket.pk)
    assert ticket not in visible_tickets(outsider)
    assert access_ticket(agent, ticket.pk) == ticket
    with pytest.raises(Http404):
        access_ticket(agent, "not-a-number")


def test_quality_inspectors_see_and_verify_every_units_tickets(
    org, agent, other_agent, make_user, make_ticket, ticket_in_status
):
    # The quality department is a unit of its own beside the halls, not above them.
    quality = make_unit("QD", "质量管理部", OrgUnitKind.DEPARTMENT, org.hq, "Quality")
    inspector = make_user("quality_inspector", unit=quality, username="qd-inspector")
    hall_ticket = make_ticket(agent)
    assert hall_ticket in visible_tickets(inspector)
    resolved = ticket_in_status(TicketStatus.RESOLVED, actor=other_agent)
    services.verify_resolution(resolved, actor=inspector)
    assert Ticket.objects.get(pk=resolved.pk).status == TicketStatus.VERIFIED
    # Only tickets: the rest of the halls' records keep the unit rule.
    assert not OrgUnit.objects.visible_to(inspector).filter(pk=org.hall1.pk).exists()
    # Only inspectors: the quality manager, whose figures are those of their own subtree, and
    # an agent of that department keep the unit rule.
    manager = make_user("quality_manager", unit=quality, username="qd-manager")
    clerk = make_user("agent", unit=quality, username="qd-clerk")
    assert hall_ticket not in visible_tickets(manager)
    assert hall_ticket not in visible_tickets(clerk)


def test_a_ticket_list_costs_one_query_whatever_its_length(
    org, agent, other_agent, unit_manager, make_ticket, django_assert_num_queries
):
    for index in range(5):
        make_ticket(
            agent,
            assignee=other_agent if index % 2 else None,
            handling_department=org.hall1 if index % 3 else None,
            category=category("billing"),
        )
    unit_manager.has_perm("servicedesk.view_ticket")  # a request's user has its perms cached
    with django_assert_num_queries(1):
        rows = [
            (
                t.number,
                str(t.org_unit),
                str(t.category),
                str(t.first_contact_owner),
                str(t.assignee),
                str(t.handling_department),
                str(t.sla_policy),
            )
            for t in visible_tickets(unit_manager)
        ]
    assert len(rows) == 5


def test_without_the_view_permission_nothing_is_visible(org, agent, make_user, make_ticket):
    ticket = make_ticket(agent)
    trainer = make_user("trainer", unit=org.hall1)
    assert not visible_tickets(trainer).exists()
    with pytest.raises(PermissionDenied):
        access_ticket(trainer, ticket.pk)


# --- refused transitions -------------------------------------------------------------------

ACTION_CALLS = {
    "triage": lambda t, a, v: services.triage_ticket(t, actor=a, category=category("billing")),
    "respond": lambda t, a, v: services.respond_to_ticket(t, actor=a),
    "start": lambda t, a, v: services.start_ticket(t, actor=a),
    "pause": lambda t, a, v: services.pause_ticket(t, actor=a, reason="等待"),
    "resume": lambda t, a, v: services.resume_ticket(t, actor=a),
    "resolve": lambda t, a, v: services.resolve_ticket(t, actor=a, resolution="已处理"),
    "verify": lambda t, a, v: services.verify_resolution(t, actor=v),
    "send_back": lambda t, a, v: services.send_back_resolution(t, actor=v, reason="不完整"),
    "confirm": lambda t, a, v: services.record_feedback(t, actor=a, confirmed=True),
    "close": lambda t, a, v: services.close_ticket(t, actor=a),
    "reopen": lambda t, a, v: services.reopen_ticket(t, actor=a, reason="再次投诉"),
}
REFUSED = [
    (action, status)
    for action, (sources, _target) in TRANSITIONS.items()
    for status in S.values
    if status not in sources
]


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_an_action_the_state_does_not_allow_is_refused_and_changes_nothing(
    agent, verifier, ticket_in_status, action, status
):
    ticket = ticket_in_status(status, actor=agent)
    before = state(ticket)
    with pytest.raises(ConflictError) as refused:
        ACTION_CALLS[action](ticket, agent, verifier)
    assert refused.value.status_code == 409
    assert refused.value.code == "illegal_transition"
    assert state(ticket) == before


@pytest.mark.parametrize("status", [S.RESOLVED, S.VERIFIED, S.CLOSED])
def test_a_finished_ticket_cannot_be_reassigned_or_reprioritised(
    agent, other_agent, ticket_in_status, status
):
    ticket = ticket_in_status(status, actor=agent)
    before = state(ticket)
    with pytest.raises(ConflictError):
        services.assign_ticket(ticket, actor=agent, assignee=other_agent)
    with pytest.raises(ConflictError):
        services.change_priority(ticket, actor=agent, impact=Level.HIGH, urgency=Level.HIGH)
    assert state(ticket) == before


def test_all_actions_of_the_state_machine_are_exercised():
    assert set(ACTION_CALLS) == set(TRANSITIONS)


# --- assignment ----------------------------------------------------------------------------


def test_transfers_keep_the_first_contact_owner_and_tell_them(
    org,
    agent,
    other_agent,
    unit_manager,
    make_user,
    make_ticket,
    django_capture_on_commit_callbacks,
):
    third = make_user("agent", unit=org.counter1)
    ticket = make_ticket(agent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.assign_ticket(ticket, actor=agent, assignee=other_agent, note="请跟进")
    assert ticket.assignee == other_agent
    assert ticket.reassignment_count == 0  # the first assignment is no re-assignment
    # The owner handed it over themselves, so only the new assignee is told.
    assert list(Notification.objects.values_list("recipient", flat=True)) == [other_agent.pk]
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.assign_ticket(ticket, actor=unit_manager, assignee=third)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.assign_ticket(
            ticket, actor=unit_manager, department=org.call_centre, note="转呼叫中心"
        )
    assert ticket.first_contact_owner == agent
    assert Ticket.objects.get(pk=ticket.pk).first_contact_owner == agent
    assert ticket.assignee is None and ticket.handling_department == org.call_centre
    assert ticket.reassignment_count == 2
    to_owner = Notification.objects.filter(recipient=agent).order_by("id")
    assert to_owner.count() == 2  # told of both hand-overs by someone else
    assert str(third) in to_owner[0].message
    assert "Call centre" in to_owner[1].message  # rendered in the owner's language (en)
    assert Notification.objects.filter(recipient=third).count() == 1
    moves = list(ticket.events.filter(event_type="assignment").values_list("data", flat=True))
    assert moves[-1] == {
        "from_assignee": third.pk,
        "to_assignee": None,
        "from_department": None,
        "to_department": org.call_centre.pk,
    }
    assert ticket_audit(ticket).filter(action=AuditAction.UPDATE).count() == 3


def test_owner_notifications_are_rendered_in_their_language(
    org, make_user, other_agent, unit_manager, make_ticket, django_capture_on_commit_callbacks
):
    owner = make_user("agent", unit=org.hall1, language="zh-hans")
    ticket = make_ticket(owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_ticket(ticket, actor=unit_manager, department=org.call_centre)
    message = Notification.objects.get(recipient=owner).message
    assert "呼叫中心" in message  # the unit's Chinese name, as a Chinese user sees it


def test_a_department_elsewhere_sees_the_ticket_handed_to_it(
    org, agent, unit_manager, make_user, make_ticket
):
    call_agent = make_user("agent", unit=org.call_centre)
    ticket = make_ticket(agent)
    assert ticket not in visible_tickets(call_agent)
    services.assign_ticket(ticket, actor=unit_manager, department=org.call_centre)
    assert ticket in visible_tickets(call_agent)
    ticket = services.respond_to_ticket(ticket, actor=call_agent)
    assert ticket.status == S.RESPONDED


@pytest.mark.parametrize("who", ["outsider", "inspector", "inactive", "not_in_department"])
def test_assignees_must_be_active_workers_in_scope(
    org, agent, unit_manager, outsider, verifier, make_user, make_ticket, who
):
    ticket = make_ticket(agent)
    department = None
    if who == "outsider":
        assignee = outsider
    elif who == "inspector":
        assignee = verifier
    elif who == "inactive":
        assignee = make_user("agent", unit=org.hall1, is_active=False)
    else:
        assignee = make_user("agent", unit=org.hall1)
        department = org.call_centre
    before = state(ticket)
    with pytest.raises(DomainError) as refused:
        services.assign_ticket(ticket, actor=unit_manager, assignee=assignee, department=department)
    assert refused.value.field == "assignee"
    assert state(ticket) == before


def test_departments_must_be_active_units_in_scope(org, agent, unit_manager, make_ticket):
    ticket = make_ticket(agent)
    with pytest.raises(DomainError) as refused:
        services.assign_ticket(ticket, actor=unit_manager, department=org.hall2)
    assert refused.value.field == "department"
    OrgUnit.objects.filter(pk=org.counter1.pk).update(is_active=False)
    org.counter1.refresh_from_db()
    with pytest.raises(DomainError):
        services.assign_ticket(ticket, actor=unit_manager, department=org.counter1)
    with pytest.raises(DomainError):
        services.assign_ticket(ticket, actor=unit_manager)
    assert Ticket.objects.get(pk=ticket.pk).handling_department is None


def test_assigning_the_same_handler_again_is_refused(agent, other_agent, make_ticket):
    ticket = make_ticket(agent, assignee=other_agent)
    with pytest.raises(DomainError) as refused:
        services.assign_ticket(ticket, actor=agent, assignee=other_agent)
    assert refused.value.code == "unchanged"


# --- priority and comments -----------------------------------------------------------------


def test_changing_priority_is_audited_and_on_the_timeline(agent, make_ticket):
    ticket = make_ticket(agent)
    with pytest.raises(DomainError):
        services.change_priority(ticket, actor=agent, impact=Level.MEDIUM, urgency=Level.MEDIUM)
    with pytest.raises(DomainError) as refused:
        services.change_priority(ticket, actor=agent, impact=9, urgency=Level.MEDIUM)
    assert refused.value.field == "impact"
    ticket = services.change_priority(ticket, actor=agent, impact=Level.LOW, urgency=Level.LOW)
    assert ticket.priority == 4
    event = ticket_audit(ticket).filter(action=AuditAction.UPDATE).get()
    assert event.before["priority"] == 3 and event.after["priority"] == 4
    assert ticket.events.filter(event_type=EventType.PRIORITY).exists()


def test_free_text_has_a_limit_everywhere_it_is_typed(agent, other_agent, ticket_in_status):
    # A 200,000-character description made a 72-page receipt; 10,000 characters is the limit
    # of every text a person types on a ticket, and at the limit it is stored whole.
    limit = services.TEXT_LIMIT
    ticket = ticket_in_status(TicketStatus.IN_PROGRESS, actor=agent, description="述" * limit)
    assert len(Ticket.objects.get(pk=ticket.pk).description) == limit
    too_long = "长" * (limit + 1)
    refusals = [
        (lambda: services.add_comment(ticket, actor=agent, text=too_long), "text"),
        (lambda: services.pause_ticket(ticket, actor=agent, reason=too_long), "reason"),
        (
            lambda: services.assign_ticket(
                ticket, actor=agent, assignee=other_agent, note=too_long
            ),
            "note",
        ),
        (lambda: services.resolve_ticket(ticket, actor=agent, resolution=too_long), "resolution"),
        (
            lambda: services.resolve_ticket(
                ticket, actor=agent, resolution="好", root_cause=too_long
            ),
            "root_cause",
        ),
    ]
    events = ticket.events.count()
    for call, field in refusals:
        with pytest.raises(DomainError) as refused:
            call()
        assert (refused.value.field, refused.value.code) == (field, "max_length")
    assert ticket.events.count() == events
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.IN_PROGRESS


def test_comments_internal_or_for_the_customer(agent, verifier, make_ticket):
    ticket = make_ticket(agent)
    internal = services.add_comment(ticket, actor=agent, text="客户情绪激动")
    public = services.add_comment(ticket, actor=verifier, text="已安排回访", customer_visible=True)
    assert (internal.event_type, internal.customer_visible, internal.actor) == (
        "comment",
        False,
        agent,
    )
    assert public.customer_visible and public.actor == verifier
    with pytest.raises(DomainError) as refused:
        services.add_comment(ticket, actor=agent, text="  ")
    assert refused.value.field == "text"
    closed_comment_count = ticket.events.filter(event_type="comment").count()
    assert closed_comment_count == 2
    assert ticket_audit(ticket).filter(action=AuditAction.UPDATE).count() == 2


def test_the_callers_instance_is_refreshed(agent, make_ticket):
    ticket = make_ticket(agent)
    result = services.respond_to_ticket(ticket, actor=agent)
    assert ticket.status == result.status == S.RESPONDED
    assert ticket.responded_at == result.responded_at
    by_pk = services.start_ticket(ticket.pk, actor=agent)
    assert by_pk.status == S.IN_PROGRESS


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_people_acting_at_once_are_serialised_by_the_row_lock(
    agent, other_agent, ticket_in_status
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite's in-memory test database has no row locks")
    ticket = ticket_in_status(S.IN_PROGRESS, actor=agent)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def resolve(actor: Any, text: str) -> None:
        try:
            barrier.wait(10)
            services.resolve_ticket(ticket.pk, actor=actor, resolution=text)
            outcomes.append(actor.username)
        except BaseException as error:  # reported by the test's thread
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=resolve, args=(agent, "甲的处理")),
        threading.Thread(target=resolve, args=(other_agent, "乙的处理")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if not isinstance(o, str)]
    assert len(winners) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], ConflictError)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.resolved_by is not None and stored.resolved_by.username == winners[0]
    assert stored.events.filter(to_status=S.RESOLVED).count() == 1
    assert ticket_audit(ticket).filter(after__status=S.RESOLVED).count() == 1
