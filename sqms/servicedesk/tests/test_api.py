"""The service desk REST API: tickets, every action endpoint, filters, masking and the schema."""

from datetime import timedelta
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from sqms.core.tests.api_cases import APICase
from sqms.core.tests.factories import UserFactory
from sqms.servicedesk import services
from sqms.servicedesk.api.actions import ACTIONS
from sqms.servicedesk.choices import Channel, EventType, Level, TicketKind, TicketStatus
from sqms.servicedesk.models import Category, Ticket, TicketEvent

TICKETS = "/api/servicedesk/tickets/"
PHONE = "13812345678"


def clerk(unit: Any, *roles: str) -> Any:
    return UserFactory(org_unit=unit, roles=list(roles or ("agent",)))


def register(actor: Any, **values: Any) -> Ticket:
    fields: dict[str, Any] = {
        "kind": TicketKind.COMPLAINT,
        "channel": Channel.COUNTER,
        "title": "宽带报装两周未上门",
    }
    fields.update(values)
    return services.register_ticket(actor=actor, **fields)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url_of(ticket: Ticket, action: str = "") -> str:
    return f"{TICKETS}{ticket.pk}/" + (f"{action}/" if action else "")


def inactive_category() -> Category:
    values = {"code": f"OLD-{Category.objects.count()}", "name": "停用类别", "is_active": False}
    return Category.objects.add_root(values)


def active_category(code: str = "API-CAT", parent: Category | None = None) -> Category:
    values = {"code": code, "name": f"类别{code}", "name_en": f"Category {code}"}
    if parent is None:
        return Category.objects.add_root(values)
    return Category.objects.add_child(parent, values)


# --- the generic case -----------------------------------------------------------------------


class TestTicketAPI(APICase):
    url = TICKETS
    model = Ticket
    actor_roles = ("agent",)
    actor_unit = "branch1"
    denied_roles = ("trainer",)  # no service desk permission at all
    reads_denied = True
    actions = ("list", "retrieve", "create", "partial_update")
    max_list_queries = 8

    def make_in_scope(self, org: Any, n: int) -> Ticket:
        return register(clerk(org.hall1), title=f"Ticket {n}", customer_phone=PHONE)

    def make_out_of_scope(self, org: Any, n: int) -> Ticket:
        return register(clerk(org.hall2), title=f"Elsewhere {n}", customer_phone=PHONE)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "kind": "complaint",
            "channel": "counter",
            "title": "营业员态度差",
            "description": "客户反映窗口营业员不耐烦。",
            "impact": 2,
            "urgency": 1,
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"title": "更正后的标题", "description": "补充说明"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        valid = self.create_payload(org)
        return [
            ({"kind": "rumour", "channel": "fax", "title": ""}, {"kind", "channel", "title"}),
            ({"kind": "complaint", "channel": "phone"}, {"title"}),
            ({**valid, "impact": 7, "urgency": 0}, {"impact", "urgency"}),
            ({**valid, "category": inactive_category().pk}, {"category"}),
            ({**valid, "category": 999_999}, {"category"}),
            ({**valid, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**valid, "customer_phone": "12345"}, {"customer_phone"}),
            ({**valid, "title": "x" * 201}, {"title"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"title": ""}, {"title"}),
            ({"category": inactive_category().pk}, {"category"}),
        ]


# --- registration ---------------------------------------------------------------------------


@pytest.fixture
def agent(org: Any, make_user: Any) -> Any:
    return make_user("agent", unit=org.hall1)


@pytest.fixture
def api(agent: Any) -> APIClient:
    return client_for(agent)


