"""A quality manager's journey in a real browser: from the menu to the analysis overview, then
recomputing this month's complaint hot-spots and reading the emerging term and rising type."""

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from sqms.analysis.tests.helpers import category, insert, ticket
from sqms.core.tests.factories import UserFactory
from sqms.core.tests.web import click_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quality_manager_finds_this_months_hot_spots(browser_page: Any, org, password) -> None:
    from playwright.sync_api import expect

    page = browser_page
    qm = UserFactory(org_unit=org.hq, roles=["quality_manager"], username="zhou")
    iptv = category("IPTV", "IPTV故障")
    today = timezone.localdate()
    first = today.replace(day=1)
    insert(
        ticket(
            org.hall1,
            qm,
            first + datetime.timedelta(days=i % today.day),
            category=iptv,
            title="IPTV 画面卡顿",
        )
        for i in range(6)
    )
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "zhou")
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()

    click_nav(page, "analysis_home")
    expect(page.locator("[data-testid=home-hotspots]")).to_be_visible()
    expect(page.locator("[data-testid=home-hotspots] [data-testid=term-table]")).to_have_count(0)
    click_nav(page, "analysis_hotspots")
    page.locator("[data-testid=recompute] summary").click()
    page.select_option("select[name=org_unit]", str(org.branch1.pk))
    page.locator("[data-testid=recompute-submit]").click()
    expect(page).to_have_url(re.compile(r"/analysis/hotspots/\d+/$"))
    expect(page.locator("[data-testid=term-table]")).to_contain_text("卡顿")
    expect(page.locator("[data-testid=category-table]")).to_contain_text(re.compile("iptv", re.I))
    click_nav(page, "analysis_home")
    expect(page.locator("[data-testid=home-hotspots]")).to_contain_text("卡顿")
