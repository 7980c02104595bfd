"""UI pages of the service desk: workspace tabs, full list, registration, the ticket page and
every action form on it, personal-data reveal, customer look-up and the manager's view."""

from datetime import timedelta
from typing import Any, cast

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sqms.core import navigation
from sqms.core.choices import AuditAction
from sqms.core.models import AuditEvent
from sqms.core.tests.api_cases import audit_count
from sqms.core.tests.factories import UserFactory
from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.servicedesk import services
from sqms.servicedesk.choices import Channel, EventType, Level, TicketKind, TicketStatus
from sqms.servicedesk.forms import TicketRegistrationForm, default_channel
from sqms.servicedesk.models import Category, Ticket, TicketEvent

PHONE = "13812345678"


def login(user: Any) -> Client:
    return web_login(Client(), user)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def hall_agent(org: Any) -> Any:
    """One agent of hall 1 per test database, who registers the tickets the cases need."""
    agent = getattr(org, "_view_agent", None)
    if agent is None:
        agent = UserFactory(org_unit=org.hall1, roles=["agent"])
        org._view_agent = agent
    return agent


def register(actor: Any, **values: Any) -> Ticket:
    values.setdefault("kind", TicketKind.COMPLAINT)
    values.setdefault("channel", Channel.COUNTER)
    values.setdefault("title", "营业厅排队太久")
    values.setdefault("customer_name", "李小龙")
    values.setdefault("customer_phone", PHONE)
    return services.register_ticket(actor=actor, **values)


def action_url(ticket: Ticket, action: str) -> str:
    return reverse("ticket_action", args=[ticket.pk, action])


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# --- the generic cases ------------------------------------------------------------------------


class TestTicketViews(ViewCase):
    model = Ticket
    list_url_name = "ticket_list"
    detail_url_name = "ticket_detail"
    create_url_name = "ticket_create"
    # Tickets have no edit or delete page: they change only through the actions of the loop
    # and are archived by closing, never deleted. The overrides below test exactly that.
    actor_roles = ("unit_manager",)
    actor_unit = "branch1"
    denied_roles = ("trainer",)
    reads_denied = True
    page_size = 25

    def make_in_scope(self, org: Any, n: int) -> Ticket:
        return register(hall_agent(org), title=f"排队太久 {n}")

    def make_out_of_scope(self, org: Any, n: int) -> Ticket:
        outsider = getattr(org, "_view_outsider", None)
        if outsider is None:
            outsider = UserFactory(org_unit=org.hall2, roles=["agent"])
            org._view_outsider = outsider
        return register(outsider, title=f"别处的工单 {n}")

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "customer_phone": "139 0000 1111",
            "customer_name": "王芳",
            "kind": TicketKind.COMPLAINT,
            "channel": Channel.COUNTER,
            "title": "柜台办理业务等候过久",
            "description": "客户在一号营业厅等候四十分钟。",
            "category": "",
            "impact": Level.MEDIUM,
            "urgency": Level.HIGH,
        }

    def find_created(self, data: dict[str, Any]) -> Ticket | None:
        return Ticket.objects.filter(title=data["title"]).first()

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_data(org)
        return [
            ({**good, "title": "  "}, {"title"}),
            ({**good, "customer_phone": "12"}, {"customer_phone"}),
            ({**good, "kind": "gossip"}, {"kind"}),
            ({**good, "channel": "pigeon"}, {"channel"}),
            ({**good, "impact": "9"}, {"impact"}),
            ({**good, "category": "999999"}, {"category"}),
        ]

    def test_edit(self, browser: Client, org: Any) -> None:
        """The "edit" of a ticket is an action: changing impact and urgency re-plans it."""
        ticket = cast(Ticket, self.new_in_scope(org))
        assert ticket.impact == Level.MEDIUM and ticket.urgency == Level.MEDIUM
        page = browser.get(self.url(self.detail_url_name, ticket))
        assert action_url(ticket, "priority").encode() in page.content
        before = audit_count()
        response = browser.post(
            action_url(ticket, "priority"),
            {
                "priority-impact": Level.HIGH,
                "priority-urgency": Level.HIGH,
                "priority-reason": "大面积",
            },
        )
        assert response.status_code == 302
        changed = fresh(ticket)
        assert (changed.impact, changed.urgency) == (Level.HIGH, Level.HIGH)
        assert changed.priority < ticket.priority
        self.assert_audited(AuditAction.UPDATE, ticket.pk, before)
        assert TicketEvent.objects.filter(ticket=ticket, event_type=EventType.PRIORITY).exists()

    def test_edit_with_bad_data_shows_errors_and_changes_nothing(
        self, browser: Client, org: Any
    ) -> None:
        ticket = cast(Ticket, self.new_in_scope(org))
        state = self.state(ticket)
        before = audit_count()
        for data, field in (
            ({"priority-impact": "7", "priority-urgency": Level.LOW}, "impact"),
            ({"priority-impact": Level.LOW}, "urgency"),
            # Unchanged values: the service refuses, the form shows why.
            ({"priority-impact": Level.MEDIUM, "priority-urgency": Level.MEDIUM}, "impact"),
        ):
            response = browser.post(action_url(ticket, "priority"), data)
            assert response.status_code == 200
            panels = dict(response.context["panels"])
            form = next(f for spec, f in response.context["panels"] if spec.key == "priority")
            assert panels and field in form.errors, form.errors
        assert self.state(ticket) == state
        assert audit_count() == before

    def test_delete(self, browser: Client, org: Any) -> None:
        """No ticket can be deleted from the UI: there is no such page, and an action by that
        name is refused; a ticket leaves the work lists by being closed (archived)."""
        ticket = cast(Ticket, self.new_in_scope(org))
        with pytest.raises(NoReverseMatch):
            reverse("ticket_delete", args=[ticket.pk])
        response = browser.post(action_url(ticket, "delete"))
        assert response.status_code == 403
        assert browser.post(f"/tickets/{ticket.pk}/delete/").status_code in (403, 404, 405)
        assert Ticket.objects.filter(pk=ticket.pk).exists()


