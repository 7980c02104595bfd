"""The improvement pages: generic cases for list/detail/open/plan, and the PDCA panels."""

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sqms.core.choices import AuditAction
from sqms.core.models import AuditEvent
from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.improvement import services
from sqms.improvement.choices import Stage
from sqms.improvement.models import ImprovementAction
from sqms.improvement.tests.helpers import open_in
from sqms.servicedesk import services as desk


@pytest.mark.django_db
class TestImprovementActionViews(ViewCase):
    model = ImprovementAction
    list_url_name = "improvement_action_list"
    detail_url_name = "improvement_action_detail"
    create_url_name = "improvement_action_create"
    edit_url_name = "improvement_action_plan"
    actor_roles = ("quality_manager",)

    def make_in_scope(self, org: Any, n: int) -> ImprovementAction:
        return open_in(org, org.hall1, n, "inspection")

    def make_out_of_scope(self, org: Any, n: int) -> ImprovementAction:
        return open_in(org, org.hall2, n, "inspection")

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "source": "inspection",
            "title": "巡检发现叫号机故障频发",
            "org_unit": org.hall1.pk,
            "problem": "本月叫号机停机 5 次",
        }

    def find_created(self, data: dict[str, Any]) -> Any:
        return ImprovementAction.objects.filter(title=data["title"]).first()

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "title": "叫号机故障整改",
            "problem": "停机 5 次",
            "why_1": "备件不足",
            "root_cause": "无备件库存",
            "goal": "停机次数为 0",
            "measures": "建立备件库存",
            "target_direction": "higher",
            "deadline": (timezone.localdate() + timedelta(days=9)).isoformat(),
        }

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_data(org)
        return [
            ({**good, "title": ""}, {"title"}),
            ({**good, "source": "gossip"}, {"source"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "deadline": "2001-01-01"}, {"deadline"}),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.edit_data(org, obj)
        return [
            ({**good, "title": ""}, {"title"}),
            ({**good, "target_value": "abc"}, {"target_value"}),
            ({**good, "indicator_code": "sla_rate"}, {"target_value"}),
            ({**good, "indicator_code": "made_up"}, {"indicator_code"}),
            ({**good, "deadline": "2001-01-01"}, {"deadline"}),
        ]


# --- board, export, panels -----------------------------------------------------------------


@pytest.fixture
def browser(qm: Any) -> Client:
    client = Client()
    web_login(client, qm)
    return client


@pytest.mark.django_db
def test_board_groups_by_stage_with_constant_queries(
    browser: Client, action_in_stage: Any, django_assert_max_num_queries: Any
) -> None:
    action_in_stage(Stage.PLAN)
    browser.get(reverse("improvement_board"))
    with django_assert_max_num_queries(20) as few:
        response = browser.get(reverse("improvement_board"))
    assert response.status_code == 200
    for stage in (Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT):
        action_in_stage(stage)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = browser.get(reverse("improvement_board"))
    counts = {c["stage"]: c["count"] for c in response.context["columns"]}
    assert counts == {Stage.PLAN: 2, Stage.DO: 1, Stage.CHECK: 1, Stage.ACT: 1}


@pytest.mark.django_db
def test_excel_export_is_scoped_and_audited(
    browser: Client, make_action: Any, outsider_qm: Any, org: Any
) -> None:
    from openpyxl import load_workbook

    mine = make_action(title='=HYPERLINK("http://x")')
    services.open_action(actor=outsider_qm, source="other", title="别的分公司", org_unit=org.hall2)
    response = browser.get(reverse("improvement_action_export"))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == mine.number
    assert rows[1][1].startswith("'=")  # never a live formula
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_type="improvement.improvementaction"
    ).exists()


@pytest.mark.django_db
def test_export_needs_its_permission(make_user: Any, org: Any) -> None:
    client = Client()
    web_login(client, make_user("unit_manager", unit=org.hall1))
    assert client.get(reverse("improvement_action_export")).status_code == 403


