"""An inspector scores a hall inspection on a tablet: opens it from the menu, taps the scores
item by item, notes a comment, saves and submits; the result shows on the inspection page."""

from typing import Any

import pytest
from django.utils import timezone

from sqms.core.tests.factories import UserFactory
from sqms.inspections import services
from sqms.inspections.models import Inspection
from sqms.inspections.tests.conftest import hall_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 820, "height": 1180}


def log_in(page: Any, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


def test_inspector_scores_a_hall_inspection_on_a_tablet(
    browser_page: Any, screenshot: Any, org: Any, password: str
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    inspector: Any = UserFactory(
        org_unit=org.branch2,
        roles=["quality_inspector"],
        username="liu",
        last_name="刘",
        first_name="洋",
    )
    version = hall_version()
    inspection = services.create_inspection(
        actor=inspector, version=version, org_unit=org.hall1, planned_for=timezone.localdate()
    )
    log_in(page, "liu", password)
    # The menu collapses on a tablet, hiding the user name log_in waits for: shrink now.
    page.set_viewport_size(TABLET)
    page.goto("/inspections/")
    page.locator("[data-testid=inspection-row] a", has_text=inspection.number).click()
    page.locator("[data-testid=score]").click()
    expect(page.locator("[data-testid=score-form]")).to_be_visible()
    items = list(version.items.order_by("section__position", "position"))
    weak = next(item for item in items if item.scoring == "scale" and not item.critical)
    for item in items:
        index = 0 if item.scoring == "pass_fail" else item.top_score
        if item.pk == weak.pk:
            index = 3
        label = page.locator(f"label[for=id_item_{item.pk}_{index}]")
        label.scroll_into_view_if_needed()
        label.click()
    page.locator(f"[data-item='{weak.pk}'] input[type=text]").fill("台面有少量杂物")
    screenshot("inspections-tablet-scoring")
    page.locator("[data-testid=save-submit]").click()
    expect(page.locator("[data-testid=status]")).to_have_text(
        __import__("re").compile("已提交|Submitted")
    )
    inspection = Inspection.objects.get(pk=inspection.pk)
    assert inspection.status == "submitted"
    assert inspection.passed is True and inspection.score is not None
    assert inspection.score < 100
    assert inspection.scores.get(item=weak).comment == "台面有少量杂物"
    expect(page.locator("[data-testid=score-value]")).to_have_text(str(inspection.score))
    screenshot("inspections-tablet-submitted")