def test_registration_masks_customer_and_returns_the_whole_ticket(api: Any, agent: Any, org: Any):
    category = active_category()
    response = api.post(
        TICKETS,
        {
            "kind": "complaint",
            "channel": "counter",
            "title": "宽带报装两周未上门",
            "category": category.pk,
            "org_unit": org.counter1.pk,
            "customer_name": "李小四",
            "customer_phone": "+86 138-1234-5678",
            "impact": 1,
            "urgency": 1,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("SQ")
    assert body["customer_phone"] == "138****5678"
    assert body["customer_name"] != "李小四" and body["customer_name"].startswith("李")
    assert body["org_unit"]["id"] == org.counter1.pk
    assert body["category"]["id"] == category.pk
    assert body["first_contact_owner"]["id"] == agent.pk
    assert body["status"] == TicketStatus.NEW
    assert body["priority"] == 1
    assert body["events"] and body["events"][0]["event_type"] == EventType.CREATED
    assert {a["action"] for a in body["allowed_actions"]} >= {"respond", "assign", "comments"}
    assert set(body["sla"]) >= {
        "policy",
        "response_due_at",
        "resolve_due_at",
        "response_breached",
        "resolve_breached",
        "response_remaining_minutes",
        "resolve_remaining_minutes",
    }
    text = response.content.decode()
    assert PHONE not in text and "1234-5678" not in text and "李小四" not in text
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.customer_phone_index


def test_an_unknown_problem_type_is_refused_in_the_requests_language(api: Any):
    values = {"kind": "complaint", "channel": "counter", "title": "资费疑问", "category": 999999}
    english = api.post(TICKETS, values, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    assert english.json()["category"] == ["No active problem type with id “999999”."]
    chinese = api.post(TICKETS, values, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.json()["category"] == ["不存在 ID 为“999999”的已启用问题类型。"]


def test_registration_stores_the_phone_encrypted(api: Any):
    response = api.post(
        TICKETS,
        {"kind": "fault", "channel": "phone", "title": "断网", "customer_phone": PHONE},
    )
    assert response.status_code == 201, response.content
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_phone, customer_phone_index FROM servicedesk_ticket WHERE id = %s",
            [response.json()["id"]],
        )
        stored_phone, stored_index = cursor.fetchone()
    assert stored_phone and stored_index
    assert PHONE not in stored_phone and "5678" not in stored_phone
    assert PHONE not in stored_index


def test_registration_defaults_to_the_actors_unit(api: Any, agent: Any):
    response = api.post(TICKETS, {"kind": "consultation", "channel": "phone", "title": "资费咨询"})
    assert response.status_code == 201, response.content
    assert response.json()["org_unit"]["id"] == agent.org_unit_id


def test_partial_update_changes_the_category(api: Any, agent: Any):
    ticket = register(agent)
    category = active_category("RECAT")
    response = api.patch(url_of(ticket), {"category": category.pk})
    assert response.status_code == 200, response.content
    assert response.json()["category"]["id"] == category.pk
    ticket.refresh_from_db()
    assert ticket.category_id == category.pk


def test_partial_update_cannot_touch_other_fields(api: Any, agent: Any):
    ticket = register(agent)
    response = api.patch(url_of(ticket), {"status": "closed", "priority": 1, "title": "新标题"})
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert ticket.title == "新标题"


def test_closed_tickets_are_not_corrected(api: Any, agent: Any, manager: Any):
    ticket = verified(register(agent), agent, manager)
    services.close_ticket(ticket, actor=agent)
    refused_and_unchanged(
        lambda: api.patch(url_of(ticket), {"title": "改"}), 409, ticket, {"detail"}
    )


def test_handling_department_outside_the_scope_is_refused(api: Any, org: Any):
    payload = {"kind": "fault", "channel": "phone", "title": "断网"}
    response = api.post(TICKETS, {**payload, "handling_department": org.hall2.pk})
    assert response.status_code == 400, response.content
    assert "handling_department" in response.json()


def test_put_is_not_offered(api: Any, agent: Any):
    ticket = register(agent)
    assert api.put(url_of(ticket), {"title": "x"}).status_code == 405


# --- actions --------------------------------------------------------------------------------


@pytest.fixture
def manager(org: Any, make_user: Any) -> Any:
    return make_user("unit_manager", unit=org.hall1)


def advance(ticket: Ticket, actor: Any, *steps: str) -> Ticket:
    """Carry a ticket through service calls (not the API under test)."""
    for step in steps:
        if step == "respond":
            ticket = services.respond_to_ticket(ticket, actor=actor, message="已联系")
        elif step == "start":
            ticket = services.start_ticket(ticket, actor=actor)
        elif step == "pause":
            ticket = services.pause_ticket(ticket, actor=actor, reason="等待资料")
        elif step == "resolve":
            ticket = services.resolve_ticket(ticket, actor=actor, resolution="已处理")
        else:
            raise ValueError(step)
    return ticket


def verified(ticket: Ticket, resolver: Any, verifier: Any) -> Ticket:
    ticket = advance(ticket, resolver, "respond", "start", "resolve")
    return services.verify_resolution(ticket, actor=verifier)


def ticket_state(ticket: Ticket) -> tuple[dict[str, Any], int]:
    fresh = Ticket.objects.get(pk=ticket.pk)
    fields = {f.attname: getattr(fresh, f.attname) for f in Ticket._meta.concrete_fields}
    return fields, TicketEvent.objects.filter(ticket=ticket).count()


def refused_and_unchanged(
    call: Any, code: int | set[int], ticket: Ticket, fields: frozenset[str] | set[str] = frozenset()
) -> None:
    """Make the request `call()`; it must fail with `code`, name `fields`, and change nothing."""
    before = ticket_state(ticket)
    response = call()
    assert response.status_code in ({code} if isinstance(code, int) else code), response.content
    body = response.json()
    assert body, "an error without a message"
    assert set(fields) <= set(body), body
    assert ticket_state(ticket) == before


def test_respond(api: Any, agent: Any):
    ticket = register(agent)
    response = api.post(url_of(ticket, "respond"), {"message": "已电话联系客户"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == TicketStatus.RESPONDED
    assert body["responded_at"]
    assert body["sla"]["response_remaining_minutes"] is None
    assert any(e["to_status"] == TicketStatus.RESPONDED for e in body["events"])


def test_respond_twice_is_a_conflict(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond")
    refused_and_unchanged(lambda: api.post(url_of(ticket, "respond"), {}), 409, ticket, {"detail"})


def test_assign_to_a_user(api: Any, agent: Any, org: Any, make_user: Any):
    colleague = make_user("agent", unit=org.hall1)
    ticket = register(agent)
    response = api.post(url_of(ticket, "assign"), {"assignee": colleague.pk, "note": "请跟进"})
    assert response.status_code == 200, response.content
    assert response.json()["assignee"]["id"] == colleague.pk
    assert response.json()["first_contact_owner"]["id"] == agent.pk


def test_assign_needs_someone(api: Any, agent: Any):
    ticket = register(agent)
    refused_and_unchanged(lambda: api.post(url_of(ticket, "assign"), {}), 400, ticket, {"assignee"})
    refused_and_unchanged(
        lambda: api.post(url_of(ticket, "assign"), {"assignee": 999_999}), 400, ticket, {"assignee"}
    )


def test_start(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond")
    response = api.post(url_of(ticket, "start"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == TicketStatus.IN_PROGRESS


def test_start_before_responding_is_a_conflict(api: Any, agent: Any):
    ticket = register(agent)
    refused_and_unchanged(lambda: api.post(url_of(ticket, "start")), 409, ticket, {"detail"})


def test_pause_stops_the_clock(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start")
    response = api.post(url_of(ticket, "pause"), {"reason": "等待客户补充资料"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == TicketStatus.WAITING_CUSTOMER
    assert body["sla"]["paused_at"]


def test_pause_needs_a_reason(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start")
    refused_and_unchanged(lambda: api.post(url_of(ticket, "pause"), {}), 400, ticket, {"reason"})
    refused_and_unchanged(
        lambda: api.post(url_of(ticket, "pause"), {"reason": ""}), 400, ticket, {"reason"}
    )


def test_resume(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start", "pause")
    response = api.post(url_of(ticket, "resume"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == TicketStatus.IN_PROGRESS
    assert response.json()["sla"]["paused_at"] is None


def test_resume_when_not_paused_is_a_conflict(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start")
    refused_and_unchanged(lambda: api.post(url_of(ticket, "resume")), 409, ticket, {"detail"})


def test_resolve(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start")
    response = api.post(
        url_of(ticket, "resolve"),
        {
            "resolution": "已上门安装",
            "root_cause": "漏派单",
            "service_error": True,
            "service_error_reason": "未及时派单",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == TicketStatus.RESOLVED
    assert body["service_error"] is True
    assert body["resolved_by"]["id"] == agent.pk


def test_resolve_needs_a_resolution(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start")
    for payload in ({}, {"resolution": "  "}, {"resolution": "ok", "service_error": True}):
        refused_and_unchanged(lambda p=payload: api.post(url_of(ticket, "resolve"), p), 400, ticket)


def test_verify_by_someone_else(agent: Any, manager: Any):
    ticket = advance(register(agent), agent, "respond", "start", "resolve")
    detail = client_for(manager).get(url_of(ticket)).json()
    assert "verify" in {a["action"] for a in detail["allowed_actions"]}
    response = client_for(manager).post(url_of(ticket, "verify"), {"note": "回访确认"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == TicketStatus.VERIFIED
    assert response.json()["verified_by"]["id"] == manager.pk


def test_verify_refusals(api: Any, agent: Any, manager: Any):
    ticket = advance(register(agent), agent, "respond", "start", "resolve")
    # An agent lacks servicedesk.verify_ticket.
    assert "verify" not in {a["action"] for a in api.get(url_of(ticket)).json()["allowed_actions"]}
    refused_and_unchanged(lambda: api.post(url_of(ticket, "verify")), 403, ticket)
    # The resolver may not verify their own resolution, even with the permission.
    resolved_by_manager = advance(register(manager), manager, "respond", "start", "resolve")
    refused_and_unchanged(
        lambda: client_for(manager).post(url_of(resolved_by_manager, "verify")),
        {400, 409},
        resolved_by_manager,
        {"detail"},
    )


def test_send_back(agent: Any, manager: Any):
    ticket = advance(register(agent), agent, "respond", "start", "resolve")
    response = client_for(manager).post(url_of(ticket, "send-back"), {"reason": "未说明退费"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == TicketStatus.IN_PROGRESS


def test_send_back_needs_a_reason(agent: Any, manager: Any):
    ticket = advance(register(agent), agent, "respond", "start", "resolve")
    refused_and_unchanged(
        lambda: client_for(manager).post(url_of(ticket, "send-back"), {}), 400, ticket, {"reason"}
    )


def test_the_resolver_cannot_send_back_their_own_resolution(agent: Any, manager: Any):
    ticket = advance(register(manager), manager, "respond", "start", "resolve")
    offered = client_for(manager).get(url_of(ticket)).json()["allowed_actions"]
    assert "send-back" not in {action["action"] for action in offered}
    refused_and_unchanged(
        lambda: client_for(manager).post(url_of(ticket, "send-back"), {"reason": "自己退回"}),
        400,
        ticket,
        {"detail", "code"},
    )


def test_feedback_confirmed_closes_and_not_confirmed_reopens(api: Any, agent: Any, manager: Any):
    confirmed = verified(register(agent), agent, manager)
    response = api.post(url_of(confirmed, "feedback"), {"confirmed": True})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == TicketStatus.CLOSED
    assert response.json()["customer_confirmed"] is True

    not_confirmed = verified(register(agent), agent, manager)
    response = api.post(url_of(not_confirmed, "feedback"), {"confirmed": False, "note": "仍断网"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == TicketStatus.REOPENED


def test_a_reopened_ticket_no_longer_counts_as_confirmed_by_the_customer(
    api: Any, agent: Any, manager: Any
):
    ticket = verified(register(agent), agent, manager)
    assert api.post(url_of(ticket, "feedback"), {"confirmed": True}).json()["customer_confirmed"]
    response = api.post(url_of(ticket, "reopen"), {"reason": "客户再次来电"})
    assert response.status_code == 200, response.content
    assert response.json()["customer_confirmed"] is None
    # Archived again without feedback: nobody confirmed this resolution.
    ticket = advance(Ticket.objects.get(pk=ticket.pk), agent, "start", "resolve")
    ticket = services.verify_resolution(ticket, actor=manager)
    response = api.post(url_of(ticket, "close"), {"note": "三次回访未接通"})
    assert response.json()["status"] == TicketStatus.CLOSED
    assert response.json()["customer_confirmed"] is None


def test_feedback_refusals(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start")
    refused_and_unchanged(
        lambda: api.post(url_of(ticket, "feedback"), {}), 400, ticket, {"confirmed"}
    )
    refused_and_unchanged(
        lambda: api.post(url_of(ticket, "feedback"), {"confirmed": True}), 409, ticket, {"detail"}
    )


def test_close(api: Any, agent: Any, manager: Any):
    ticket = verified(register(agent), agent, manager)
    response = api.post(url_of(ticket, "close"), {"note": "三次回访未接通"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == TicketStatus.CLOSED
    assert response.json()["closed_at"]


def test_close_before_verification_is_a_conflict(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start", "resolve")
    refused_and_unchanged(lambda: api.post(url_of(ticket, "close")), 409, ticket, {"detail"})


def test_reopen(api: Any, agent: Any, manager: Any):
    ticket = verified(register(agent), agent, manager)
    services.close_ticket(ticket, actor=agent)
    response = api.post(url_of(ticket, "reopen"), {"reason": "故障复现"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == TicketStatus.REOPENED
    assert response.json()["reopen_count"] == 1


def test_reopen_refusals(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start")
    refused_and_unchanged(lambda: api.post(url_of(ticket, "reopen"), {}), 400, ticket, {"reason"})
    refused_and_unchanged(
        lambda: api.post(url_of(ticket, "reopen"), {"reason": "x"}), 409, ticket, {"detail"}
    )


def test_priority(api: Any, agent: Any):
    ticket = register(agent, impact=Level.LOW, urgency=Level.LOW)
    response = api.post(
        url_of(ticket, "priority"), {"impact": 1, "urgency": 1, "reason": "影响整栋楼"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["impact"], body["urgency"], body["priority"]) == (1, 1, 1)
    assert any(e["event_type"] == EventType.PRIORITY for e in body["events"])


def test_priority_out_of_range(api: Any, agent: Any):
    ticket = register(agent)
    refused_and_unchanged(
        lambda: api.post(url_of(ticket, "priority"), {"impact": 9, "urgency": "high"}),
        400,
        ticket,
        {"impact", "urgency"},
    )


def test_comments(api: Any, agent: Any):
    ticket = register(agent)
    response = api.post(
        url_of(ticket, "comments"), {"text": "已联系班组长", "customer_visible": True}
    )
    assert response.status_code == 201, response.content
    assert response.json()["event_type"] == EventType.COMMENT
    assert response.json()["customer_visible"] is True
    api.post(url_of(ticket, "comments"), {"text": "第二条"})
    listing = api.get(url_of(ticket, "comments"))
    assert listing.status_code == 200
    assert [row["message"] for row in listing.json()["results"]] == ["已联系班组长", "第二条"]


def test_a_quality_inspector_comments_but_does_not_resolve(agent: Any, org: Any, make_user: Any):
    inspector = client_for(make_user("quality_inspector", unit=org.hall1))
    ticket = advance(register(agent), agent, "respond", "start")
    response = inspector.post(url_of(ticket, "comments"), {"text": "质检抽查"})
    assert response.status_code == 201, response.content
    offered = {a["action"] for a in inspector.get(url_of(ticket)).json()["allowed_actions"]}
    assert offered == {"comments"}
    refused_and_unchanged(
        lambda: inspector.post(url_of(ticket, "resolve"), {"resolution": "x"}), 403, ticket
    )


def test_comment_needs_text(api: Any, agent: Any):
    ticket = register(agent)
    before = TicketEvent.objects.count()
    response = api.post(url_of(ticket, "comments"), {"text": ""})
    assert response.status_code == 400 and "text" in response.json()
    assert TicketEvent.objects.count() == before


SLUGS = [action.slug for action in ACTIONS]


@pytest.mark.parametrize("slug", SLUGS)
def test_actions_on_out_of_scope_tickets_are_not_found(slug: str, org: Any, make_user: Any):
    # A manager of hall 1 (with every ticket permission) and a ticket of hall 2.
    outsider = client_for(make_user("unit_manager", unit=org.hall1))
    ticket = register(clerk(org.hall2))
    events = TicketEvent.objects.count()
    response = outsider.post(url_of(ticket, slug), {"reason": "x", "text": "x", "confirmed": True})
    assert response.status_code == 404, response.content
    assert TicketEvent.objects.count() == events
    if slug == "comments":
        assert outsider.get(url_of(ticket, slug)).status_code == 404


@pytest.mark.parametrize("slug", SLUGS)
def test_actions_need_permission(slug: str, org: Any, make_user: Any):
    # An auditor reads every ticket but changes none.
    auditor = client_for(make_user("auditor", unit=org.hq))
    ticket = register(clerk(org.hall1))
    assert auditor.get(url_of(ticket)).status_code == 200
    events = TicketEvent.objects.count()
    response = auditor.post(url_of(ticket, slug), {"reason": "x", "text": "x", "confirmed": True})
    assert response.status_code == 403, response.content
    assert TicketEvent.objects.count() == events


def test_auditor_is_offered_no_action(org: Any, make_user: Any):
    auditor = client_for(make_user("auditor", unit=org.hq))
    ticket = register(clerk(org.hall1))
    assert auditor.get(url_of(ticket)).json()["allowed_actions"] == []


def test_allowed_actions_follow_the_state(api: Any, agent: Any):
    ticket = advance(register(agent), agent, "respond", "start")
    offered = {a["action"] for a in api.get(url_of(ticket)).json()["allowed_actions"]}
    assert {"pause", "resolve", "assign", "priority", "comments"} <= offered
    assert not offered & {"respond", "start", "resume", "verify", "close", "reopen"}


# --- filters --------------------------------------------------------------------------------


def ids(api: Any, **params: Any) -> set[int]:
    response = api.get(TICKETS, {"page_size": 200, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_filter_by_status_accepts_several(api: Any, agent: Any):
    new = register(agent)
    responded = advance(register(agent), agent, "respond")
    started = advance(register(agent), agent, "respond", "start")
    assert ids(api, status="new") == {new.pk}
    assert ids(api, status=["responded", "in_progress"]) == {responded.pk, started.pk}
    assert api.get(TICKETS, {"status": "lost"}).status_code == 400


def test_filter_by_kind_channel_priority(api: Any, agent: Any):
    complaint = register(agent, kind=TicketKind.COMPLAINT, channel=Channel.PHONE)
    praise = register(
        agent, kind=TicketKind.PRAISE, channel=Channel.COUNTER, impact=Level.LOW, urgency=Level.LOW
    )
    assert ids(api, kind="complaint") == {complaint.pk}
    assert ids(api, channel="counter") == {praise.pk}
    assert ids(api, priority=praise.priority) >= {praise.pk}


def test_filter_by_breached(api: Any, agent: Any):
    on_time = register(agent)
    late_response = register(agent)
    late_resolution = register(agent)
    Ticket.objects.filter(pk=late_response.pk).update(response_breached=True)
    Ticket.objects.filter(pk=late_resolution.pk).update(resolve_breached=True)
    assert ids(api, breached="true") == {late_response.pk, late_resolution.pk}
    assert ids(api, breached="false") == {on_time.pk}


def test_filter_by_due_time(api: Any, agent: Any):
    soon, later = register(agent), register(agent)
    now = timezone.now()
    Ticket.objects.filter(pk=soon.pk).update(resolve_due_at=now + timedelta(hours=1))
    Ticket.objects.filter(pk=later.pk).update(resolve_due_at=now + timedelta(days=3))
    cut = (now + timedelta(hours=2)).isoformat()
    assert ids(api, due_before=cut) == {soon.pk}
    assert ids(api, due_after=cut) == {later.pk}
    assert api.get(TICKETS, {"due_before": "soon"}).status_code == 400


def test_filter_by_creation_range(api: Any, agent: Any):
    old, recent = register(agent), register(agent)
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    since = (timezone.now() - timedelta(days=7)).isoformat()
    assert ids(api, created_after=since) == {recent.pk}
    assert ids(api, created_before=since) == {old.pk}
    both = {"created_after": "2000-01-01", "created_before": since}
    assert ids(api, **both) == {old.pk}


def test_boolean_filters_refuse_what_is_neither_true_nor_false(api: Any, agent: Any):
    late, on_time = register(agent), register(agent)
    Ticket.objects.filter(pk=late.pk).update(resolve_breached=True)
    assert ids(api, breached="1") == {late.pk}
    assert ids(api, breached="0") == {on_time.pk}
    assert ids(api, breached="") == {late.pk, on_time.pk}
    for name in ("breached", "is_open"):
        # Not silently read as "no filter", which would answer every ticket.
        response = api.get(TICKETS, {name: "maybe"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert response.json() == {name: ["Enter true or false."]}


def test_time_filters_compare_any_offset_in_utc(api: Any, agent: Any, org: Any):
    ticket = register(agent)
    # +21:59 is a valid ISO 8601 offset to Python, beyond PostgreSQL's ±15:59 (a 500 there).
    far = timezone.get_fixed_timezone(21 * 60 + 59)
    before = (ticket.created_at - timedelta(minutes=1)).astimezone(far).isoformat()
    after = (ticket.created_at + timedelta(minutes=1)).astimezone(far).isoformat()
    assert ids(api, created_after=before, created_before=after) == {ticket.pk}
    assert ids(api, due_before=before) == set()
    visits = api.get("/api/servicedesk/visits/", {"arrived_after": before})
    assert visits.status_code == 200, visits.content
    # An instant that is no date in UTC is invalid input, not a server error.
    for value in ("0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"):
        response = api.get(TICKETS, {"created_after": value})
        assert response.status_code == 400 and "created_after" in response.json()


def test_filter_by_customer_phone_through_the_blind_index(api: Any, agent: Any):
    mine = register(agent, customer_phone="138 1234 5678")
    register(agent, customer_phone="13900000000")
    register(agent)
    assert ids(api, customer_phone="+86-138-1234-5678") == {mine.pk}
    assert ids(api, customer_phone="1381234") == set()  # exact numbers only


def test_filter_by_org_unit_subtree_and_scope(api: Any, agent: Any, org: Any):
    hall = register(agent)
    counter = register(agent, org_unit=org.counter1)
    assert ids(api, org_unit=org.counter1.pk) == {counter.pk}
    assert ids(api, org_unit=org.hall1.pk) == {hall.pk, counter.pk}
    # A unit outside the scope is an invalid choice, not an empty (probing) answer.
    response = api.get(TICKETS, {"org_unit": org.hall2.pk})
    assert response.status_code == 400 and "org_unit" in response.json()


def test_filter_by_people(api: Any, agent: Any, org: Any, make_user: Any):
    colleague = make_user("agent", unit=org.hall1)
    assigned = services.assign_ticket(register(agent), actor=agent, assignee=colleague)
    by_colleague = register(colleague)
    assert ids(api, assignee=colleague.pk) == {assigned.pk}
    assert by_colleague.pk in ids(api, assignee="null")
    assert ids(api, first_contact_owner=colleague.pk) == {by_colleague.pk}
    stranger = clerk(org.hall2)
    assert api.get(TICKETS, {"assignee": stranger.pk}).status_code == 400


def test_filter_by_category_subtree(api: Any, agent: Any):
    parent = active_category("NET")
    child = active_category("NET-SLOW", parent)
    in_child = register(agent, category=child)
    in_parent = register(agent, category=parent)
    register(agent)
    assert ids(api, category=parent.pk) == {in_child.pk, in_parent.pk}
    assert ids(api, category=child.pk) == {in_child.pk}


def test_search_by_number_or_title(api: Any, agent: Any):
    broadband = register(agent, title="宽带无法连接")
    other = register(agent, title="话费疑问")
    assert ids(api, q="宽带") == {broadband.pk}
    assert ids(api, q=other.number) == {other.pk}


# --- lists stay cheap ----------------------------------------------------------------------


def test_list_query_count_is_bounded(
    api: Any, agent: Any, org: Any, make_user: Any, django_assert_max_num_queries: Any
):
    colleague = make_user("agent", unit=org.hall1)
    category = active_category()
    for _n in range(3):
        register(agent, category=category, customer_phone=PHONE, customer_name="王五")
    api.get(TICKETS)
    with CaptureQueriesContext(connection) as few:
        assert api.get(TICKETS, {"page_size": 200}).status_code == 200
    for _n in range(12):
        ticket = register(colleague, category=category, customer_phone=PHONE, org_unit=org.counter1)
        services.assign_ticket(ticket, actor=colleague, assignee=agent, department=org.hall1)
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as many:
        response = api.get(TICKETS, {"page_size": 200, "is_open": "true"})
    assert response.status_code == 200 and response.json()["count"] == 15
    assert len(many) == len(few), f"{len(few)} queries for 3 tickets, {len(many)} for 15"


# --- the schema, as a client that no one here wrote would read it --------------------------


def test_schema_documents_every_ticket_path_and_action(api: Any):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    assert set(paths[TICKETS]) >= {"get", "post"}
    assert set(paths[TICKETS + "{id}/"]) >= {"get", "patch"}
    assert "put" not in paths[TICKETS + "{id}/"]
    for slug in SLUGS:
        operation = paths[f"{TICKETS}{{id}}/{slug}/"]["post"]
        assert operation["tags"] == ["tickets"]
        assert operation.get("summary"), slug
        responses = operation["responses"]
        assert {"400", "403", "404"} <= set(responses), (slug, responses)
        assert "requestBody" in operation or slug in {"start", "resume"}, slug
    assert "get" in paths[f"{TICKETS}{{id}}/comments/"]
    create = paths[TICKETS]["post"]
    examples = create["requestBody"]["content"]["application/json"]["examples"]
    assert examples
    resolve = paths[f"{TICKETS}{{id}}/resolve/"]["post"]
    assert resolve["requestBody"]["content"]["application/json"]["examples"]
    list_parameters = {p["name"] for p in paths[TICKETS]["get"]["parameters"]}
    assert list_parameters >= {
        "status",
        "kind",
        "channel",
        "priority",
        "org_unit",
        "assignee",
        "breached",
        "due_before",
        "due_after",
        "created_after",
        "created_before",
        "customer_phone",
        "page",
        "page_size",
    }


def test_if_match_refuses_a_change_made_meanwhile(api: Any, agent: Any) -> None:
    ticket = register(agent)
    first = api.get(url_of(ticket))
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 4
    changed = api.patch(url_of(ticket), {"title": "新标题"}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    # A second writer still holding the first version is refused, and changes nothing.
    stale = api.patch(url_of(ticket), {"title": "覆盖"}, headers={"If-Match": etag})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    ticket.refresh_from_db()
    assert ticket.title == "新标题"
    again = api.patch(url_of(ticket), {"title": "再改"}, headers={"If-Match": changed["ETag"]})
    assert again.status_code == 200
    assert api.patch(url_of(ticket), {"title": "不带版本"}).status_code == 200  # If-Match optional
