"""The main journey of an auditor in a real browser: log in with password and TOTP, switch the
language both ways, and find the log-in in the audit log."""

import re
from typing import Any

import pytest

from sqms.core.models import User
from sqms.core.tests.web import click_nav, confirmed_totp_device, current_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_auditor_logs_in_switches_language_and_reads_the_audit_log(
    browser_page: Any, screenshot: Any, org: Any, make_user: Any, password: str
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    auditor = make_user(
        "auditor",
        unit=org.hq,
        username="shenji",
        first_name="计",
        last_name="审",
        language="zh-hans",
    )
    device = confirmed_totp_device(auditor)

    # Log in: password, then the code the authenticator app would show.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=username]", "shenji")
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
    page.fill("input[name=code]", current_code(device))
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("[data-testid=current-user]")).to_contain_text("审计")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    logout = page.locator("[data-testid=logout]")
    chinese_logout = logout.inner_text().strip()
    assert chinese_logout != "Log out"

    # English, then back to Chinese: the page itself changes, and the choice is saved.
    page.locator("[data-testid=language-switch] button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(logout).to_have_text(re.compile(r"Log out"))
    assert User.objects.get(pk=auditor.pk).language == "en"
    page.locator("[data-testid=language-switch] button[value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(logout).to_have_text(chinese_logout)
    assert User.objects.get(pk=auditor.pk).language == "zh-hans"

    # The audit log, reached through the menu, shows this log-in.
    click_nav(page, "audit_log")
    expect(page).to_have_url(re.compile(r"/audit/"))
    login_row = page.locator("tr[data-action=login]").first
    expect(login_row).to_contain_text("shenji")
    screenshot("audit-log")

    # Filtering by action works in the browser too (htmx swaps the results in place).
    page.select_option("select[name=action]", "login")
    expect(page).to_have_url(re.compile(r"action=login"))
    expect(page.locator("tr[data-action]").first).to_have_attribute("data-action", "login")
