"""The knowledge journey in a real browser: an agent opens a ticket she resolved, writes a
knowledge article from it in one click, edits it and submits it; her hall manager approves it;
and searching "宽带断网" she finds it first."""

import re
from typing import Any

import pytest
from django.urls import reverse

from sqms.core.tests.factories import UserFactory
from sqms.knowledge.choices import ArticleStatus
from sqms.knowledge.models import Article
from sqms.knowledge.tests.test_services import resolved_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


def test_agent_writes_from_ticket_manager_publishes_agent_finds_it(
    browser_page: Any, screenshot: Any, org: Any, password: str
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    agent: Any = UserFactory(
        org_unit=org.hall1, roles=["agent"], username="lina", last_name="李", first_name="娜"
    )
    UserFactory(
        org_unit=org.hall1,
        roles=["unit_manager"],
        username="wang",
        last_name="王",
        first_name="强",
    )
    ticket = resolved_ticket(agent)

    # --- the agent turns her resolved ticket into an article --------------------------------
    log_in(page, "lina", password)
    page.goto(reverse("ticket_detail", args=[ticket.pk]))
    section = page.locator("[data-testid=kb-section]")
    expect(section).to_be_visible()
    section.locator("[data-testid=kb-from-ticket]").click()
    expect(page).to_have_url(re.compile(r"/knowledge/\d+/edit/$"))
    expect(page.locator("textarea[name=solution]")).to_have_value(ticket.resolution)
    page.fill("input[name=title]", "宽带无法上网/断网处理办法")
    page.fill(
        "textarea[name=solution]",
        "1. 指导客户重新插拔光纤接头；\n2. 重启光猫；\n3. 仍不通派单上门。",
    )
    page.fill("input[name=products]", "宽带, 光猫")
    page.fill("input[name=change_note]", "整理成通用处理步骤")
    page.locator("[data-testid=save-article]").click()
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "draft")
    expect(page.locator("[data-testid=version-row]")).to_have_count(2)
    page.locator("[data-testid=submit-review]").click()
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "in_review")
    article = Article.objects.get(source_ticket=ticket)

    # --- the hall manager reviews it from the queue ------------------------------------------
    log_in(page, "wang", password)
    page.goto("/knowledge/review/")
    page.locator("[data-testid=review-row] a").first.click()
    expect(page.locator("[data-testid=review-panel]")).to_be_visible()
    page.fill("[data-testid=review-panel] textarea[name=comment]", "步骤清楚，同意发布")
    page.locator("[data-testid=approve]").click()
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "published")
    screenshot("knowledge-published")
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED

    # --- the agent finds it with the customer's words, and rates it ---------------------------
    log_in(page, "lina", password)
    page.goto("/knowledge/")
    page.fill("input[name=q]", "宽带断网")
    page.locator("[data-testid=search-submit]").click()
    first = page.locator("[data-testid=article-row]").first
    expect(first.locator("[data-testid=article-title]")).to_have_text("宽带无法上网/断网处理办法")
    first.click()
    page.locator("[data-testid=vote-helpful]").click()
    expect(page.locator("[data-testid=helpful-count]")).to_have_text("1")
    screenshot("knowledge-article")