@pytest.mark.django_db
def test_open_from_a_ticket_page(
    browser: Client, make_user: Any, org: Any, outsider_qm: Any
) -> None:
    agent = make_user("agent", unit=org.hall1)
    ticket = desk.register_ticket(
        actor=agent, kind="complaint", channel="counter", title="柜员态度差"
    )
    url = reverse("improvement_action_create")
    query = {
        "source": "complaint",
        "source_type": "servicedesk.ticket",
        "source_id": str(ticket.pk),
    }
    page = browser.get(url, query)
    assert page.status_code == 200 and ticket.number in page.content.decode()
    response = browser.post(
        url + "?source=complaint",
        {
            "source": "complaint",
            "title": "服务态度整改",
            "source_type": "servicedesk.ticket",
            "source_id": str(ticket.pk),
        },
    )
    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    assert action.source_id == str(ticket.pk) and action.org_unit == org.hall1
    detail = browser.get(reverse("improvement_action_detail", args=[action.pk])).content.decode()
    assert reverse("ticket_detail", args=[ticket.pk]) in detail
    # Someone who cannot see the ticket cannot open an action from it.
    stranger = Client()
    web_login(stranger, outsider_qm)
    assert stranger.get(url, query).status_code == 403


@pytest.mark.django_db
def test_step_refusal_shows_the_reason_and_changes_nothing(
    browser: Client, make_action: Any
) -> None:
    action = make_action(goal="")
    response = browser.post(
        reverse("improvement_action_step", args=[action.pk]), {"step": "start_do"}
    )
    assert response.status_code == 200
    assert 'data-testid="step-errors"' in response.content.decode()
    action.refresh_from_db()
    assert action.stage == Stage.PLAN
    conflict = browser.post(reverse("improvement_action_step", args=[action.pk]), {"step": "close"})
    assert conflict.status_code == 200
    action.refresh_from_db()
    assert action.stage == Stage.PLAN


@pytest.mark.django_db
def test_progress_and_check_panels(browser: Client, action_in_stage: Any) -> None:
    action = action_in_stage(Stage.DO)
    bad = browser.post(reverse("improvement_action_progress", args=[action.pk]), {"note": ""})
    assert bad.status_code == 200 and bad.context["progress_form"].errors
    ok = browser.post(
        reverse("improvement_action_progress", args=[action.pk]),
        {"note": "已培训", "progress": "50"},
    )
    assert ok.status_code == 302
    services.advance(action, "start_check", actor=action.created_by)
    page = browser.get(reverse("improvement_action_detail", args=[action.pk])).content.decode()
    assert 'data-testid="check-form"' in page
    bad = browser.post(reverse("improvement_action_check", args=[action.pk]), {"verdict": ""})
    assert bad.status_code == 200 and "verdict" in bad.context["check_form"].errors
    ok = browser.post(
        reverse("improvement_action_check", args=[action.pk]),
        {"verdict": "effective", "measured_value": "97"},
    )
    assert ok.status_code == 302
    assert action.checks.get().verdict == "effective"


@pytest.mark.django_db
def test_user_text_is_escaped(browser: Client, make_action: Any) -> None:
    action = make_action(title="<script>alert(1)</script>", measures="<img src=x onerror=alert(2)>")
    for name in ("improvement_action_detail",):
        html = browser.get(reverse(name, args=[action.pk])).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    html = browser.get(reverse("improvement_board")).content.decode()
    assert "<script>alert(1)" not in html


@pytest.mark.django_db
def test_csrf_is_enforced(qm: Any, make_action: Any) -> None:
    action = make_action()
    client = Client(enforce_csrf_checks=True)
    web_login(client, qm)
    response = client.post(
        reverse("improvement_action_step", args=[action.pk]), {"step": "cancel", "note": "x"}
    )
    assert response.status_code == 403
    action.refresh_from_db()
    assert action.stage == Stage.PLAN


@pytest.mark.django_db
def test_owner_sees_plan_editing_but_colleague_does_not(
    make_action: Any, owner: Any, make_user: Any, org: Any
) -> None:
    action = make_action()
    client = Client()
    web_login(client, owner)
    assert client.get(reverse("improvement_action_plan", args=[action.pk])).status_code == 200
    colleague = Client()
    web_login(colleague, make_user("agent", unit=org.hall1))
    assert colleague.get(reverse("improvement_action_plan", args=[action.pk])).status_code == 403
    page = colleague.get(reverse("improvement_action_detail", args=[action.pk])).content.decode()
    assert 'data-testid="steps"' not in page


@pytest.mark.django_db
def test_ticket_page_offers_the_button_to_those_who_may_open(
    browser: Client, make_user: Any, org: Any
) -> None:
    agent = make_user("agent", unit=org.hall1)
    ticket = desk.register_ticket(actor=agent, kind="complaint", channel="phone", title="投诉")
    page = browser.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="open-improvement"' in page
    assert f"source_type=servicedesk.ticket&amp;source_id={ticket.pk}" in page
    assert "source=complaint" in page
    as_agent = Client()
    web_login(as_agent, agent)
    page = as_agent.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="open-improvement"' not in page
