"""An agent registers a broadband complaint in a real browser: the suggestion panel proposes
宽带断网 as she types, she applies it and the suggested priority, and registers the ticket."""

from typing import Any

import pytest

from sqms.core.tests.factories import UserFactory
from sqms.insight.models import SuggestionOutcome
from sqms.servicedesk.models import Category, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


def test_agent_applies_the_suggested_problem_type(
    browser_page: Any, screenshot: Any, org: Any, password: str, install_models: Any
) -> None:
    from playwright.sync_api import expect

    install_models()
    UserFactory(
        org_unit=org.hall1,
        roles=["agent"],
        username="lin",
        last_name="林",
        first_name="芳",
        language="zh-hans",
    )
    broadband = Category.objects.get(code="broadband_outage")
    page = browser_page
    log_in(page, "lin", password)
    page.goto("/tickets/new/")
    panel = page.locator("#insight-panel")
    expect(panel).to_contain_text("标题")  # the hint before anything is typed
    page.locator("#id_title").press_sequentially("宽带断网")
    page.locator("#id_description").press_sequentially("家里宽带从昨晚开始断网，光猫红灯一直闪")
    first = panel.locator("[data-testid=insight-category]").first
    expect(first).to_contain_text("宽带断网")
    screenshot("insight-panel")
    first.locator("[data-testid=apply-category]").click()
    expect(page.locator("#id_category")).to_have_value(str(broadband.pk))
    apply_priority = panel.locator("[data-testid=apply-priority]")
    impact = apply_priority.get_attribute("data-insight-impact")
    apply_priority.click()
    expect(page.locator(f"input[name=impact][value='{impact}']")).to_be_checked()
    page.locator("[data-testid=register-submit]").click()
    expect(page.locator("[data-testid=ticket-number]")).to_contain_text("SQ")
    ticket = Ticket.objects.get(title="宽带断网")
    assert ticket.category == broadband
    assert ticket.impact == int(impact or 0)
    outcome = SuggestionOutcome.objects.get(ticket=ticket)
    assert outcome.suggested_category == outcome.chosen_category == "broadband_outage"
