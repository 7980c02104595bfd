"""In a real browser: an agent registers a phone call, the customer record appears with its
history (masked); a manager reads the customer page before serving and reveals the phone with a
reason; the agent never sees the number in clear."""

import re
from typing import Any

import pytest

from sqms.core.models import AuditEvent
from sqms.core.tests.factories import UserFactory
from sqms.customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


def log_out(page: Any) -> None:
    from playwright.sync_api import expect

    page.locator("[data-testid=logout]").click()
    expect(page.locator("[data-testid=current-user]")).to_have_count(0)


def test_agent_registers_and_manager_reveals(
    browser_page: Any, screenshot: Any, org: Any, password: str
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    UserFactory(org_unit=org.hall1, roles=["agent"], username="wang")
    UserFactory(org_unit=org.branch1, roles=["unit_manager"], username="zhao")

    log_in(page, "wang", password)
    page.goto("/tickets/new/")
    page.locator("input[name=customer_phone]").fill("139 1234 5678")
    page.locator("input[name=customer_name]").fill("王芳芳")
    page.locator("input[name=customer_id_number]").fill("11010519491231002X")
    page.locator("input[name=channel][value=phone] + label").click()
    page.locator("input[name=kind][value=complaint] + label").click()
    page.locator("input[name=title]").fill("宽带断网三天")
    page.locator("input[name=title]").focus()
    page.keyboard.press("Enter")  # Enter registers the ticket
    expect(page).to_have_url(re.compile(r"/tickets/\d+/$"))
    page.locator("[data-testid=customer-link]").click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    expect(page.locator("[data-testid=masked-phone]")).to_have_text("139****5678")
    expect(page.locator("[data-testid=count-complaints]")).to_have_text("1")
    expect(page.locator("[data-testid=last-satisfaction]")).to_have_text("—")
    expect(page.locator("[data-entry=complaint]")).to_contain_text("宽带断网三天")
    expect(page.locator("[data-testid=reveal-phone]")).to_have_count(0)
    assert "13912345678" not in page.content()
    assert "王芳芳" not in page.content()
    customer_url = page.url
    screenshot("customer-agent")
    log_out(page)

    log_in(page, "zhao", password)
    page.goto(customer_url)
    form = page.locator("[data-testid=reveal-form-phone]")
    form.locator("input[name=reason]").fill("客户来电要求回拨，核对号码")
    form.locator("[data-testid=reveal-phone]").click()  # htmx: the value replaces the mask
    expect(page.locator("[data-testid=revealed-phone]")).to_have_text("13912345678")
    expect(page.locator("[data-testid=masked-id_number]")).to_have_text("1101**********002X")
    screenshot("customer-revealed")
    event = AuditEvent.objects.filter(action="reveal").latest("seq")
    assert event.after == {"field": "phone", "reason": "客户来电要求回拨，核对号码"}
    assert event.object_id == str(Customer.objects.get().pk)
