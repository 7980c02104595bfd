"""The customer's journey on a phone-sized screen: she submits a complaint in the portal and
gets the number; an agent responds, replies and resolves, a manager verifies; on the tracking
page she sees the reply and confirms, and the ticket closes. And a keyboard-only submission."""

from collections.abc import Iterator
from typing import Any

import pytest

from sqms.conftest import SCREENSHOT_DIR
from sqms.servicedesk import services as desk
from sqms.servicedesk.choices import TicketStatus
from sqms.servicedesk.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPLY = "您好，已为一号营业厅周末增开两个窗口，感谢您的反馈。"


@pytest.fixture
def phone_page(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def reply_to_customer(ticket: Ticket, agent: Any, text: str) -> None:
    """The notifications app's reply (a REPLY line sent to the customer) when it is there,
    else a comment visible to the customer."""
    try:
        from sqms.notifications.services import (  # type: ignore[attr-defined,unused-ignore]
            reply_to_customer as reply,
        )
    except ImportError:
        desk.add_comment(ticket, actor=agent, text=text, customer_visible=True)
    else:
        reply(ticket, actor=agent, text=text)


def test_customer_submits_follows_and_confirms(phone_page: Any, make_user: Any, org: Any) -> None:
    from playwright.sync_api import expect

    page = phone_page
    page.goto("/portal/")
    page.get_by_test_id("start-submit").click()
    page.get_by_label("诉求类型").select_option("complaint")
    page.get_by_label("营业厅或服务区域").select_option(label="一号营业厅")
    page.get_by_label("主题").fill("营业厅排队时间过长")
    page.get_by_label("问题描述").fill("周六上午排队一个多小时，只开了两个窗口。")
    page.get_by_label("您的姓名").fill("张三")
    page.get_by_role("textbox", name="手机号码").fill("13812345678")
    page.get_by_role("textbox", name="电子邮箱（选填）").fill("zhangsan@example.com")
    page.get_by_label("我同意").check()
    page.get_by_test_id("submit").click()

    number_box = page.get_by_test_id("ticket-number")
    expect(number_box).to_have_text(__import__("re").compile(r"SQ\d{14,}"))
    number = number_box.inner_text().strip()
    expect(page.get_by_test_id("tracking-link")).to_be_visible()
    ticket = Ticket.objects.get(number=number)
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    agent = make_user("agent", unit=org.hall1, last_name="王", first_name="小明")
    manager = make_user("unit_manager", unit=org.hall1)
    desk.respond_to_ticket(ticket, actor=agent, message="已受理")
    desk.start_ticket(ticket, actor=agent)
    reply_to_customer(ticket, agent, REPLY)
    desk.resolve_ticket(ticket, actor=agent, resolution="周末增开窗口")
    desk.verify_resolution(ticket, actor=manager)

    page.goto(f"/portal/t/{number}/")
    expect(page.get_by_test_id("customer-status")).to_have_text("待您确认")
    expect(page.get_by_test_id("timeline")).to_contain_text(REPLY)
    expect(page.get_by_test_id("timeline")).not_to_contain_text("王小明")
    page.screenshot(path=str(SCREENSHOT_DIR / "sqms-portal-phone-confirm.png"), full_page=True)
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("已办结")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.customer_confirmed is True

    # The same page in English, through the language switch.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("Completed")


def test_keyboard_only_submission(phone_page: Any, org: Any) -> None:
    from playwright.sync_api import expect

    page = phone_page
    page.goto("/portal/submit/")
    keyboard = page.keyboard
    keyboard.press("Tab")
    expect(page.locator("a[href='#main']")).to_be_focused()
    for _n in range(15):
        keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_kind":
            break
    expect(page.locator("#id_kind")).to_be_focused()
    keyboard.press("ArrowDown")
    keyboard.press("ArrowDown")
    keyboard.press("Tab")
    expect(page.locator("#id_org_unit")).to_be_focused()
    keyboard.press("ArrowDown")
    for text in ("宽带经常掉线", "每天晚上八点以后宽带频繁掉线。", "李四", "13912345678"):
        keyboard.press("Tab")
        keyboard.type(text)
    keyboard.press("Tab")  # e-mail stays empty
    keyboard.press("Tab")  # language stays as it is
    keyboard.press("Tab")  # attachments: none
    expect(page.locator("#id_attachments")).to_be_focused()
    keyboard.press("Tab")  # the honeypot is not in the tab order
    expect(page.locator("#id_consent")).to_be_focused()
    keyboard.press("Space")
    keyboard.press("Tab")
    expect(page.get_by_test_id("submit")).to_be_focused()
    keyboard.press("Enter")
    expect(page.get_by_test_id("ticket-number")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.kind == "complaint" and ticket.org_unit == org.hall1
    assert ticket.title == "宽带经常掉线"
