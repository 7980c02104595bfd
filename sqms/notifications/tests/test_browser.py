"""An agent's journey in a real browser: the customer wrote by e-mail; on the ticket page the
agent reads the thread, replies, and the reply shows in the thread with its delivery status."""

from typing import Any

import pytest
from django.urls import reverse

from sqms.core.tests.factories import UserFactory
from sqms.notifications.models import OutboundMessage
from sqms.servicedesk import services as desk
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


def test_agent_replies_from_the_ticket_page(
    browser_page: Any, screenshot: Any, org: Any, password: str, settings: Any
) -> None:
    from playwright.sync_api import expect

    settings.SQMS_NOTIFICATIONS_ENQUEUE = False
    page = browser_page
    agent: Any = UserFactory(
        org_unit=org.hall1, roles=["agent"], username="zheng", last_name="郑", first_name="丽"
    )
    ticket = desk.register_ticket(
        actor=agent,
        kind="complaint",
        channel="email",
        title="宽带夜间掉线",
        customer_name="陈静",
        customer_phone="13922001001",
    )
    customer: Any = ticket.customer
    customer.email = "chenjing@example.com"
    customer.save()
    TicketEvent.objects.create(
        ticket=ticket,
        event_type=EventType.CUSTOMER_MESSAGE,
        message="今晚又掉线了三次。",
        customer_visible=True,
        data={"channel": "email"},
    )

    log_in(page, "zheng", password)
    page.goto(reverse("ticket_detail", args=[ticket.pk]))
    thread = page.locator("[data-testid=conversation-thread]")
    expect(thread).to_contain_text("今晚又掉线了三次。")
    page.fill("[data-testid=reply-form] textarea[name=text]", "陈女士您好，明天上午安排上门检测。")
    page.locator("[data-testid=reply-submit]").click()

    expect(thread).to_contain_text("陈女士您好，明天上午安排上门检测。")
    last = thread.locator("[data-testid=conversation-entry]").last
    expect(last.locator("[data-testid=delivery-status]")).to_be_visible()
    page.locator("[data-testid=conversation]").scroll_into_view_if_needed()
    screenshot("notifications-conversation")
    message = OutboundMessage.objects.get(ticket=ticket, event="reply")
    assert message.transport == "email"