# --- workspace ---------------------------------------------------------------------------------


@pytest.fixture
def agent_client(agent: Any) -> Client:
    return login(agent)


def test_workspace_tabs_sort_tickets(
    org: Any, agent: Any, other_agent: Any, outsider: Any, agent_client: Client
) -> None:
    mine = register(other_agent, title="给我的", assignee=agent)
    queued = register(other_agent, title="无人处理")
    theirs = register(other_agent, title="别人的", assignee=other_agent)
    elsewhere = register(outsider, title="二号厅的")
    closed = register(other_agent, title="已办结", assignee=agent)
    Ticket.objects.filter(pk=closed.pk).update(status=TicketStatus.CLOSED)

    def shown(**params: Any) -> set[str]:
        response = agent_client.get(reverse("ticket_workspace"), params)
        assert response.status_code == 200
        return {t.number for t in response.context["page"].object_list}

    assert shown() == {mine.number}
    assert shown(tab="queue") == {mine.number, queued.number, theirs.number}
    assert shown(tab="queue", unassigned="1") == {queued.number}
    assert elsewhere.number not in shown(tab="queue")
    # An unknown tab falls back to the first; nothing fails.
    assert shown(tab="nonsense") == {mine.number}


def test_workspace_due_soon_and_breached(org: Any, agent: Any, agent_client: Client) -> None:
    now = timezone.now()
    soon = register(agent, title="快到期")
    later = register(agent, title="还早")
    overdue = register(agent, title="已超时")
    flagged = register(agent, title="已标记超时")
    paused = register(agent, title="等待客户")
    for ticket, hours in ((soon, 1), (later, 30), (overdue, -1), (flagged, 30), (paused, -2)):
        Ticket.objects.filter(pk=ticket.pk).update(
            responded_at=now - timedelta(hours=3),
            response_due_at=now - timedelta(hours=2),
            resolve_due_at=now + timedelta(hours=hours),
            status=TicketStatus.IN_PROGRESS,
        )
    Ticket.objects.filter(pk=flagged.pk).update(resolve_breached=True)
    Ticket.objects.filter(pk=paused.pk).update(
        status=TicketStatus.WAITING_CUSTOMER, paused_at=now - timedelta(hours=4)
    )

    due = agent_client.get(reverse("ticket_workspace"), {"tab": "due", "hours": "4"})
    assert {t.number for t in due.context["page"].object_list} == {soon.number}
    wider = agent_client.get(reverse("ticket_workspace"), {"tab": "due", "hours": "24"})
    assert {t.number for t in wider.context["page"].object_list} == {soon.number}
    breached = agent_client.get(reverse("ticket_workspace"), {"tab": "breached"})
    numbers = {t.number for t in breached.context["page"].object_list}
    # A paused clock does not run out; the flag set by the sweep always counts.
    assert numbers == {overdue.number, flagged.number}
    assert b'data-testid="breached"' in breached.content
    assert {tab.key: n for tab, n in breached.context["tabs"]}["breached"] == 2
    # A silly window is replaced by the default rather than failing.
    assert (
        agent_client.get(reverse("ticket_workspace"), {"tab": "due", "hours": "x"}).status_code
        == 200
    )


