"""Tracking a request: number + phone (refused identically, rate-limited), signed links, the
public timeline, and the customer's follow-up actions."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from sqms.portal import links, services
from sqms.portal.tests.conftest import PHONE
from sqms.servicedesk import services as desk
from sqms.servicedesk import signals
from sqms.servicedesk.choices import EventType, TicketStatus
from sqms.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

TRACK = "/portal/track/"


def look_up(client: Any, number: str, phone: str) -> Any:
    return client.post(TRACK, {"number": number, "phone": phone})


def test_number_and_phone_open_the_ticket(client: Any, submit: Any) -> None:
    ticket = submit()
    response = look_up(client, ticket.number.lower(), "+86 138 1234 5678")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/t/{ticket.number}/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="customer-status"' in html and "已受理" in html
    assert "宽带断网" in html


def test_wrong_phone_and_unknown_number_get_the_same_answer(client: Any, submit: Any) -> None:
    ticket = submit()
    wrong_phone = look_up(client, ticket.number, "13900000000")
    no_such = look_up(client, "SQ20990101000001", PHONE)
    assert wrong_phone.status_code == no_such.status_code == 400
    assert "没有找到" in wrong_phone.content.decode()

    def error_of(response: Any) -> str:
        html = response.content.decode()
        start = html.index('data-testid="form-errors"')
        return html[start : html.index("</div>", start)]

    assert error_of(wrong_phone) == error_of(no_such)
    # Without the grant, the ticket's page sends the visitor to the look-up.
    assert client.get(f"/portal/t/{ticket.number}/").status_code == 302


def test_failed_look_ups_are_limited_per_address(client: Any, submit: Any) -> None:
    ticket = submit()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _n in range(10):
            assert look_up(client, ticket.number, "13900000000").status_code == 400
        # Even the right phone is refused now: guessing stops.
        response = look_up(client, ticket.number, PHONE)
        assert response.status_code == 429
        assert 'data-testid="rate-limited"' in response.content.decode()
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert look_up(client, ticket.number, PHONE).status_code == 302


def test_public_timeline_never_shows_internal_comments_or_staff(
    client: Any, submit: Any, staff: Any, move: Any
) -> None:
    ticket = submit()
    agent = staff["agent"]
    desk.add_comment(ticket, actor=agent, text="内部备注：客户情绪激动，注意安抚")
    desk.add_comment(ticket, actor=agent, text="您好，我们已安排专人处理。", customer_visible=True)
    move(ticket, "resolved")
    look_up(client, ticket.number, PHONE)
    html = client.get(f"/portal/t/{ticket.number}/").content.decode()
    assert "您好，我们已安排专人处理。" in html
    assert "内部备注" not in html
    assert "王小明" not in html and "王" not in html.split('id="main"')[1].split("宽带")[0]
    assert agent.username not in html
    assert "sqms-system" not in html
    assert PHONE not in html
    assert "已增开窗口" not in html  # the internal resolution text
    assert "我们正在处理您的请求" in html  # phases, not internal steps
    assert html.count("我们正在处理您的请求") == 1  # responded and in progress are one phase


def test_the_first_response_message_reaches_the_customer(
    client: Any, submit: Any, staff: Any
) -> None:
    # The ticket page offers it as "Reply to the customer … visible to the customer", but the
    # portal showed only the phase and dropped the text.
    ticket = submit()
    agent = staff["agent"]
    desk.respond_to_ticket(ticket, actor=agent, message="您好，您的投诉已收到，今天内回电。")
    desk.start_ticket(ticket, actor=agent)
    desk.pause_ticket(ticket, actor=agent, reason="内部：等待网络部排查")
    look_up(client, ticket.number, PHONE)
    html = client.get(f"/portal/t/{ticket.number}/").content.decode()
    assert "您好，您的投诉已收到，今天内回电。" in html
    assert "我们正在处理您的请求" in html
    assert "等待网络部排查" not in html  # other transitions' reasons stay internal


def test_signed_link_opens_the_ticket_and_tampering_is_refused(
    client: Any, submit: Any, settings: Any
) -> None:
    settings.SQMS_PUBLIC_BASE_URL = "https://service.example.cn/"
    ticket = submit()
    url = links.tracking_url(ticket)
    assert url.startswith("https://service.example.cn/portal/l/")
    path = url.removeprefix("https://service.example.cn")
    token = path.split("/")[3]

    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == f"/portal/t/{ticket.number}/"
    assert client.get(response["Location"]).status_code == 200

    other = submit(customer_phone="13700000000")
    stranger = client.__class__()
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x" + token, "abc"):
        refused = stranger.get(f"/portal/l/{bad}/")
        assert refused.status_code == 404
        assert 'data-testid="bad-link"' in refused.content.decode()
    assert links.ticket_for_token(token) == ticket
    assert links.ticket_for_token(links.tracking_token(other)) == other

    links.revoke_links(ticket)
    assert stranger.get(path).status_code == 404
    assert links.ticket_for_token(links.tracking_token(ticket)) == ticket


def test_links_made_together_are_the_ones_made_one_by_one(submit: Any, settings: Any) -> None:
    """tracking_urls reverses the URL once and puts each token in: the result must be what
    reverse() gives for each ticket, revoked links' versions included."""
    from django.urls import reverse

    settings.SQMS_PUBLIC_BASE_URL = "https://service.example.cn/"
    tickets = [submit(customer_phone=f"1370000000{n}") for n in range(3)]
    links.revoke_links(tickets[1])
    made = links.tracking_urls(tickets)
    for ticket in tickets:
        token = links.tracking_token(ticket)
        expected = "https://service.example.cn" + reverse("portal_link", args=[token])
        assert made[ticket.pk] == expected
        assert links.ticket_for_token(made[ticket.pk].split("/")[-2]) == ticket
    assert made[tickets[0].pk] != made[tickets[1].pk]


