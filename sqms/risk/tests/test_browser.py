"""The risk journey in a real browser: a quality manager raises a risk, sees it on the heat
map, adds a control, lowers the residual rating, and sees the heat map move; then simulates
its yearly loss."""

from typing import Any

import pytest

from sqms.risk.models import MonteCarloRun, Risk
from sqms.risk.simulation import execute_run
from sqms.servicedesk.tests.test_browser import log_in, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cell(page: Any, rating: str, p: int, i: int) -> Any:
    return page.locator(f"[data-testid=heatmap-{rating}] td[data-cell='{p}-{i}']")


def test_quality_manager_raises_a_risk_and_moves_the_heat_map(
    browser_page: Any, screenshot: Any, org: Any, password: str
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    manager = staff("quality_manager", org.branch1, "chenjing", "陈静")
    manager.language = "zh-hans"  # the pages in Chinese, as the quality department reads them
    manager.save(update_fields=["language"])
    log_in(page, manager.username, password)

    # Raise a risk on the default 5×5 matrix, with a 90% loss interval for Monte Carlo.
    page.goto("/risks/new/")
    page.fill("input[name=title]", "高峰期排队叫号系统宕机")
    page.select_option("select[name=category]", "technical")
    page.select_option("select[name=org_unit]", str(org.hall1.pk))
    page.fill("textarea[name=cause]", "叫号服务器单机部署")
    for name, value in (
        ("inherent_probability", "4"),
        ("inherent_impact", "4"),
        ("current_probability", "4"),
        ("current_impact", "4"),
        ("residual_probability", "4"),
        ("residual_impact", "4"),
    ):
        page.select_option(f"select[name={name}]", value)
    page.select_option("select[name=treatment]", "mitigate")
    page.fill("input[name=annual_probability]", "0.4")
    page.fill("input[name=loss_low]", "5000")
    page.fill("input[name=loss_high]", "120000")
    page.locator("[data-testid=save-risk]").click()
    expect(page.locator("[data-testid=residual] .sqms-level")).to_have_attribute(
        "data-level", "high"
    )
    risk = Risk.objects.get(title="高峰期排队叫号系统宕机")
    assert risk.owner == manager

    page.goto("/risks/heatmap/")
    expect(page.get_by_role("heading", name="风险热力图")).to_be_visible()
    expect(cell(page, "inherent", 4, 4)).to_have_attribute("data-count", "1")
    expect(cell(page, "residual", 4, 4)).to_have_attribute("data-count", "1")
    screenshot("risk-heatmap-before")

    # Lower the residual rating with no control: the register flags it.
    page.goto(f"/risks/{risk.pk}/")
    page.select_option("select[name=residual_probability]", "2")
    page.select_option("select[name=residual_impact]", "3")
    page.fill("textarea[name=notes]", "计划双机热备后可降至中等")
    page.fill("input[name=next_review_due]", "2099-03-31")
    page.locator("[data-testid=submit-review]").click()
    expect(
        page.locator("[data-testid=risk-flags] [data-flag=residual_lowered_without_control]")
    ).to_be_visible()

    # Add the control: the flag goes away.
    page.locator("[data-testid=add-control]").click()
    page.fill("input[name=title]", "叫号服务器双机热备")
    page.select_option("select[name=kind]", "planned")
    page.fill("input[name=due_date]", "2099-01-31")
    page.locator("[data-testid=submit-control]").click()
    expect(page.locator("[data-testid=controls]")).to_contain_text("叫号服务器双机热备")
    expect(page.locator("[data-testid=risk-flags]")).to_have_count(0)
    expect(page.locator("[data-testid=history]")).to_contain_text("叫号服务器双机热备")

    # The heat map moved: inherent stays, residual went from (4,4) to (2,3).
    page.goto("/risks/heatmap/")
    expect(cell(page, "inherent", 4, 4)).to_have_attribute("data-count", "1")
    expect(cell(page, "residual", 4, 4)).to_have_attribute("data-count", "0")
    expect(cell(page, "residual", 2, 3)).to_have_attribute("data-count", "1")
    screenshot("risk-heatmap-after")

    # The register lists it with its levels; the filter by residual level finds it.
    page.goto("/risks/?residual_level=medium")
    expect(page.locator(f"tr[data-risk='{risk.number}']")).to_be_visible()

    # Simulate its yearly loss; the worker's job is run here directly.
    page.goto(f"/risks/{risk.pk}/")
    page.locator("[data-testid=simulate]").click()
    page.fill("input[name=title]", "排队系统风险年度损失")
    page.fill("input[name=seed]", "7")
    page.locator("[data-testid=run-simulation]").click()
    expect(page.locator("[data-testid=run-status]")).to_be_visible()
    run = MonteCarloRun.objects.get()
    execute_run(run.pk)
    expect(page.locator("[data-figure=var95]")).to_be_visible(timeout=15_000)
    expect(page.locator("#lec-chart svg")).to_be_visible()
    screenshot("risk-montecarlo")
