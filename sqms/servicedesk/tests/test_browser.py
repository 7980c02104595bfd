"""The service loop in a real browser: an agent registers a complaint at the counter, prints
the receipt and transfers it; the commitment runs out and a manager sees it breached and
escalated; the other agent resolves it, an inspector verifies it, and the customer's
confirmation closes it."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sqms.core.tests.factories import UserFactory
from sqms.core.tests.web import click_nav
from sqms.servicedesk.choices import TicketStatus
from sqms.servicedesk.models import Category, Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


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


def open_action(page: Any, action: str) -> Any:
    """Unfold an action's panel on the ticket page and return its form."""
    panel = page.locator(f"details[data-action={action}]")
    panel.locator("summary").click()
    return panel.locator("form")


def staff(role: str, unit: Any, username: str, name: str) -> Any:
    """A user who logs in with the test password through the log-in page (made with the
    factory's own password hashing, so the password is the real one)."""
    return UserFactory(
        org_unit=unit, roles=[role], username=username, last_name=name[0], first_name=name[1:]
    )


def test_complaint_goes_round_the_loop(
    browser_page: Any, screenshot: Any, org: Any, password: str
) -> None:
    from playwright.sync_api import expect

    from sqms.servicedesk.sweep import sweep

    page = browser_page
    counter_agent = staff("agent", org.hall1, "wang", "王芳")
    other_agent = staff("agent", org.hall1, "li", "李雷")
    staff("unit_manager", org.branch1, "zhao", "赵强")
    staff("quality_inspector", org.branch1, "qian", "钱敏")
    for user in (counter_agent, other_agent):
        assert user.check_password(password)

    # --- the counter agent registers the complaint, keyboard first --------------------------
    log_in(page, "wang", password)
    click_nav(page, "ticket_create")
    expect(page).to_have_url(re.compile(r"/tickets/new/"))
    phone = page.locator("input[name=customer_phone]")
    expect(phone).to_be_focused()
    # A hall's agent registers at the counter unless told otherwise.
    expect(page.locator("input[name=channel][value=counter]")).to_be_checked()
    phone.fill("138 1234 5678")
    page.locator("[data-testid=lookup]").click()  # htmx: the history appears in place
    expect(page.locator("[data-testid=customer-history]")).to_contain_text("No earlier tickets")
    expect(page).to_have_url(re.compile(r"/tickets/new/$"))
    page.keyboard.press("Tab")  # from the look-up button straight on to the name
    expect(page.locator("input[name=customer_name]")).to_be_focused()
    page.keyboard.type("李小龙")
    page.locator("input[name=kind][value=complaint] + label").click()
    page.fill("input[name=title]", "柜台排队四十分钟无人受理")
    page.fill("textarea[name=description]", "客户下午两点到一号营业厅，等候四十分钟。")
    attitude = Category.objects.get(code="service_attitude")
    page.select_option("select[name=category]", str(attitude.pk))
    page.locator("input[name=urgency][value='1'] + label").click()
    registration_shot = screenshot("ticket-registration")
    page.locator("input[name=title]").focus()
    page.keyboard.press("Enter")  # Enter registers the ticket

    expect(page).to_have_url(re.compile(r"/tickets/\d+/$"))
    ticket = Ticket.objects.get(title="柜台排队四十分钟无人受理")
    expect(page.locator(".alert-success")).to_contain_text(ticket.number)
    assert ticket.kind == "complaint" and ticket.channel == "counter"
    assert ticket.first_contact_owner_id == counter_agent.pk
    expect(page.locator("[data-testid=customer-phone]")).to_contain_text("138****5678")
    expect(page.locator("[data-testid=sla-policy]")).to_be_visible()

    # The acceptance receipt, when the documents part is installed.
    try:
        reverse("ticket_receipt", args=[ticket.pk])
    except NoReverseMatch:
        pass
    else:
        receipt = page.locator("[data-testid=receipt]")
        receipt_url = receipt.get_attribute("href")
        assert receipt_url == reverse("ticket_receipt", args=[ticket.pk])
        with page.expect_response(re.compile(r"receipt")) as answer:
            receipt.click()
        response = answer.value
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        assert page.request.get(receipt_url).body().startswith(b"%PDF")
        page.goto(f"/tickets/{ticket.pk}/")

    # Transfer to the colleague.
    form = open_action(page, "assign")
    form.locator("select[name=assign-assignee]").select_option(str(other_agent.pk))
    form.locator("textarea[name=assign-note]").fill("请李雷跟进")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=assignee]")).to_contain_text("li")
    expect(page.locator("[data-event=assignment]")).to_contain_text("请李雷跟进")
    log_out(page)

    # --- the clock runs out: the sweep, run as at a minute past the response commitment (24
    # business hours, so days ahead), escalates it --------------------------------------------
    due = Ticket.objects.get(pk=ticket.pk).response_due_at
    assert due is not None and due > timezone.now()
    result = sweep(due + timedelta(minutes=1))
    assert result.escalated >= 1
    escalated = Ticket.objects.get(pk=ticket.pk)
    assert escalated.response_breached and escalated.escalation_level >= 1

    log_in(page, "zhao", password)
    click_nav(page, "ticket_manager")
    expect(page).to_have_url(re.compile(r"/tickets/manager/"))
    expect(page.locator("[data-count=breached]")).to_have_text("1")
    expect(page.locator("[data-count=escalated]")).to_have_text("1")
    row = page.locator(f"[data-testid=breached-list] tr[data-ticket='{ticket.number}']")
    expect(row).to_be_visible()
    expect(row.locator("[data-testid=breached]")).to_be_visible()
    expect(page.locator("#status-chart svg")).to_be_visible()  # the ECharts bar chart drew
    screenshot("ticket-manager")
    row.locator("a").first.click()
    expect(page.locator("[data-testid=ticket-badges] [data-testid=escalated]")).to_be_visible()
    expect(page.locator("[data-event=escalation]").first).to_be_visible()
    # The manager may see the number once; the look is audited.
    page.locator("[data-testid=reveal-customer_phone]").click()
    expect(page.locator("[data-testid=revealed-customer_phone]")).to_have_text("138 1234 5678")
    log_out(page)

    # --- the colleague finds it in "My tickets", responds, works and resolves it ------------
    log_in(page, "li", password)
    click_nav(page, "tickets")
    # The tabs switch in place (htmx) and keep their own address.
    page.locator("[data-tab=breached]").click()
    expect(page).to_have_url(re.compile(r"tab=breached"))
    expect(page.locator("[data-tab=breached]")).to_have_attribute("aria-current", "page")
    expect(page.locator(f"tr[data-ticket='{ticket.number}']")).to_be_visible()
    page.locator("[data-tab=mine]").click()
    expect(page).to_have_url(re.compile(r"tab=mine"))
    page.locator(f"tr[data-ticket='{ticket.number}'] a").first.click()
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    open_action(page, "respond").locator("button[type=submit]").click()
    expect(page.locator("[data-testid=ticket-badges] [data-status=responded]")).to_be_visible()
    page.locator("form[data-action=start] button").click()
    expect(page.locator("[data-testid=ticket-badges] [data-status=in_progress]")).to_be_visible()
    resolve = open_action(page, "resolve")
    resolve.locator("button[type=submit]").click()  # without a resolution: refused
    expect(page.locator("details[data-action=resolve] .invalid-feedback")).to_be_visible()
    resolve = page.locator("details[data-action=resolve] form")
    resolve.locator("textarea[name=resolve-resolution]").fill("已向客户致歉，调整午间窗口排班。")
    resolve.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=ticket-badges] [data-status=resolved]")).to_be_visible()
    expect(page.locator("details[data-action=verify]")).to_have_count(0)
    log_out(page)

    # --- the quality inspector verifies -----------------------------------------------------
    log_in(page, "qian", password)
    page.goto(f"/tickets/{ticket.pk}/")
    open_action(page, "verify").locator("button[type=submit]").click()
    expect(page.locator("[data-testid=ticket-badges] [data-status=verified]")).to_be_visible()
    log_out(page)

    # --- the first-contact owner records the customer's confirmation: closed ---------------
    log_in(page, "wang", password)
    page.goto(f"/tickets/{ticket.pk}/")
    feedback = open_action(page, "confirm")
    feedback.locator("input[name=confirm-confirmed][value=yes] + label").click()
    feedback.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=ticket-badges] [data-status=closed]")).to_be_visible()
    ticket_shot = screenshot("ticket-page")
    closed = Ticket.objects.get(pk=ticket.pk)
    assert closed.status == TicketStatus.CLOSED
    assert closed.resolved_by_id == other_agent.pk
    assert closed.customer_confirmed is True
    assert registration_shot.exists() and ticket_shot.exists()


