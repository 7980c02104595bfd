"""A quality manager's journey in a real browser: the dashboard of the company, drill down to
a branch, open an indicator with its trend chart, follow it to the tickets behind it, and
raise the hall's target with a reason."""

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from sqms.core.tests.factories import UserFactory
from sqms.quality import rollups
from sqms.quality.models import Target
from sqms.quality.tests.conftest import local, raw_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quality_manager_journey(
    browser_page: Any, screenshot: Any, org: Any, password: str
) -> None:
    from playwright.sync_api import expect

    manager = UserFactory(
        org_unit=org.hq, roles=["quality_manager"], username="qm-browser", language="zh-hans"
    )
    clerk = UserFactory(org_unit=org.hall1, roles=["agent"], username="clerk-browser")
    today = timezone.localdate()
    for back in range(1, 6):
        day = today - datetime.timedelta(days=back)
        raw_ticket(org.hall1, clerk, local(day), kind="complaint", response=2 + back, resolve=300)
        raw_ticket(org.hall1, clerk, local(day, 11), kind="complaint", response=1)
        raw_ticket(org.hall2, clerk, local(day), kind="business", response=1, resolve=12)
    rollups.rebuild(restart=True)

    page = browser_page
    page.goto("/accounts/login/")
    page.fill("input[name=username]", manager.username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()

    # The menu leads to the dashboard; the last 30 days as a custom period.
    page.goto("/quality/")
    start = (today - datetime.timedelta(days=30)).isoformat()
    page.select_option("select[name=g]", "custom")
    page.fill("input[name=start]", start)
    page.fill("input[name=end]", today.isoformat())
    page.locator("[data-testid=period-form] button[type=submit]").click()
    table = page.locator("[data-testid=indicator-table]")
    expect(table.locator("tr[data-code=complaint_handling_rate] [data-value]")).to_contain_text(
        "50.0%"
    )
    expect(table.locator("tr[data-code=complaint_handling_rate]")).to_have_attribute(
        "data-band", "alarm"
    )
    # The surveys app is the CSAT's source; this history has no answers.
    expect(table.locator("tr[data-code=csat]")).not_to_contain_text("暂无数据来源")
    expect(page.locator("#heat-chart svg")).to_be_visible()
    screenshot("quality-dashboard")

    # Drill down: company → branch 1 → its hall.
    page.locator("[data-testid=unit-table] tr[data-unit=BR1] a").click()
    expect(page.locator("[data-testid=drill-path]")).to_contain_text("一分公司")
    page.locator("[data-testid=unit-table] tr[data-unit=H1] a").click()
    expect(page.locator("[data-testid=unit-table] tr[data-unit=C1]")).to_be_visible()

    # The indicator page: definition, trend chart with control limits, the records behind it.
    page.locator("tr[data-code=complaint_handling_rate] a").click()
    expect(page.locator("[data-testid=definition]")).to_contain_text("投诉")
    expect(page.locator("#trend-chart svg")).to_be_visible()
    expect(page.locator("[data-testid=indicator-value]")).to_contain_text("50.0%")
    screenshot("quality-indicator")
    page.locator("[data-testid=records-link]").click()
    expect(page).to_have_url(re.compile(r"/tickets/all/"))
    expect(page.locator("body")).to_contain_text("测试工单")

    # Raise the hall's target, with a reason; the version list shows who and why.
    page.goto("/quality/indicators/avg_response_minutes/targets/")
    form = page.locator("[data-testid=target-form]")
    form.locator("select[name=org_unit]").select_option(str(org.hall1.pk))
    form.locator("input[name=valid_from]").fill(today.replace(day=1).isoformat())
    form.locator("input[name=target]").fill("2")
    form.locator("input[name=alarm]").fill("4")
    form.locator("input[name=reason]").fill("旗舰厅提高标准")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=target-versions]")).to_contain_text("旗舰厅提高标准")
    assert Target.objects.filter(org_unit=org.hall1, created_by__username="qm-browser").count() == 1
