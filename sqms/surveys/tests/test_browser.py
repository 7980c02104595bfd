"""The survey journey in a real browser: a ticket closes, the customer answers on a
phone-sized screen, the low score opens a follow-up, and the unit manager finds it on the
satisfaction dashboard and records the call-back."""

from typing import Any

import pytest

from sqms.conftest import SCREENSHOT_DIR
from sqms.core.tests.factories import UserFactory
from sqms.core.tests.web import click_nav
from sqms.servicedesk import services as desk
from sqms.surveys import links
from sqms.surveys.models import FollowUp, Invitation, InvitationRule
from sqms.surveys.tests.conftest import post_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


def test_low_score_on_a_phone_reaches_the_managers_dashboard(
    chromium: Any, browser_page: Any, live_server: Any, screenshot: Any, org: Any, password: str
) -> None:
    from playwright.sync_api import expect

    agent: Any = UserFactory(org_unit=org.hall1, roles=["agent"], username="lin")
    manager: Any = UserFactory(
        org_unit=org.branch1,
        roles=["unit_manager"],
        username="wang",
        last_name="王",
        first_name="芳",
    )
    InvitationRule.objects.create(name="归档工单调查", org_unit=org.hq, template=post_service())
    ticket = desk.register_ticket(
        actor=agent, kind="business", channel="counter", title="办理携号转网"
    )
    desk.respond_to_ticket(ticket, actor=agent, message="已受理")
    desk.start_ticket(ticket, actor=agent)
    desk.resolve_ticket(ticket, actor=agent, resolution="已办理")
    desk.verify_resolution(ticket, actor=manager)
    desk.close_ticket(ticket, actor=agent)  # the close event invites (after commit)
    invitation = Invitation.objects.get(ticket=ticket)

    # --- the customer, on a phone ------------------------------------------------------------
    phone = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 740}
    )
    try:
        page = phone.new_page()
        page.set_default_timeout(15_000)
        page.goto(links.answer_path(invitation))
        expect(page.get_by_text("您对本次服务的总体满意度如何？")).to_be_visible()
        # Nothing overflows the narrow screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        page.locator("label[for=q_overall_2]").click()
        page.locator("label[for=q_nps_3]").click()
        page.fill("textarea[name=q_comment]", "排队等了四十分钟，窗口只开了两个。")
        expect(page.locator("#save-status")).to_contain_text("已保存")  # htmx autosave
        page.screenshot(path=str(SCREENSHOT_DIR / "sqms-survey-phone.png"), full_page=True)
        page.get_by_test_id("submit").click()
        expect(page.get_by_test_id("thanks")).to_be_visible()
    finally:
        phone.close()
    follow_up = FollowUp.objects.get(ticket=ticket)
    assert follow_up.assignee == manager and follow_up.score == 2

    # --- the manager's dashboard -----------------------------------------------------------------
    page = browser_page
    log_in(page, "wang", password)
    click_nav(page, "survey_dashboard")
    expect(page.get_by_test_id("kpi-csat")).to_have_text("0.0%")
    follow_ups = page.get_by_test_id("dashboard-follow-ups")
    expect(follow_ups).to_contain_text(ticket.number)
    follow_ups.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_text("排队等了四十分钟")).to_be_visible()
    page.fill("textarea[name=outcome]", "已致电客户致歉，说明高峰期增开窗口安排。")
    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_test_id("follow-up-status")).to_have_text("Done")
    screenshot("survey-follow-up")
    # The ticket page shows the score and the follow-up.
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.get_by_test_id("survey-score")).to_have_text("2/5")
    expect(page.get_by_test_id("survey-follow-up")).to_be_visible()