def test_customer_message_goes_on_the_timeline_and_is_announced(
    client: Any, submit: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = submit()
    look_up(client, ticket.number, PHONE)
    heard: list[Any] = []

    def receiver(sender: Any, events: list[Any], **kwargs: Any) -> None:
        heard.extend(events)

    signals.ticket_events.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/portal/t/{ticket.number}/message/", {"text": "请尽快回电"})
    finally:
        signals.ticket_events.disconnect(receiver)
    assert response.status_code == 302
    event = ticket.events.get(event_type=EventType.CUSTOMER_MESSAGE)
    assert event.message == "请尽快回电" and event.actor_id is None and event.customer_visible
    assert [line.event_type for line in heard] == [EventType.CUSTOMER_MESSAGE]
    assert "请尽快回电" in client.get(f"/portal/t/{ticket.number}/").content.decode()

    blank = client.post(f"/portal/t/{ticket.number}/message/", {"text": "  "})
    assert blank.status_code == 400
    assert 'data-testid="error-text"' in blank.content.decode()


def test_messages_need_the_grant_and_csrf(submit: Any, client: Any) -> None:
    ticket = submit()
    response = client.post(f"/portal/t/{ticket.number}/message/", {"text": "hi"})
    assert response.status_code == 302
    assert not ticket.events.filter(event_type=EventType.CUSTOMER_MESSAGE).exists()
    strict = client.__class__(enforce_csrf_checks=True)
    assert strict.post(TRACK, {"number": ticket.number, "phone": PHONE}).status_code == 403


def test_confirm_closes_a_verified_ticket(client: Any, submit: Any, move: Any) -> None:
    ticket = move(submit(), "verified")
    look_up(client, ticket.number, PHONE)
    page = client.get(f"/portal/t/{ticket.number}/").content.decode()
    assert 'data-testid="confirm"' in page and "待您确认" in page
    response = client.post(f"/portal/t/{ticket.number}/confirm/")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.customer_confirmed is True
    page = client.get(f"/portal/t/{ticket.number}/").content.decode()
    assert "已办结" in page and 'data-testid="confirm"' not in page
    assert 'data-testid="send-message"' not in page


def test_confirm_is_refused_when_the_status_does_not_allow(
    client: Any, submit: Any, move: Any
) -> None:
    ticket = move(submit(), "resolved")
    look_up(client, ticket.number, PHONE)
    page = client.get(f"/portal/t/{ticket.number}/").content.decode()
    assert 'data-testid="confirm"' not in page and 'data-testid="not-solved"' in page
    response = client.post(f"/portal/t/{ticket.number}/confirm/", follow=True)
    assert 'data-testid="portal-message"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    with pytest.raises(services.ConflictError):
        services.confirm_resolution(ticket)


@pytest.mark.parametrize("status", ["resolved", "verified"])
def test_not_solved_reopens(client: Any, submit: Any, move: Any, status: str) -> None:
    ticket = move(submit(), status)
    look_up(client, ticket.number, PHONE)
    url = f"/portal/t/{ticket.number}/not-solved/"
    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 400
    assert 'data-testid="error-reason"' in missing.content.decode()
    assert client.post(url, {"reason": "窗口还是只开两个"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REOPENED and ticket.reopen_count == 1
    feedback = ticket.events.get(event_type=EventType.FEEDBACK)
    assert feedback.message == "窗口还是只开两个"
    page = client.get(f"/portal/t/{ticket.number}/").content.decode()
    assert "您反馈问题尚未解决" in page


def test_not_solved_is_refused_while_handling_or_closed(
    client: Any, submit: Any, move: Any
) -> None:
    ticket = move(submit(), "in_progress")
    look_up(client, ticket.number, PHONE)
    response = client.post(
        f"/portal/t/{ticket.number}/not-solved/", {"reason": "还没好"}, follow=True
    )
    assert 'data-testid="portal-message"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    closed = move(submit(customer_phone="13700000000"), "closed")
    with pytest.raises(services.ConflictError):
        services.report_not_solved(closed, reason="还没好")
    with pytest.raises(services.ConflictError):
        services.post_customer_message(closed, text="你好", address="1.2.3.4")
    assert Ticket.objects.get(pk=closed.pk).status == TicketStatus.CLOSED


def test_the_ticket_page_costs_few_queries(
    client: Any, submit: Any, move: Any, django_assert_max_num_queries: Any
) -> None:
    ticket = move(submit(), "verified")
    for n in range(5):
        services.post_customer_message(ticket, text=f"消息{n}", address="1.1.1.1")
    look_up(client, ticket.number, PHONE)
    with django_assert_max_num_queries(8):
        client.get(f"/portal/t/{ticket.number}/")


def test_track_form_takes_the_number_from_the_link(client: Any) -> None:
    html = client.get(TRACK + "?number=SQ20261121000123").content.decode()
    assert 'value="SQ20261121000123"' in html
    assert 'for="id_phone"' in html
