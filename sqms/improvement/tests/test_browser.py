"""A quality manager's journey in a real browser: from an early-warning alert on the service
error rate she opens an improvement action, analyses the root cause and sets an
indicator-linked goal, runs it through plan and do while the owner's hall works, and ten days
later the check reads the indicator, proposes "effective", and she standardises and closes the
action."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sqms.core.tests.factories import UserFactory
from sqms.improvement.choices import Stage, Verdict
from sqms.improvement.models import ImprovementAction
from sqms.quality.models import Alert, AlertRule, Indicator
from sqms.servicedesk import services as desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


def _resolve(agent: Any, *, error: bool) -> None:
    ticket = desk.register_ticket(actor=agent, kind="business", channel="counter", title="业务办理")
    desk.respond_to_ticket(ticket, actor=agent, message="已受理")
    desk.start_ticket(ticket, actor=agent)
    desk.resolve_ticket(
        ticket,
        actor=agent,
        resolution="已办理",
        service_error=error,
        service_error_reason="录入错误" if error else "",
    )


def test_quality_manager_runs_an_action_through_pdca(
    browser_page: Any, screenshot: Any, org: Any, password: str, time_machine: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    qm: Any = UserFactory(
        org_unit=org.branch1,
        roles=["quality_manager"],
        username="zhou",
        last_name="周",
        first_name="敏",
    )
    owner: Any = UserFactory(
        org_unit=org.hall1, roles=["unit_manager"], username="wu", last_name="吴", first_name="刚"
    )
    agent = UserFactory(org_unit=org.hall1, roles=["agent"], username="zheng")
    today = timezone.localdate()
    rule = AlertRule.objects.create(
        name="服务差错率预警", kind="spike", org_unit=org.hall1, owner=qm
    )
    alert = Alert.objects.create(
        rule=rule,
        org_unit=org.hall1,
        slice_key="h1",
        indicator=Indicator.objects.get(code="service_error_rate"),
        severity="high",
        owner=qm,
        day=today,
        message="一号营业厅服务差错率 30%，高于报警线",
        last_seen_at=timezone.now(),
    )

    # --- from the alert's page, open an action ------------------------------------------------
    log_in(page, "zhou", password)
    page.goto(f"/quality/alerts/{alert.pk}/")
    page.locator("[data-testid=open-improvement]").click()
    expect(page.locator("[data-testid=source-record]")).to_contain_text("服务差错率")
    expect(page.locator("select[name=source]")).to_have_value("alert")
    page.fill("textarea[name=problem]", "本月柜台业务办理录入差错导致投诉 6 件")
    page.select_option("select[name=owner]", str(owner.pk))
    page.fill("input[name=deadline]", (today + timedelta(days=20)).isoformat())
    page.locator("[data-testid=submit]").click()
    expect(page).to_have_url(re.compile(r"/improvement/actions/\d+/$"))
    expect(page.locator("[data-testid=stage]")).to_have_attribute("data-stage", "plan")
    expect(page.locator("[data-testid=source]")).to_contain_text("服务差错率")

    # Starting without a plan is refused with the reason, nothing changes.
    page.locator("[data-testid=step-start_do]").click()
    expect(page.locator("[data-testid=step-errors]")).to_be_visible()
    expect(page.locator("[data-testid=stage]")).to_have_attribute("data-stage", "plan")

    # --- plan: five whys, fishbone, root cause, indicator-linked goal, measures -------------
    page.locator("[data-testid=edit-plan]").click()
    page.fill("input[name=why_1]", "营业员手工录入套餐编码")
    page.fill("input[name=why_2]", "系统没有套餐编码校验")
    page.fill("input[name=cause_method]", "无双人复核")
    page.fill("textarea[name=root_cause]", "录入环节缺少校验与复核")
    page.fill("textarea[name=goal]", "服务差错率降到 5% 以下")
    page.select_option("select[name=indicator_code]", "service_error_rate")
    page.fill("input[name=target_value]", "5")
    page.select_option("select[name=target_direction]", "lower")
    page.fill("textarea[name=measures]", "套餐变更双人复核；系统增加编码校验")
    page.fill("input[name=check_due_on]", (today + timedelta(days=10)).isoformat())
    page.locator("[data-testid=save-plan]").click()
    expect(page.locator("[data-testid=root-cause]")).to_contain_text("录入环节缺少校验与复核")
    expect(page.locator("[data-testid=whys] li")).to_have_count(2)

    # --- do ----------------------------------------------------------------------------------
    page.locator("[data-testid=step-start_do]").click()
    expect(page.locator("[data-testid=stage]")).to_have_attribute("data-stage", "do")
    screenshot("improvement-do")

    # Three days later the hall works under the new measures: 1 error in 20.
    time_machine.move_to(timezone.now() + timedelta(days=3))
    for n in range(20):
        _resolve(agent, error=n == 4)

    # --- check, ten days on --------------------------------------------------------------------
    time_machine.move_to(timezone.now() + timedelta(days=7, hours=1))
    page.reload()
    page.fill("[data-testid=progress-form] textarea[name=note]", "双人复核已在全部窗口执行")
    page.fill("[data-testid=progress-form] input[name=progress]", "100")
    page.locator("[data-testid=report-progress]").click()
    expect(page.locator("[data-testid=progress]")).to_have_text("100%")
    page.locator("[data-testid=step-start_check]").click()
    expect(page.locator("[data-testid=stage]")).to_have_attribute("data-stage", "check")
    expect(page.locator("[data-testid=proposal-value]")).to_have_text("5")
    expect(page.locator("[data-testid=proposed-verdict]")).to_be_visible()
    screenshot("improvement-check")
    page.locator("[data-testid=record-check]").click()  # accept the proposed verdict
    expect(page.locator("[data-testid=verdict]")).to_have_count(1)

    # --- act: standardise and close --------------------------------------------------------
    page.locator("[data-testid=step-start_act]").click()
    expect(page.locator("[data-testid=stage]")).to_have_attribute("data-stage", "act")
    page.fill("[data-testid=step-note]", "双人复核写入柜台操作规范")
    page.locator("[data-testid=step-close]").click()
    expect(page.locator("[data-testid=stage]")).to_have_attribute("data-stage", "closed")
    expect(page.locator("[data-testid=outcome]")).to_contain_text("操作规范")

    action = ImprovementAction.objects.get()
    assert action.stage == Stage.CLOSED and action.owner == owner
    check = action.checks.get()
    assert check.verdict == check.proposed_verdict == Verdict.EFFECTIVE
    assert str(check.measured_value) == "5.0000"

    # The board no longer shows it among the open stages.
    page.goto("/improvement/")
    for stage in ("plan", "do", "check", "act"):
        expect(page.locator(f"[data-testid=count-{stage}]")).to_have_text("0")
    page.goto("/improvement/actions/?status=finished")
    expect(page.locator("[data-testid=action-row]")).to_have_count(1)
    screenshot("improvement-list")

    # The alert names the action that answered it.
    page.goto(f"/quality/alerts/{alert.pk}/")
    expect(page.locator("[data-testid=alert-action]")).to_contain_text(f"#{action.pk}")
