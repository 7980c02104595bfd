"""Counter visits: the services' order rules, waiting and handling times, the timeline entry,
the hall queue page and the REST endpoints."""

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from sqms.core.choices import AuditAction, OrgUnitKind
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent
from sqms.core.tests.api_cases import APICase
from sqms.core.tests.factories import UserFactory, make_unit
from sqms.servicedesk import visits
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import CounterVisit, TicketEvent
from sqms.servicedesk.tests.doc_helpers import make_ticket

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def visit_at(unit: Any, number: str = "A001", **values: Any) -> CounterVisit:
    return visits.all_visits().create(
        org_unit=unit, queue_number=number, arrived_at=values.pop("arrived_at", T0), **values
    )


@pytest.fixture
def agent(org: Any, make_user: Any) -> Any:
    return make_user("agent", unit=org.hall1)


# --- services ---------------------------------------------------------------------------------


def test_a_visit_goes_from_arrival_to_the_end_with_its_times(org: Any, agent: Any) -> None:
    ticket = make_ticket(org.hall1, agent)
    with time_machine.travel(T0, tick=False):
        visit = visits.record_arrival(actor=agent, org_unit=org.hall1, queue_number=" A001 ")
    assert visit.queue_number == "A001"
    assert visits.visit_state(visit) == visits.VisitState.WAITING
    assert visits.waiting_seconds(visit) is None
    with time_machine.travel(T0 + timedelta(minutes=7, seconds=30), tick=False):
        visits.call_visit(visit, actor=agent, counter=org.counter1)
    with time_machine.travel(T0 + timedelta(minutes=8), tick=False):
        visits.start_service(visit, actor=agent)
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        visits.end_service(visit, actor=agent, ticket=ticket)

    visit.refresh_from_db()
    assert visits.visit_state(visit) == visits.VisitState.SERVED
    assert visit.counter == org.counter1 and visit.served_by == agent
    assert visits.waiting_seconds(visit) == 450
    assert visits.handling_seconds(visit) == 720
    assert visit.ticket == ticket
    event = TicketEvent.objects.get(ticket=ticket, event_type=EventType.VISIT)
    assert event.actor == agent
    assert event.data["waiting_seconds"] == 450 and event.data["handling_seconds"] == 720
    actions = list(
        AuditEvent.objects.filter(object_type="servicedesk.countervisit", object_id=str(visit.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.CREATE] + [AuditAction.TRANSITION] * 3


def test_a_visit_joins_the_customer_history_by_phone_or_by_its_ticket(
    org: Any, agent: Any, make_user: Any
) -> None:
    from sqms.customers.history import customer_visits
    from sqms.customers.services import create_customer

    clerk = make_user("unit_manager", unit=org.hall1)
    known = create_customer(actor=clerk, name="王芳", phone="13800138000")
    by_phone = visits.record_arrival(
        actor=agent, org_unit=org.hall1, queue_number="A101", customer_phone="13800138000"
    )
    assert by_phone.customer == known
    walk_in = visits.record_arrival(
        actor=agent, org_unit=org.hall1, queue_number="A102", customer_phone="13900139000"
    )
    assert walk_in.customer is None  # not on file: no error, no record made
    with pytest.raises(DomainError) as refused:
        visits.record_arrival(
            actor=agent, org_unit=org.hall1, queue_number="A103", customer_phone="12345"
        )
    assert refused.value.field == "customer_phone"

    # The walk-in is identified by the ticket registered for them at the counter.
    ticket = make_ticket(org.hall1, agent)
    ticket.customer = known
    ticket.save(update_fields=["customer"])
    visits.call_visit(walk_in, actor=agent)
    visits.start_service(walk_in, actor=agent)
    visits.end_service(walk_in, actor=agent, ticket=ticket)
    walk_in.refresh_from_db()
    assert walk_in.customer == known
    assert {v.queue_number for v in customer_visits(known, clerk)} == {"A101", "A102"}


def test_steps_out_of_order_are_refused_and_change_nothing(org: Any, agent: Any) -> None:
    visit = visit_at(org.hall1)
    with pytest.raises(ConflictError):
        visits.start_service(visit, actor=agent)
    with pytest.raises(ConflictError):
        visits.end_service(visit, actor=agent)
    visits.call_visit(visit, actor=agent)
    with pytest.raises(ConflictError):
        visits.call_visit(visit, actor=agent)
    with pytest.raises(ConflictError):
        visits.end_service(visit, actor=agent)
    visits.start_service(visit, actor=agent)
    with pytest.raises(ConflictError):
        visits.abandon_visit(visit, actor=agent)
    with pytest.raises(ConflictError):
        visits.start_service(visit, actor=agent)
    visits.end_service(visit, actor=agent)
    with pytest.raises(ConflictError):
        visits.end_service(visit, actor=agent)
    fresh = visits.all_visits().get(pk=visit.pk)
    assert fresh.abandoned_at is None and fresh.service_ended_at is not None


def test_a_customer_who_leaves_before_service_is_abandoned(org: Any, agent: Any) -> None:
    waiting = visit_at(org.hall1, "A001")
    called = visit_at(org.hall1, "A002")
    visits.call_visit(called, actor=agent)
    with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
        visits.abandon_visit(waiting, actor=agent)
        visits.abandon_visit(called, actor=agent)
    assert visits.visit_state(waiting) == visits.VisitState.ABANDONED
    assert visits.waiting_seconds(waiting) == 900
    assert visits.handling_seconds(waiting) is None
    for step in (visits.call_visit, visits.start_service, visits.abandon_visit):
        with pytest.raises(ConflictError):
            step(waiting, actor=agent)


def test_arrival_rules(org: Any, agent: Any) -> None:
    with pytest.raises(DomainError) as blank:
        visits.record_arrival(actor=agent, org_unit=org.hall1, queue_number="  ")
    assert blank.value.field == "queue_number"
    with pytest.raises(DomainError) as outside:
        visits.record_arrival(actor=agent, org_unit=org.hall2, queue_number="A1")
    assert outside.value.field == "org_unit"
    visits.record_arrival(actor=agent, org_unit=org.hall1, queue_number="A1")
    with pytest.raises(DomainError) as twice:
        visits.record_arrival(actor=agent, org_unit=org.hall1, queue_number="A1")
    assert twice.value.field == "queue_number"
    # Once served, the number may come round again (numbers restart every day).
    visits.all_visits().filter(queue_number="A1").update(abandoned_at=T0)
    visits.record_arrival(actor=agent, org_unit=org.hall1, queue_number="A1")
    assert visits.all_visits().filter(queue_number="A1").count() == 2


def test_counter_and_ticket_must_belong(org: Any, agent: Any, make_user: Any) -> None:
    other_counter = make_unit("C9", "九号窗口", OrgUnitKind.COUNTER, org.hall2)
    visit = visit_at(org.hall1)
    with pytest.raises(DomainError) as wrong_counter:
        visits.call_visit(visit, actor=agent, counter=other_counter)
    assert wrong_counter.value.field == "counter"
    assert visits.all_visits().get(pk=visit.pk).called_at is None
    visits.call_visit(visit, actor=agent)
    visits.start_service(visit, actor=agent)
    foreign = make_ticket(org.hall2, make_user("agent", unit=org.hall2))
    with pytest.raises(DomainError) as wrong_ticket:
        visits.end_service(visit, actor=agent, ticket=foreign)
    assert wrong_ticket.value.field == "ticket"
    assert visits.all_visits().get(pk=visit.pk).service_ended_at is None
    ticket = make_ticket(org.hall1, agent)
    other = visit_at(org.hall1, "A002", ticket=ticket, service_ended_at=T0)
    with pytest.raises(DomainError):
        visits.end_service(visit, actor=agent, ticket=ticket)
    assert other.ticket == ticket


# --- the hall queue page ----------------------------------------------------------------------


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_hall_queue_page_moves_a_customer_through(org: Any, agent: Any) -> None:
    client = page_client(agent)
    url = reverse("hall_queue")
    response = client.post(url, {"org_unit": org.hall1.pk, "queue_number": "B007"})
    assert response.status_code == 302
    visit = visits.all_visits().get(queue_number="B007")
    page = client.get(url)
    assert page.status_code == 200
    assert b'data-visit="B007" data-state="waiting"' in page.content
    for step in ("call", "start"):
        assert client.post(reverse("visit_action", args=[visit.pk, step])).status_code == 302
    ticket = make_ticket(org.hall1, agent)
    client.post(reverse("visit_action", args=[visit.pk, "end"]), {"ticket_number": ticket.number})
    visit.refresh_from_db()
    assert visit.ticket == ticket and visit.service_ended_at is not None
    page = client.get(url)
    assert b'data-finished="B007"' in page.content
    assert page.context["served_today"] == 1


def test_hall_queue_refusals_show_as_messages_and_forms(org: Any, agent: Any) -> None:
    client = page_client(agent)
    visit = visit_at(org.hall1)
    response = client.post(reverse("visit_action", args=[visit.pk, "start"]), follow=True)
    assert response.status_code == 200
    assert any("called" in str(m) for m in response.context["messages"])
    assert visits.all_visits().get(pk=visit.pk).service_started_at is None
    bad = client.post(reverse("hall_queue"), {"org_unit": org.hall1.pk, "queue_number": ""})
    assert bad.status_code == 400
    assert bad.context["arrival_form"].errors["queue_number"]
    outside = client.post(reverse("hall_queue"), {"org_unit": org.hall2.pk, "queue_number": "Z"})
    assert outside.status_code == 400
    assert not visits.all_visits().filter(queue_number="Z").exists()
    assert client.post(reverse("visit_action", args=[visit.pk, "dance"])).status_code == 404


def test_hall_queue_scope_and_permissions(org: Any, agent: Any, make_user: Any) -> None:
    foreign = visit_at(org.hall2, "X1")
    client = page_client(agent)
    page = client.get(reverse("hall_queue"))
    assert b"X1" not in page.content
    response = client.post(reverse("visit_action", args=[foreign.pk, "call"]))
    assert response.status_code == 404
    assert visits.all_visits().get(pk=foreign.pk).called_at is None
    trainer = page_client(make_user("trainer", unit=org.hall1))
    assert trainer.get(reverse("hall_queue")).status_code == 403
    inspector = page_client(make_user("quality_inspector", unit=org.hall1))
    mine = visit_at(org.hall1, "A9")
    # An inspector reads but does not work the queue.
    assert inspector.get(reverse("hall_queue")).status_code == 200
    assert inspector.post(reverse("visit_action", args=[mine.pk, "call"])).status_code == 403
    anonymous = Client().get(reverse("hall_queue"))
    assert anonymous.status_code == 302


def test_hall_queue_query_count_does_not_grow(
    org: Any, agent: Any, django_assert_max_num_queries: Any
) -> None:
    client = page_client(agent)
    ticket_owner = agent

    def add(n: int) -> None:
        for i in range(n):
            served = visit_at(
                org.hall1,
                f"S{visits.all_visits().count()}",
                arrived_at=datetime.now(UTC) - timedelta(minutes=30),
                called_at=datetime.now(UTC) - timedelta(minutes=20),
                service_started_at=datetime.now(UTC) - timedelta(minutes=19),
                service_ended_at=datetime.now(UTC) - timedelta(minutes=5),
                served_by=agent,
                counter=org.counter1,
                ticket=make_ticket(org.hall1, ticket_owner),
            )
            visit_at(org.hall1, f"W{served.pk}-{i}", arrived_at=datetime.now(UTC))

    add(1)
    client.get(reverse("hall_queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("hall_queue"))
    add(5)
    with django_assert_max_num_queries(25), CaptureQueriesContext(connection) as many:
        response = client.get(reverse("hall_queue"))
    assert response.status_code == 200
    assert len(many) == len(few)


# --- REST API ---------------------------------------------------------------------------------


class TestCounterVisitAPI(APICase):
    url = "/api/servicedesk/visits/"
    model = CounterVisit
    actor_roles = ("agent",)
    denied_roles = ("trainer",)
    actions = ("list", "retrieve", "create")

    def make_in_scope(self, org: Any, n: int) -> CounterVisit:
        return visit_at(org.hall1, f"A{n}")

    def make_out_of_scope(self, org: Any, n: int) -> CounterVisit:
        return visit_at(org.hall2, f"A{n}")

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {"org_unit": org.hall1.pk, "queue_number": "C042"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"org_unit": org.hall2.pk, "queue_number": "C1"}, {"org_unit"}),
            ({"org_unit": org.hall1.pk, "queue_number": ""}, {"queue_number"}),
            ({"queue_number": "C2"}, {"org_unit"}),
        ]

    def test_steps(self, api: APIClient, org: Any) -> None:
        visit = self.new_in_scope(org)
        ticket = make_ticket(org.hall1, self._owner(org))
        base = self.detail_url(visit)
        early = api.post(base + "start/", {})
        assert early.status_code == 409, early.content
        called = api.post(base + "call/", {"counter": org.counter1.pk})
        assert called.status_code == 200, called.content
        assert called.json()["state"] == "called" and called.json()["counter"] == org.counter1.pk
        assert api.post(base + "start/", {}).status_code == 200
        ended = api.post(base + "end/", {"ticket": ticket.pk})
        assert ended.status_code == 200, ended.content
        body = ended.json()
        assert body["state"] == "served" and body["ticket_number"] == ticket.number
        assert body["handling_seconds"] is not None and body["waiting_seconds"] is not None
        assert api.post(base + "abandon/", {}).status_code == 409
        listed = api.get(self.url, {"state": "served"}).json()["results"]
        assert [row["id"] for row in listed] == [visit.pk]

    def _owner(self, org: Any) -> Any:
        return UserFactory(org_unit=org.hall1)

    def test_step_refusals(self, api: APIClient, denied_api: APIClient, org: Any) -> None:
        visit = cast(CounterVisit, self.new_in_scope(org))
        foreign = self.new_out_of_scope(org)
        assert api.post(self.detail_url(foreign) + "call/", {}).status_code == 404
        assert denied_api.post(self.detail_url(visit) + "call/", {}).status_code == 403
        outside_counter = make_unit("C8", "八号窗口", OrgUnitKind.COUNTER, org.hall2)
        response = api.post(self.detail_url(visit) + "call/", {"counter": outside_counter.pk})
        assert response.status_code == 400 and "counter" in response.json()
        visits.call_visit(visit, actor=self._owner(org))
        visits.start_service(visit, actor=self._owner(org))
        foreign_ticket = make_ticket(org.hall2, self._owner(org))
        response = api.post(self.detail_url(visit) + "end/", {"ticket": foreign_ticket.pk})
        assert response.status_code == 400 and "ticket" in response.json()
        assert visits.all_visits().get(pk=visit.pk).service_ended_at is None
        assert visits.all_visits().get(pk=foreign.pk).called_at is None