@pytest.mark.parametrize("tab", ["mine", "queue", "due", "breached"])
def test_workspace_query_count_does_not_grow(
    org: Any, agent: Any, agent_client: Client, tab: str, django_assert_max_num_queries: Any
) -> None:
    def add(n: int) -> None:
        now = timezone.now()
        for i in range(n):
            ticket = register(agent, title=f"工单 {i}", assignee=agent)
            Ticket.objects.filter(pk=ticket.pk).update(
                resolve_due_at=now + timedelta(hours=1 if tab == "due" else -1),
                response_due_at=now + timedelta(minutes=30 if tab == "due" else -90),
            )

    url = reverse("ticket_workspace") + f"?tab={tab}"
    add(1)
    agent_client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = agent_client.get(url)
    assert len(response.context["page"].object_list) == 1
    add(6)
    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as many:
        response = agent_client.get(url)
    assert len(response.context["page"].object_list) == 7
    assert len(many) == len(few)


def test_full_list_filters(org: Any, agent: Any, agent_client: Client) -> None:
    complaint = register(agent, kind=TicketKind.COMPLAINT, title="投诉")
    praise = register(agent, kind=TicketKind.PRAISE, title="表扬")
    response = agent_client.get(reverse("ticket_list"), {"kind": TicketKind.PRAISE})
    assert {t.pk for t in response.context["page"].object_list} == {praise.pk}
    by_phone = agent_client.get(reverse("ticket_list"), {"customer_phone": "+86 138-1234-5678"})
    assert {complaint.pk, praise.pk} <= {t.pk for t in by_phone.context["page"].object_list}
    bad = agent_client.get(reverse("ticket_list"), {"priority": "nine"})
    assert bad.status_code == 200
    assert not bad.context["page"].object_list
    assert "priority" in bad.context["filter"].form.errors
    # Personal data appears masked in lists only.
    html = agent_client.get(reverse("ticket_list")).content.decode()
    assert PHONE not in html and "李小龙" not in html
    assert "138****5678" in html


# --- registration -------------------------------------------------------------------------------


def test_registration_defaults_follow_the_users_unit(org: Any, make_user: Any) -> None:
    assert default_channel(org.hall1) == Channel.COUNTER
    assert default_channel(org.counter1) == Channel.COUNTER
    assert default_channel(org.call_centre) == Channel.PHONE
    phone_agent = make_user("agent", unit=org.call_centre)
    response = login(phone_agent).get(reverse("ticket_create"))
    form = response.context["form"]
    assert form["channel"].value() == Channel.PHONE
    assert form["kind"].value() == TicketKind.CONSULTATION
    assert form["impact"].value() == Level.MEDIUM and form["urgency"].value() == Level.MEDIUM
    html = response.content.decode()
    # The phone comes first and has the focus; the hidden default button makes Enter register.
    assert html.index('name="customer_phone"') < html.index('name="title"')
    assert "autofocus" in html.split('name="customer_phone"')[1].split(">")[0] or (
        "autofocus" in html.split('name="customer_phone"')[0].rsplit("<input", 1)[1]
    )
    counter_form = login(make_user("agent", unit=org.counter1)).get(reverse("ticket_create"))
    assert counter_form.context["form"]["channel"].value() == Channel.COUNTER


def test_registration_redirects_with_the_number(org: Any, agent: Any, agent_client: Client) -> None:
    network = Category.objects.get(code="network")
    response = agent_client.post(
        reverse("ticket_create"),
        {
            "customer_phone": PHONE,
            "customer_name": "李小龙",
            "kind": TicketKind.FAULT,
            "channel": Channel.COUNTER,
            "title": "宽带断网",
            "category": network.pk,
            "impact": Level.HIGH,
            "urgency": Level.MEDIUM,
        },
    )
    ticket = Ticket.objects.get(title="宽带断网")
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket_detail", args=[ticket.pk])
    assert any(ticket.number in text for text in messages_of(response))
    assert ticket.first_contact_owner == agent
    assert ticket.org_unit == org.hall1
    assert ticket.category == network
    assert ticket.customer_phone == PHONE


