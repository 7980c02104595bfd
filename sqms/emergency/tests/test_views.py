"""The emergency UI: the generic view cases, the incident page's actions with their form
errors, CSRF, escaping, the public status page, plans, drills and the dashboard."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.emergency import services
from sqms.emergency.models import DrillProgramme, EmergencyPlan, Incident
from sqms.emergency.tests.conftest import activated, reported

pytestmark = pytest.mark.django_db


def _officer(unit: Any) -> Any:
    from sqms.core.tests.factories import UserFactory

    return UserFactory(org_unit=unit, roles=["emergency_officer"])


class TestIncidentViews(ViewCase):
    model = Incident
    list_url_name = "emergency:incident_list"
    detail_url_name = "emergency:incident_detail"
    create_url_name = "emergency:incident_create"
    actor_roles = ("emergency_officer",)
    denied_roles = ("trainer",)
    page_size = 25

    def make_in_scope(self, org: Any, n: int) -> Incident:
        return reported(_officer(org.branch1), org.hall1, title=f"故障 {n}")

    def make_out_of_scope(self, org: Any, n: int) -> Incident:
        return reported(_officer(org.branch2), org.hall2, title=f"外部 {n}")

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "title": "营业厅断网",
            "org_unit": org.hall1.pk,
            "source": "ui",
            "customer_facing": "on",
        }

    def find_created(self, data: dict[str, Any]) -> Any:
        return Incident.objects.filter(title=data["title"]).first()

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        future = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        return [
            ({"org_unit": org.hall1.pk, "source": "ui"}, {"title"}),
            ({"title": "x", "org_unit": org.hall2.pk, "source": "ui"}, {"org_unit"}),
            (
                {"title": "x", "org_unit": org.hall1.pk, "source": "ui", "detected_at": future},
                {"detected_at"},
            ),
        ]


class TestProgrammeViews(ViewCase):
    model = DrillProgramme
    list_url_name = "emergency:programme_list"
    create_url_name = "emergency:programme_create"
    edit_url_name = "emergency:programme_edit"
    delete_url_name = "emergency:programme_delete"
    actor_roles = ("emergency_officer",)
    denied_roles = ("trainer",)
    page_size = 25

    def _make(self, unit: Any, n: int) -> DrillProgramme:
        return DrillProgramme.objects.create(
            plan=EmergencyPlan.objects.get(code="EP-OUTAGE-HQ"),
            title=f"演练 {n}",
            drill_type="tabletop",
            next_due_on=date.today(),
            owner=_officer(unit),
            org_unit=unit,
        )

    def make_in_scope(self, org: Any, n: int) -> DrillProgramme:
        return self._make(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> DrillProgramme:
        return self._make(org.hall2, n)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "plan": EmergencyPlan.objects.get(code="EP-OUTAGE-HQ").pk,
            "title": "半年度通信树演练",
            "drill_type": "call_tree",
            "interval_months": 6,
            "next_due_on": (date.today() + timedelta(days=20)).isoformat(),
            "owner": _officer(org.branch1).pk,
            "org_unit": org.branch1.pk,
            "is_active": "on",
        }

    def find_created(self, data: dict[str, Any]) -> Any:
        return DrillProgramme.objects.filter(title=data["title"]).first()

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "title": "改名后的演练"}

    def check_edited(self, obj: Any, data: dict[str, Any]) -> None:
        assert obj.title == "改名后的演练"

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({**self.create_data(org), "interval_months": 0}, {"interval_months"}),
            ({**self.create_data(org), "org_unit": org.hall2.pk}, {"org_unit"}),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({**self.edit_data(org, obj), "title": ""}, {"title"})]


@pytest.fixture
def browser(org: Any, officer: Any) -> Client:
    return web_login(Client(), officer)


def act(browser: Client, incident: Incident, name: str, data: dict[str, Any]) -> Any:
    return browser.post(reverse("emergency:incident_action", args=[incident.pk, name]), data)


def test_the_incident_page_walks_the_flow(browser: Client, org: Any, officer: Any) -> None:
    incident = reported(officer, org.hall1)
    page = browser.get(reverse("emergency:incident_detail", args=[incident.pk])).content.decode()
    assert 'data-testid="form-assess"' in page and 'data-testid="form-activate"' not in page
    assert (
        act(
            browser,
            incident,
            "assess",
            {"event_type": "outage", "level": 2, "customer_facing": "on"},
        ).status_code
        == 302
    )
    page = browser.get(reverse("emergency:incident_detail", args=[incident.pk])).content.decode()
    assert "EP-OUTAGE-HQ v1" in page and 'data-testid="grading"' in page
    assert act(browser, incident, "activate", {}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "activated" and incident.tasks.exists()


def test_refusals_come_back_as_form_errors(browser: Client, org: Any, officer: Any) -> None:
    incident = activated(officer, org.hall1)
    future = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = act(
        browser, incident, "timeline", {"kind": "action", "message": "x", "occurred_at": future}
    )
    assert response.status_code == 200
    assert response.context["forms"]["timeline"].errors["occurred_at"]
    # An illegal step is refused with a message, nothing changes.
    response = act(browser, incident, "close", {})
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.status == "activated"
    assert act(browser, incident, "nonsense", {}).status_code == 403


def test_people_without_the_right_cannot_act(org: Any, officer: Any, make_user: Any) -> None:
    incident = reported(officer, org.hall1)
    agent = web_login(Client(), make_user("agent", unit=org.hall1))
    response = act(agent, incident, "assess", {"event_type": "outage", "level": 1})
    assert response.status_code == 403
    stranger = web_login(Client(), make_user("emergency_officer", unit=org.branch2))
    assert (
        act(stranger, incident, "assess", {"event_type": "outage", "level": 1}).status_code == 404
    )
    incident.refresh_from_db()
    assert incident.status == "reported"


def test_csrf_is_enforced(org: Any, officer: Any) -> None:
    incident = reported(officer, org.hall1)
    client = web_login(Client(enforce_csrf_checks=True), officer)
    response = act(client, incident, "assess", {"event_type": "outage", "level": 1})
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == "reported"


def test_user_text_is_escaped(browser: Client, org: Any, officer: Any) -> None:
    incident = reported(officer, org.hall1, title="<script>alert(1)</script>")
    page = browser.get(reverse("emergency:incident_detail", args=[incident.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_public_status_page(org: Any, officer: Any) -> None:
    anonymous = Client()
    assert "all-well" in anonymous.get("/status/").content.decode()
    incident = activated(officer, org.hall1)
    services.start_response(incident, actor=officer)
    services.publish_notice(
        incident, actor=officer, audience="public", title="宽带<b>故障</b>", body="预计两小时内恢复"
    )
    services.publish_notice(
        incident, actor=officer, audience="staff", title="内部口径", body="仅限员工"
    )
    drill = services.start_drill(
        actor=officer,
        plan=EmergencyPlan.objects.get(code="EP-OUTAGE-HQ"),
        scenario="演练",
        org_unit=org.hall1,
        customer_facing=True,
    )
    exercise = drill.incident
    assert exercise is not None
    services.assess_incident(exercise, actor=officer, event_type="outage", level=2)
    services.activate_incident(exercise, actor=officer)
    services.publish_notice(
        exercise, actor=officer, audience="public", title="演练公告", body="演练"
    )
    response = anonymous.get("/status/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "宽带&lt;b&gt;故障&lt;/b&gt;" in page and "预计两小时内恢复" in page
    assert "内部口径" not in page and "演练公告" not in page
    assert "public-notice" in anonymous.get("/status/?embed=1").content.decode()
    services.restore_service(incident, actor=officer)
    assert "all-well" in anonymous.get("/status/").content.decode()
    services.publish_notice(
        incident, actor=officer, audience="public", title="宽带已恢复", body="感谢理解"
    )
    assert "宽带已恢复" in anonymous.get("/status/").content.decode()


def test_plan_pages(org: Any, head_officer: Any) -> None:
    browser = web_login(Client(), head_officer)
    plan = EmergencyPlan.objects.get(code="EP-OUTAGE-HQ")
    page = browser.get(reverse("emergency:plan_detail", args=[plan.pk])).content.decode()
    assert "全网核心业务中断超过2小时" in page
    assert "应急指挥长" in page
    response = browser.post(reverse("emergency:plan_new_draft", args=[plan.pk]))
    edit_url = response["Location"]
    form = browser.get(edit_url)
    assert form.status_code == 200
    data = {
        key: value if value is not None else ""
        for key, value in form.context["form"].initial.items()
    }
    data["steps"] += "\nrespond | 1,2 | tech | 15 | 启用备用线路"
    assert browser.post(edit_url, data).status_code == 302
    draft = plan.versions.get(number=2)
    assert draft.steps[-1]["title"] == "启用备用线路"
    bad = browser.post(edit_url, {**data, "steps": "nonsense | 1 | tech | 5 | x"})
    assert bad.status_code == 200 and bad.context["form"].errors["steps"]
    approve = browser.post(
        reverse("emergency:version_approve", args=[draft.pk]),
        {"effective_on": date.today().isoformat()},
    )
    assert approve.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "approved"
    # An approved version's edit page sends the officer back to the plan.
    assert browser.get(edit_url).status_code == 302


def test_plan_and_review_pdfs(browser: Client, org: Any, officer: Any) -> None:
    plan = EmergencyPlan.objects.get(code="EP-OUTAGE-HQ")
    version = plan.versions.get(number=1)
    response = browser.get(reverse("emergency:version_pdf", args=[version.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content[:4] == b"%PDF"
    incident = activated(officer, org.hall1)
    services.restore_service(incident, actor=officer)
    services.start_review(incident, actor=officer)
    response = browser.get(reverse("emergency:review_pdf", args=[incident.pk]))
    assert response.content[:4] == b"%PDF"


def test_dashboard_counts(browser: Client, org: Any, officer: Any) -> None:
    activated(officer, org.hall1, level=2)
    activated(officer, org.hall1, level=2)
    reported(officer, org.hall1)
    response = browser.get(reverse("emergency:dashboard"))
    result = response.context["result"]
    assert result["open_total"] == 3 and result["unassessed"] == 1
    assert [row["count"] for row in result["levels"]] == [0, 2, 0, 0]
    assert result["times"]["assess"] is not None
    assert "echarts.min.js" in response.content.decode()


def test_drill_pages(browser: Client, org: Any, officer: Any) -> None:
    plan = EmergencyPlan.objects.get(code="EP-OUTAGE-HQ")
    response = browser.post(
        reverse("emergency:drill_create"),
        {
            "plan": plan.pk,
            "drill_type": "tabletop",
            "scenario": "营业系统宕机推演",
            "org_unit": org.hall1.pk,
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get(is_drill=True)
    assert response["Location"] == reverse("emergency:incident_detail", args=[incident.pk])
    drill = incident.drill
    assert browser.get(reverse("emergency:drill_detail", args=[drill.pk])).status_code == 200
    assert browser.get(reverse("emergency:drill_list")).status_code == 200


def test_plan_settings_and_critical_services(browser: Client, org: Any, officer: Any) -> None:
    from sqms.emergency.models import CriticalService

    plan = EmergencyPlan.objects.get(code="EP-OUTAGE-HQ")
    response = browser.post(
        reverse("emergency:service_create"),
        {
            "code": "BSS",
            "name": "营业受理",
            "mtpd_minutes": 240,
            "rto_minutes": 60,
            "dependencies": "system | CRM营业系统\nsite | 天河数据中心",
            "plans": [plan.pk],
            "org_unit": org.branch1.pk,
        },
    )
    assert response.status_code == 302
    service = CriticalService.objects.get(code="BSS")
    assert service.dependencies[1] == {"kind": "site", "name": "天河数据中心"}
    edit = reverse("emergency:service_edit", args=[service.pk])
    assert browser.get(edit).status_code == 200
    bad = browser.post(
        edit,
        {
            "code": "BSS",
            "name": "营业受理",
            "mtpd_minutes": 60,
            "rto_minutes": 90,
            "org_unit": org.branch1.pk,
        },
    )
    assert bad.status_code == 200 and bad.context["form"].errors["rto_minutes"]
    page = browser.get(reverse("emergency:plan_detail", args=[plan.pk])).content.decode()
    assert "营业受理" in page and "天河数据中心" in page
    settings_url = reverse("emergency:plan_edit", args=[plan.pk])
    assert browser.get(settings_url).status_code == 200
    response = browser.post(
        settings_url,
        {
            "code": plan.code,
            "title": plan.title,
            "event_type": "outage",
            "org_unit": org.hq.pk,
            "owner": officer.pk,
            "review_interval_months": 6,
        },
    )
    # Head office lies above the officer's branch: the plan applies there but is not theirs
    # to move.
    assert response.status_code == 200 and response.context["form"].errors["org_unit"]
    outside = CriticalService.objects.create(
        code="X", name="外部", mtpd_minutes=9, rto_minutes=1, org_unit=org.hall2
    )
    assert browser.get(reverse("emergency:service_edit", args=[outside.pk])).status_code == 404