def test_the_page_fits_a_laptop_screen_in_english(
    browser_page: Any, org: Any, password: str
) -> None:
    """A unit manager's full menu in English, and a customer notification's long tracking
    link on the timeline, used to push the page sideways past a 1366 px screen: the log-out
    button sat outside the menu bar and the link ran out of its card."""
    from playwright.sync_api import expect

    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import TicketEvent
    from sqms.servicedesk.tests.doc_helpers import make_ticket

    page = browser_page
    manager = staff("unit_manager", org.hall1, "zhou", "周杰")
    manager.language = "en"
    manager.save(update_fields=["language"])
    ticket = make_ticket(org.hall1, manager)
    link = "http://sqms.example/portal/l/" + "eyJ0Ijo2MDIxLCJ2IjowfQ" * 8 + "/"
    TicketEvent.objects.create(ticket=ticket, event_type=EventType.COMMENT, message=link)

    log_in(page, "zhou", password)
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    logout = page.locator("[data-testid=logout]").bounding_box()
    assert logout is not None and logout["x"] + logout["width"] <= width
    card = page.locator("#timeline").bounding_box()
    message = page.locator("#timeline li", has_text="eyJ0Ijo2").locator(".text-break")
    box = message.bounding_box()
    assert card is not None and box is not None
    assert box["x"] + box["width"] <= card["x"] + card["width"]


def test_enter_pressed_twice_registers_one_ticket_and_one_comment(
    browser_page: Any, org: Any, password: str
) -> None:
    """At the counter, Enter pressed twice (or a double click) sent the form twice and
    registered the same complaint as two tickets."""
    from playwright.sync_api import expect

    page = browser_page
    staff("agent", org.hall1, "wang", "王芳")
    log_in(page, "wang", password)
    page.goto("/tickets/new/")
    page.fill("input[name=title]", "回车按了两次")
    page.locator("input[name=title]").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/tickets/\d+/$"))
    page.wait_for_load_state("networkidle")
    ticket = Ticket.objects.get(title="回车按了两次")
    # The ticket page's forms too: a double click adds one comment.
    page.fill("[data-testid=comment-form] textarea[name=comment-text]", "只说一次")
    page.locator("[data-testid=comment-form] button[type=submit]").dblclick()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=comment-form] textarea[name=comment-text]")).to_have_value("")
    assert ticket.events.filter(message="只说一次").count() == 1
