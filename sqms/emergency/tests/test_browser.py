"""A duty officer's journey in a real browser: an early-warning alert becomes an incident, the
officer grades it level II, the plan's tasks appear for their roles and the engineer ticks
his off, a public notice shows on the status page, service is restored, and the review opens
two improvement actions and a plan revision."""

import re
from datetime import date, timedelta
from typing import Any

import pytest

from sqms.core.tests.factories import UserFactory
from sqms.core.tests.web import click_nav
from sqms.emergency.models import Incident
from sqms.improvement.models import ImprovementAction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff(role: str, unit: Any, username: str, name: str) -> Any:
    return UserFactory(
        org_unit=unit, roles=[role], username=username, last_name=name[0], first_name=name[1:]
    )


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


def add_review_action(page: Any, kind: str, title: str, owner: Any = None) -> None:
    from playwright.sync_api import expect

    form = page.locator("[data-testid=form-review_action]")
    page.locator("#review details summary").click()
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=title]").fill(title)
    if owner is not None:
        form.locator("select[name=owner]").select_option(str(owner.pk))
        form.locator("input[name=deadline]").fill((date.today() + timedelta(days=30)).isoformat())
    form.locator("[data-testid=do-review_action]").click()
    expect(page.locator("[data-testid=review-actions]")).to_contain_text(title)


def test_alert_becomes_an_incident_and_feeds_the_next_plan(
    browser_page: Any,
    chromium: Any,
    live_server: Any,
    screenshot: Any,
    org: Any,
    password: str,
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    staff("emergency_officer", org.branch1, "duty", "周值班")
    engineer = staff("unit_manager", org.hall1, "eng", "吴工")
    staff("quality_manager", org.branch1, "comms", "郑宣")

    # --- the early-warning alert is reported as an incident -----------------------------------
    log_in(page, "duty", password)
    click_nav(page, "emergency_incidents")
    page.locator("[data-testid=report-incident]").click()
    page.fill("input[name=title]", "营业系统登录失败率超阈值（预警）")
    page.locator("select[name=org_unit]").select_option(str(org.hall1.pk))
    page.fill("textarea[name=description]", "一号营业厅全部窗口无法登录营业系统，客户排队等候。")
    page.locator("select[name=source]").select_option("alert")
    page.fill("input[name=source_reference]", "ALERT-20261121-007")
    page.locator("input[name=customer_facing]").check()
    page.locator("[data-testid=submit-report]").click()
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "reported")
    incident = Incident.objects.get(source_reference="ALERT-20261121-007")
    assert incident.source == "alert"

    # --- the officer grades it level II under the outage plan ---------------------------------
    assess = page.locator("[data-testid=form-assess]")
    assess.locator("select[name=event_type]").select_option("outage")
    assess.locator("select[name=level]").select_option("2")
    assess.locator("[data-testid=do-assess]").click()
    expect(page.locator("[data-testid=level]")).to_have_attribute("data-level", "2")
    expect(page.locator("[data-testid=plan-version]")).to_contain_text("EP-OUTAGE-HQ v1")
    expect(page.locator("[data-testid=grading]")).to_contain_text("1万户")

    page.locator("[data-testid=do-activate]").click()
    tasks = page.locator("[data-testid=tasks]")
    expect(tasks.locator("tr[data-role=tech]").first).to_contain_text("吴工")
    expect(page.locator("[data-testid=roles] [data-role=comms]")).to_contain_text("郑宣")
    expect(tasks.locator("tr[data-role=commander]").first).to_contain_text("周值班")
    screenshot("emergency-activated")

    page.locator("[data-testid=do-respond]").click()
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "responding")
    notice = page.locator("[data-testid=form-notice]")
    notice.locator("select[name=audience]").select_option("public")
    notice.locator("input[name=title]").fill("营业系统故障公告")
    notice.locator("textarea[name=body]").fill(
        "一号营业厅营业系统故障，正在抢修，预计一小时内恢复。"
    )
    notice.locator("[data-testid=do-notice]").click()
    expect(page.locator("[data-testid=notices]")).to_contain_text("营业系统故障公告")
    log_out(page)

    # --- the engineer sees his task and ticks it off --------------------------------------------
    log_in(page, "eng", password)
    page.goto(f"/emergency/incidents/{incident.pk}/")
    own = page.locator("[data-testid=tasks] tr[data-role=tech]").first
    own.locator("button").click()
    expect(page.locator("[data-testid=tasks] tr[data-role=tech]").first).to_contain_text(
        re.compile(r"\d\d-\d\d \d\d:\d\d")
    )
    log_out(page)

    # --- the public sees the notice without logging in -------------------------------------------
    public = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        visitor = public.new_page()
        visitor.goto("/status/")
        expect(visitor.locator("[data-testid=public-notice]")).to_contain_text("营业系统故障公告")
    finally:
        public.close()

    # --- restored, reviewed, closed --------------------------------------------------------------
    log_in(page, "duty", password)
    page.goto(f"/emergency/incidents/{incident.pk}/")
    page.locator("[data-testid=do-restore]").click()
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "restored")
    page.locator("[data-testid=do-start_review]").click()
    review = page.locator("[data-testid=form-review]")
    review.locator("textarea[name=root_cause]").fill("数据库连接池耗尽，登录请求排队超时。")
    review.locator("textarea[name=went_well]").fill("十分钟内启动预案，手工受理及时。")
    review.locator("textarea[name=to_change]").fill("增加连接池监控；预案补充数据库切换步骤。")
    review.locator("[data-testid=do-review]").click()
    add_review_action(page, "improvement", "营业系统连接池容量监控", engineer)
    add_review_action(page, "improvement", "手工受理单补录流程优化", engineer)
    add_review_action(page, "plan_revision", "预案增加数据库主备切换步骤")
    page.locator("[data-testid=do-complete_review]").click()
    expect(page.locator("[data-testid=improvement-ref]")).to_have_count(2)
    expect(page.locator("[data-testid=plan-draft]")).to_have_count(1)
    screenshot("emergency-review")
    page.locator("[data-testid=do-close]").click()
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "closed")

    assert ImprovementAction.objects.filter(source="incident_review").count() == 2
    incident.refresh_from_db()
    draft = incident.plan_version.plan.versions.get(number=2)  # type: ignore[union-attr]
    assert draft.status == "draft" and "数据库主备切换" in draft.revision_note
    # The frozen version stays on the incident.
    assert incident.plan_version.number == 1  # type: ignore[union-attr]
