"""The exam journey in a real browser: a trainer builds an exam from the bank; an agent takes it,
fails, retakes, passes, and finds the certification on their archive."""

from typing import Any

import pytest
from django.urls import reverse

from sqms.staff.models import Attempt, Exam
from sqms.staff.tests.conftest import make_question, new_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def answer(page: Any, attempt: Attempt, right: bool) -> None:
    for row in attempt.questions.select_related("question").order_by("position"):
        correct = row.question.correct
        choices = (
            correct
            if right
            else [i for i in range(len(row.question.options)) if i not in correct][:1]
        )
        for value in choices:
            page.check(f"input[name=q{row.position}][value='{value}']")


def test_exam_journey(
    browser_page: Any, screenshot: Any, org: Any, password: str, cert_type: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    for i in range(4):
        make_question(org.hq, text=f"资费题 {i}：5G 畅享套餐月费？")
    trainer = new_user(
        org_unit=org.branch1,
        roles=["trainer"],
        username="trainer1",
        last_name="李",
        first_name="老师",
    )
    agent = new_user(
        org_unit=org.hall1,
        roles=["agent"],
        username="agent1",
        last_name="王",
        first_name="小明",
        position="柜员",
    )

    # The trainer builds an exam from the bank.
    log_in(page, trainer.username, password)
    page.goto(reverse("staff_exam_list"))
    page.locator("[data-testid=add]").click()
    page.fill("input[name=title]", "业务办理上岗考试")
    page.fill("textarea[name=rules]", "资费, 1, 3")
    page.fill("input[name=duration_minutes]", "20")
    page.fill("input[name=pass_mark]", "60")
    page.select_option("select[name=grants]", label=cert_type.name)
    page.check("input[name=is_published]")
    page.locator("[data-testid=save]").click()
    expect(page.locator("h1")).to_contain_text("业务办理上岗考试")
    exam = Exam.objects.get(title="业务办理上岗考试")
    assert exam.rules == [{"topic": "资费", "difficulty": 1, "count": 3}] and exam.is_published
    screenshot("staff-exam-built")
    log_out(page)

    # The agent sits it and fails.
    log_in(page, agent.username, password)
    page.goto(reverse("staff_exam_list"))
    page.get_by_role("link", name="业务办理上岗考试").click()
    expect(page.locator("[data-testid=exam-rules]")).to_be_visible()
    page.locator("[data-testid=start-exam]").click()
    expect(page.locator("#countdown")).to_be_visible()
    first = Attempt.objects.get(person=agent, number=1)
    answer(page, first, right=False)
    screenshot("staff-exam-paper")
    page.locator("[data-testid=submit-attempt]").click()
    expect(page.locator("[data-testid=attempt-result]")).to_contain_text("Failed")

    # Retakes, saves, submits and passes.
    page.get_by_role("link", name="业务办理上岗考试").click()
    page.locator("[data-testid=start-exam]").click()
    second = Attempt.objects.get(person=agent, number=2)
    answer(page, second, right=True)
    page.locator("[data-testid=save-answers]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("[data-testid=submit-attempt]").click()
    expect(page.locator("[data-testid=attempt-result]")).to_contain_text("Passed")

    # The certification is on the archive.
    page.goto(reverse("staff_me"))
    expect(page.locator("[data-testid=certifications]")).to_contain_text(cert_type.name)
    expect(page.locator("[data-testid=certifications]")).to_contain_text("Valid")
    expect(page.locator("[data-testid=exam-results]")).to_contain_text("Failed")
    screenshot("staff-archive")