def test_registration_category_choices_are_an_indented_tree(agent_client: Client) -> None:
    form = agent_client.get(reverse("ticket_create")).context["form"]
    labels = [label for _value, label in form.fields["category"].choices][1:]
    assert labels, "the seed categories are offered"
    deeper = [c for c in Category.objects.filter(is_active=True) if c.depth > 1]
    for child in deeper:
        assert any(label.startswith("— ") and label.endswith(str(child)) for label in labels)


def test_lookup_shows_earlier_tickets_in_scope_only(
    org: Any, agent: Any, outsider: Any, agent_client: Client
) -> None:
    mine = register(agent, title="上次的投诉")
    hidden = register(outsider, title="二号厅的投诉")
    other_number = register(agent, title="别的号码", customer_phone="13900001111")
    url = reverse("ticket_customer_lookup")
    fragment = agent_client.get(url, {"customer_phone": "138 1234 5678"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html
    assert mine.number in html
    assert hidden.number not in html and other_number.number not in html
    # Without JavaScript it is a page of its own, with a link to register for the number.
    page = agent_client.get(url, {"customer_phone": PHONE})
    assert b"<html" in page.content and mine.number.encode() in page.content
    assert (reverse("ticket_create") + "?customer_phone=").encode() in page.content
    bad = agent_client.get(url, {"customer_phone": "12"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and b"alert" in bad.content
    none = agent_client.get(url, {"customer_phone": "13700000000"}, HTTP_HX_REQUEST="true")
    assert b"No earlier tickets" in none.content


def test_lookup_button_without_javascript_keeps_the_typed_form(
    agent: Any, agent_client: Client
) -> None:
    earlier = register(agent, title="上次的投诉")
    rows = Ticket.objects.count()
    response = agent_client.post(
        reverse("ticket_create"),
        {
            "customer_phone": PHONE,
            "customer_name": "李小龙",
            "title": "",
            "lookup": "1",
            "kind": TicketKind.COMPLAINT,
        },
    )
    assert response.status_code == 200
    assert Ticket.objects.count() == rows
    assert earlier.number.encode() in response.content
    form = response.context["form"]
    assert not form.is_bound and form["customer_name"].value() == "李小龙"
    assert form["kind"].value() == TicketKind.COMPLAINT


def test_registration_needs_the_add_permission(org: Any, verifier: Any) -> None:
    client = login(verifier)  # a quality inspector reads tickets but does not register them
    assert client.get(reverse("ticket_create")).status_code == 403
    assert client.get(reverse("ticket_workspace")).status_code == 200


# --- ticket page ------------------------------------------------------------------------------


def panel_keys(response: Any) -> list[str]:
    return [spec.key for spec, _form in response.context["panels"]]


def test_ticket_page_shows_header_sla_and_timeline(agent: Any, agent_client: Client) -> None:
    ticket = register(agent)
    services.add_comment(ticket, actor=agent, text="内部备注", customer_visible=False)
    services.add_comment(ticket, actor=agent, text="已告知客户", customer_visible=True)
    response = agent_client.get(reverse("ticket_detail", args=[ticket.pk]))
    html = response.content.decode()
    assert ticket.number in html
    assert "李**" in html and "138****5678" in html
    assert "李小龙" not in html and PHONE not in html
    assert 'data-testid="sla-policy"' in html and str(ticket.sla_policy) in html
    assert 'data-event="created"' in html
    assert html.count('data-event="comment"') == 2
    assert "internal" in html and "visible to the customer" in html
    assert panel_keys(response)[:2] == ["triage", "respond"]
    assert "verify" not in panel_keys(response)  # an agent holds no verify permission


def test_ticket_page_query_count_does_not_grow_with_the_timeline(
    agent: Any, other_agent: Any, agent_client: Client, django_assert_max_num_queries: Any
) -> None:
    ticket = register(agent)
    url = reverse("ticket_detail", args=[ticket.pk])
    agent_client.get(url)
    with CaptureQueriesContext(connection) as few:
        agent_client.get(url)
    for n in range(6):
        services.add_comment(ticket, actor=other_agent if n % 2 else agent, text=f"备注 {n}")
    services.assign_ticket(ticket, actor=agent, assignee=other_agent)
    with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as many:
        response = agent_client.get(url)
    assert response.content.decode().count('data-event="comment"') == 6
    assert len(many) == len(few)


def test_ticket_page_warns_when_holiday_data_is_unknown(agent: Any, agent_client: Client) -> None:
    ticket = register(agent)
    policy = ticket.sla_policy
    assert policy is not None, "the seed policies match every ticket"
    policy.business_time = True
    policy.save()
    Ticket.objects.filter(pk=ticket.pk).update(resolve_due_at=ticket.created_at.replace(year=2099))
    response = agent_client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert response.context["unknown_holiday_years"]
    assert b'data-testid="holiday-warning"' in response.content


def test_actions_follow_the_state_machine_and_permissions(
    agent: Any, other_agent: Any, verifier: Any, unit_manager: Any, ticket_in_status: Any
) -> None:
    resolved = ticket_in_status(TicketStatus.RESOLVED, actor=agent)
    # The resolver is never offered verification, even with the permission.
    manager = login(unit_manager)
    assert "verify" in panel_keys(manager.get(reverse("ticket_detail", args=[resolved.pk])))
    services.send_back_resolution(resolved, actor=unit_manager, reason="再核实")
    services.resolve_ticket(resolved, actor=unit_manager, resolution="经理亲自处理")
    page = manager.get(reverse("ticket_detail", args=[resolved.pk]))
    assert "verify" not in panel_keys(page) and "send_back" not in panel_keys(page)
    assert "reopen" in panel_keys(page)
    # The inspector may verify but not work the ticket.
    inspector = login(verifier)
    keys = panel_keys(inspector.get(reverse("ticket_detail", args=[resolved.pk])))
    assert keys == ["verify", "send_back"]
    assert inspector.get(reverse("ticket_detail", args=[resolved.pk])).context["comment_form"]
    # …and a POST to a working action is refused outright.
    assert inspector.post(action_url(resolved, "reopen"), {"reopen-reason": "x"}).status_code == 403
    assert fresh(resolved).status == TicketStatus.RESOLVED


@pytest.fixture
def manager_client(unit_manager: Any) -> Client:
    return login(unit_manager)


def post_action(client: Client, ticket: Ticket, action: str, **fields: Any) -> Any:
    return client.post(action_url(ticket, action), {f"{action}-{k}": v for k, v in fields.items()})


def test_every_action_form_moves_the_ticket(
    org: Any, agent: Any, other_agent: Any, verifier: Any, agent_client: Client
) -> None:
    ticket = register(agent)
    network = Category.objects.get(code="network")
    steps: list[tuple[Client, str, dict[str, Any], str]] = [
        (
            agent_client,
            "triage",
            {
                "category": network.pk,
                "kind": TicketKind.FAULT,
                "impact": Level.MEDIUM,
                "urgency": Level.MEDIUM,
            },
            TicketStatus.TRIAGED,
        ),
        (agent_client, "respond", {"message": "已收到"}, TicketStatus.RESPONDED),
        (agent_client, "start", {}, TicketStatus.IN_PROGRESS),
        (agent_client, "pause", {"reason": "等待客户提供账单"}, TicketStatus.WAITING_CUSTOMER),
        (agent_client, "resume", {}, TicketStatus.IN_PROGRESS),
        (
            agent_client,
            "resolve",
            {
                "resolution": "已处理",
                "root_cause": "端口故障",
                "service_error": "on",
                "service_error_reason": "未及时告知",
            },
            TicketStatus.RESOLVED,
        ),
        (login(verifier), "send_back", {"reason": "请补充说明"}, TicketStatus.IN_PROGRESS),
        (agent_client, "resolve", {"resolution": "已补充说明"}, TicketStatus.RESOLVED),
        (login(verifier), "verify", {"note": "核实无误"}, TicketStatus.VERIFIED),
        (
            agent_client,
            "confirm",
            {"confirmed": "no", "note": "客户说还没好"},
            TicketStatus.REOPENED,
        ),
        (agent_client, "start", {}, TicketStatus.IN_PROGRESS),
        (agent_client, "resolve", {"resolution": "再次处理"}, TicketStatus.RESOLVED),
        (login(verifier), "verify", {}, TicketStatus.VERIFIED),
        (agent_client, "confirm", {"confirmed": "yes"}, TicketStatus.CLOSED),
        (agent_client, "reopen", {"reason": "客户再次来电"}, TicketStatus.REOPENED),
        (agent_client, "start", {}, TicketStatus.IN_PROGRESS),
        (agent_client, "resolve", {"resolution": "第三次处理"}, TicketStatus.RESOLVED),
        (login(verifier), "verify", {}, TicketStatus.VERIFIED),
        (agent_client, "close", {"note": "客户未回复，归档"}, TicketStatus.CLOSED),
    ]
    for client, action, fields, status in steps:
        response = post_action(client, ticket, action, **fields)
        assert response.status_code == 302, (
            action,
            response.context and [f.errors for _s, f in response.context["panels"]],
        )
        assert response["Location"].endswith("#timeline")
        assert fresh(ticket).status == status, action
    closed = fresh(ticket)
    assert closed.kind == TicketKind.FAULT and closed.category == network
    assert closed.reopen_count >= 2
    transitions = TicketEvent.objects.filter(ticket=ticket, event_type=EventType.TRANSITION)
    assert transitions.count() >= len(steps) - 3


def test_assign_transfers_within_scope(
    org: Any, agent: Any, other_agent: Any, outsider: Any, verifier: Any, agent_client: Client
) -> None:
    ticket = register(agent)
    page = agent_client.get(reverse("ticket_detail", args=[ticket.pk]))
    form = next(f for s, f in page.context["panels"] if s.key == "assign")
    offered = set(form.fields["assignee"].queryset)
    assert other_agent in offered and agent in offered
    assert outsider not in offered  # outside the scope
    assert verifier not in offered  # does not work tickets
    assert org.hall2 not in set(form.fields["department"].queryset)

    refused = post_action(agent_client, ticket, "assign", assignee=outsider.pk)
    assert refused.status_code == 200
    refused_form = next(f for s, f in refused.context["panels"] if s.key == "assign")
    assert "assignee" in refused_form.errors
    empty = post_action(agent_client, ticket, "assign", note="没人选")
    assert "__all__" in next(f for s, f in empty.context["panels"] if s.key == "assign").errors
    assert fresh(ticket).assignee is None

    done = post_action(
        agent_client,
        ticket,
        "assign",
        assignee=other_agent.pk,
        department=org.hall1.pk,
        note="请跟进",
    )
    assert done.status_code == 302
    moved = fresh(ticket)
    assert moved.assignee == other_agent and moved.handling_department == org.hall1
    assert moved.first_contact_owner == agent
    again = post_action(
        agent_client, ticket, "assign", assignee=other_agent.pk, department=org.hall1.pk
    )
    assert again.status_code == 200  # the service refuses a hand-over to the same hands
    assert messages_of(again)


@pytest.mark.parametrize(
    ("action", "fields", "field"),
    [
        ("pause", {"reason": " "}, "reason"),
        ("resolve", {"resolution": ""}, "resolution"),
        ("resolve", {"resolution": "好了", "service_error": "on"}, "service_error_reason"),
        ("confirm", {"confirmed": "maybe"}, "confirmed"),
        ("triage", {"kind": "gossip", "impact": 2, "urgency": 2}, "kind"),
    ],
)
def test_action_forms_reject_bad_input(
    agent: Any,
    agent_client: Client,
    ticket_in_status: Any,
    action: str,
    fields: dict[str, Any],
    field: str,
) -> None:
    status = {
        "pause": TicketStatus.IN_PROGRESS,
        "resolve": TicketStatus.IN_PROGRESS,
        "confirm": TicketStatus.VERIFIED,
        "triage": TicketStatus.NEW,
    }[action]
    ticket = ticket_in_status(status, actor=agent)
    before = audit_count()
    events = TicketEvent.objects.filter(ticket=ticket).count()
    response = post_action(agent_client, ticket, action, **fields)
    assert response.status_code == 200
    form = next(f for s, f in response.context["panels"] if s.key == action)
    assert field in form.errors, form.errors
    assert response.context["open_panel"] == action
    assert b"invalid-feedback" in response.content
    assert fresh(ticket).status == status
    assert audit_count() == before
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


def test_refused_transition_is_a_message_not_an_error(agent: Any, agent_client: Client) -> None:
    ticket = register(agent)
    response = post_action(agent_client, ticket, "resolve", resolution="直接解决")
    assert response.status_code == 200
    assert any("not possible" in text for text in messages_of(response))
    assert fresh(ticket).status == TicketStatus.NEW


def test_resolver_cannot_verify_through_a_forged_post(
    agent: Any, unit_manager: Any, manager_client: Client, ticket_in_status: Any
) -> None:
    ticket = ticket_in_status(TicketStatus.IN_PROGRESS, actor=unit_manager)
    services.resolve_ticket(ticket, actor=unit_manager, resolution="经理处理")
    response = post_action(manager_client, ticket, "verify")
    assert response.status_code == 200
    assert any("other than" in text for text in messages_of(response))
    assert fresh(ticket).status == TicketStatus.RESOLVED
    # An agent lacks the permission altogether.
    assert post_action(login(agent), ticket, "verify").status_code == 403


def test_comments_internal_and_customer_visible(agent: Any, agent_client: Client) -> None:
    ticket = register(agent)
    url = reverse("ticket_comment", args=[ticket.pk])
    assert agent_client.post(url, {"comment-text": "内部"}).status_code == 302
    assert (
        agent_client.post(
            url, {"comment-text": "客户可见", "comment-customer_visible": "on"}
        ).status_code
        == 302
    )
    comments = TicketEvent.objects.filter(ticket=ticket, event_type=EventType.COMMENT)
    assert {(c.message, c.customer_visible) for c in comments} == {
        ("内部", False),
        ("客户可见", True),
    }
    blank = agent_client.post(url, {"comment-text": "   "})
    assert blank.status_code == 200 and "text" in blank.context["comment_form"].errors
    assert comments.count() == 2


def test_out_of_scope_actions_are_not_found(
    outsider: Any, agent: Any, agent_client: Client, unit_manager: Any
) -> None:
    ticket = register(outsider)
    manager = login(unit_manager)  # (logging in is audited too)
    state = {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields}
    before = audit_count()
    assert post_action(agent_client, ticket, "respond").status_code == 404
    assert post_action(agent_client, ticket, "assign", assignee=agent.pk).status_code == 404
    assert (
        agent_client.post(
            reverse("ticket_comment", args=[ticket.pk]), {"comment-text": "x"}
        ).status_code
        == 404
    )
    assert (
        manager.post(reverse("ticket_reveal", args=[ticket.pk, "customer_phone"])).status_code
        == 404
    )
    assert agent_client.get(reverse("ticket_detail", args=[ticket.pk + 10_000])).status_code == 404
    stored = fresh(ticket)
    assert {f.attname: getattr(stored, f.attname) for f in Ticket._meta.concrete_fields} == state
    assert audit_count() == before


def test_actions_need_a_login_and_post(agent: Any, agent_client: Client) -> None:
    ticket = register(agent)
    anonymous = Client().post(action_url(ticket, "respond"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert agent_client.get(action_url(ticket, "respond")).status_code == 405
    assert (
        agent_client.get(reverse("ticket_reveal", args=[ticket.pk, "customer_phone"])).status_code
        == 405
    )


# --- reveal -----------------------------------------------------------------------------------


def test_reveal_shows_the_value_once_and_audits_it(
    agent: Any, unit_manager: Any, manager_client: Client
) -> None:
    ticket = register(agent)
    page = manager_client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert b'data-testid="reveal-customer_phone"' in page.content
    url = reverse("ticket_reveal", args=[ticket.pk, "customer_phone"])
    fragment = manager_client.post(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and PHONE.encode() in fragment.content
    assert b"<html" not in fragment.content
    full = manager_client.post(reverse("ticket_reveal", args=[ticket.pk, "customer_name"]))
    assert full.status_code == 200 and "李小龙".encode() in full.content
    assert PHONE.encode() not in full.content  # only the field asked for
    reveals = AuditEvent.objects.filter(
        action=AuditAction.REVEAL, object_id=str(ticket.pk), actor=unit_manager
    )
    assert reveals.count() == 2
    # Showing the page again shows the mask again.
    assert (
        PHONE.encode() not in manager_client.get(reverse("ticket_detail", args=[ticket.pk])).content
    )
    assert (
        manager_client.post(reverse("ticket_reveal", args=[ticket.pk, "title"])).status_code == 403
    )


def test_reveal_needs_the_permission(agent: Any, agent_client: Client) -> None:
    ticket = register(agent)
    page = agent_client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert b"reveal-customer_phone" not in page.content
    before = audit_count()
    response = agent_client.post(reverse("ticket_reveal", args=[ticket.pk, "customer_phone"]))
    assert response.status_code == 403
    assert PHONE.encode() not in response.content
    assert audit_count() == before


# --- manager's view -------------------------------------------------------------------------


def test_manager_view_counts_sla_states(
    org: Any, agent: Any, outsider: Any, unit_manager: Any, manager_client: Client
) -> None:
    now = timezone.now()
    on_track = register(agent, title="正常")
    warning = register(agent, title="预警")
    breached = register(agent, title="超时")
    flagged = register(agent, title="已升级")
    register(outsider, title="别处超时")
    done = register(agent, title="已办结")
    Ticket.objects.filter(pk=done.pk).update(status=TicketStatus.CLOSED)
    Ticket.objects.filter(pk=on_track.pk).update(
        response_due_at=now + timedelta(hours=5),
        response_warn_at=now + timedelta(hours=4),
        resolve_due_at=now + timedelta(hours=20),
        resolve_warn_at=now + timedelta(hours=15),
    )
    Ticket.objects.filter(pk=warning.pk).update(
        response_due_at=now + timedelta(minutes=10),
        response_warn_at=now - timedelta(minutes=5),
        resolve_due_at=now + timedelta(hours=20),
        resolve_warn_at=now + timedelta(hours=15),
    )
    Ticket.objects.filter(pk=breached.pk).update(
        response_due_at=now - timedelta(minutes=1), resolve_due_at=now + timedelta(hours=20)
    )
    Ticket.objects.filter(pk=flagged.pk).update(
        response_breached=True,
        escalation_level=1,
        response_due_at=now + timedelta(hours=1),
        response_warn_at=now + timedelta(minutes=30),
        resolve_due_at=now + timedelta(hours=20),
        resolve_warn_at=now + timedelta(hours=15),
    )
    response = manager_client.get(reverse("ticket_manager"))
    assert response.status_code == 200
    assert response.context["unit"] == org.branch1  # the manager's own unit to begin with
    assert response.context["unit_form"]["unit"].value() == org.branch1.pk
    counts = response.context["counts"]
    assert counts == {"open": 4, "on_track": 1, "warning": 1, "breached": 2, "escalated": 1}
    assert {t.pk for t in response.context["page"].object_list} == {breached.pk, flagged.pk}
    statuses = {status: n for status, _label, n in response.context["status_rows"]}
    assert statuses[TicketStatus.NEW] == 4 and statuses[TicketStatus.CLOSED] == 1
    assert response.context["chart"]["values"][0] == 4
    assert b"echarts" in response.content
    # One hall only; a unit outside the scope is refused as a choice.
    hall = manager_client.get(reverse("ticket_manager"), {"unit": org.call_centre.pk})
    assert hall.context["counts"]["open"] == 0
    outside = manager_client.get(reverse("ticket_manager"), {"unit": org.hall2.pk})
    assert outside.status_code == 200 and outside.context["unit_form"].errors
    assert outside.context["counts"]["open"] == 4


def test_manager_view_query_count_does_not_grow(
    agent: Any, manager_client: Client, django_assert_max_num_queries: Any
) -> None:
    def add(n: int) -> None:
        for i in range(n):
            ticket = register(agent, title=f"超时 {i}", assignee=agent)
            Ticket.objects.filter(pk=ticket.pk).update(resolve_breached=True)

    add(1)
    url = reverse("ticket_manager")
    manager_client.get(url)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(url)
    add(6)
    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as many:
        response = manager_client.get(url)
    assert len(response.context["page"].object_list) == 7
    assert len(many) == len(few)


def test_navigation_entries(agent: Any, unit_manager: Any, verifier: Any, make_user: Any) -> None:
    keys = {item.key for item in navigation.registered()}
    assert {"tickets", "ticket_create", "ticket_manager"} <= keys

    def menu(user: Any) -> set[str]:
        html = login(user).get(reverse("home")).content.decode()
        return {
            key
            for key in ("tickets", "ticket_create", "ticket_manager")
            if f'data-nav="{key}"' in html
        }

    assert menu(agent) == {"tickets", "ticket_create"}
    assert menu(unit_manager) == {"tickets", "ticket_create", "ticket_manager"}
    assert menu(verifier) == {"tickets", "ticket_manager"}
    assert menu(make_user("trainer")) == set()


def test_registration_form_rejects_bad_choices_without_the_database(agent: Any) -> None:
    form = TicketRegistrationForm(
        {"title": "x", "kind": "complaint", "channel": Channel.API, "impact": 2, "urgency": 2},
        user=agent,
    )
    assert not form.is_valid() and "channel" in form.errors  # integrations only via the API


def test_list_times_carry_the_year_when_it_is_not_this_one() -> None:
    from sqms.servicedesk.templatetags.servicedesk_ui import moment

    now = timezone.localtime()
    assert moment(now) == now.strftime("%m-%d %H:%M")
    # Overdue for two years read as "11-26 19:59", as if due this week.
    long_ago = now - timedelta(days=730)
    assert moment(long_ago) == long_ago.strftime("%Y-%m-%d %H:%M")
    assert moment(None) == ""
