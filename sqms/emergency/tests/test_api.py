"""The emergency REST API: the generic cases for each endpoint, and the incident flow through
its action endpoints with refusals answered 400/409 and nothing changed."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sqms.core.tests.api_cases import APICase
from sqms.emergency import services
from sqms.emergency.models import (
    CriticalService,
    Drill,
    DrillProgramme,
    EmergencyPlan,
    Incident,
)
from sqms.emergency.tests.conftest import reported

pytestmark = pytest.mark.django_db

OFFICER = ("emergency_officer",)


def _officer(org: Any, unit: Any) -> Any:
    from sqms.core.tests.factories import UserFactory

    return UserFactory(org_unit=unit, roles=list(OFFICER))


class TestIncidentAPI(APICase):
    url = "/api/emergency/incidents/"
    model = Incident
    actor_roles = OFFICER
    denied_roles = ("trainer",)
    actions = ("list", "retrieve", "create")

    def make_in_scope(self, org: Any, n: int) -> Incident:
        return reported(_officer(org, org.branch1), org.hall1, title=f"故障 {n}")

    def make_out_of_scope(self, org: Any, n: int) -> Incident:
        return reported(_officer(org, org.branch2), org.hall2, title=f"外部 {n}")

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "title": "预警：营业系统登录失败率超阈值",
            "org_unit": org.hall1.pk,
            "source": "alert",
            "source_reference": "ALERT-42",
            "customer_facing": True,
        }

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        future = (timezone.now() + timedelta(hours=1)).isoformat()
        return [
            ({"org_unit": org.hall1.pk}, {"title"}),
            ({"title": "x"}, {"org_unit"}),
            ({"title": "x", "org_unit": org.hall2.pk}, {"org_unit"}),
            ({"title": "x", "org_unit": org.hall1.pk, "detected_at": future}, {"detected_at"}),
            ({"title": "x", "org_unit": org.hall1.pk, "source": "drill"}, {"source"}),
        ]


class TestPlanAPI(APICase):
    url = "/api/emergency/plans/"
    model = EmergencyPlan
    actor_roles = OFFICER
    denied_roles = ("trainer",)

    def make_in_scope(self, org: Any, n: int) -> EmergencyPlan:
        return EmergencyPlan.objects.create(
            code=f"P{n}", title=f"预案 {n}", event_type="outage", org_unit=org.hall1
        )

    def make_out_of_scope(self, org: Any, n: int) -> EmergencyPlan:
        return EmergencyPlan.objects.create(
            code=f"Q{n}", title=f"预案 {n}", event_type="outage", org_unit=org.hall2
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "code": "EP-HALL1-FIRE",
            "title": "一号厅消防预案",
            "event_type": "public_safety",
            "org_unit": org.hall1.pk,
            "review_interval_months": 12,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "title": "改名",
            "event_type": "outage",
            "org_unit": org.hall1.pk,
            "review_interval_months": 6,
            "owner": None,
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"title": "新标题"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"title": "x", "event_type": "outage", "org_unit": org.hall1.pk}, {"code"}),
            (
                {"code": "A", "title": "x", "event_type": "nope", "org_unit": org.hall1.pk},
                {"event_type"},
            ),
            (
                {"code": "A", "title": "x", "event_type": "outage", "org_unit": org.hall2.pk},
                {"org_unit"},
            ),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"title": ""}, {"title"}), ({"org_unit": org.hall2.pk}, {"org_unit"})]

    def test_the_nearest_plans_above_are_visible(self, api: APIClient, org: Any) -> None:
        codes = {row["code"] for row in api.get(self.url, {"page_size": 200}).json()["results"]}
        assert "EP-OUTAGE-HQ" in codes

    def test_seed_plans_cannot_be_deleted(self, api: APIClient, org: Any) -> None:
        plan = EmergencyPlan.objects.get(code="EP-OUTAGE-HQ")
        # Head office is above the actor's branch: visible, but an approved plan is a record.
        assert api.delete(f"{self.url}{plan.pk}/").status_code in (403, 409)
        assert EmergencyPlan.objects.filter(pk=plan.pk).exists()


class TestCriticalServiceAPI(APICase):
    url = "/api/emergency/critical-services/"
    model = CriticalService
    actor_roles = OFFICER
    denied_roles = ("trainer",)

    def make_in_scope(self, org: Any, n: int) -> CriticalService:
        return CriticalService.objects.create(
            code=f"S{n}", name=f"服务 {n}", mtpd_minutes=240, rto_minutes=60, org_unit=org.hall1
        )

    def make_out_of_scope(self, org: Any, n: int) -> CriticalService:
        return CriticalService.objects.create(
            code=f"T{n}", name=f"服务 {n}", mtpd_minutes=240, rto_minutes=60, org_unit=org.hall2
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "code": "BILLING",
            "name": "计费与缴费",
            "mtpd_minutes": 480,
            "rto_minutes": 120,
            "dependencies": [
                {"kind": "system", "name": "计费系统"},
                {"kind": "supplier", "name": "支付通道"},
            ],
            "org_unit": org.branch1.pk,
            "description": "",
            "plans": [],
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "code": obj.code, "rto_minutes": 90}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"rto_minutes": 30}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        base = self.create_payload(org)
        return [
            ({**base, "rto_minutes": 600}, {"rto_minutes"}),
            ({**base, "dependencies": [{"kind": "moon", "name": "x"}]}, {"dependencies"}),
            ({**base, "code": ""}, {"code"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"rto_minutes": 999}, {"rto_minutes"})]


class TestProgrammeAPI(APICase):
    url = "/api/emergency/drill-programmes/"
    model = DrillProgramme
    actor_roles = OFFICER
    denied_roles = ("trainer",)

    def _make(self, org: Any, unit: Any, n: int) -> DrillProgramme:
        owner = _officer(org, unit)
        return DrillProgramme.objects.create(
            plan=EmergencyPlan.objects.get(code="EP-OUTAGE-HQ"),
            title=f"演练 {n}",
            drill_type="tabletop",
            next_due_on=date.today(),
            owner=owner,
            org_unit=unit,
        )

    def make_in_scope(self, org: Any, n: int) -> DrillProgramme:
        return self._make(org, org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> DrillProgramme:
        return self._make(org, org.hall2, n)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "plan": EmergencyPlan.objects.get(code="EP-OUTAGE-HQ").pk,
            "title": "营业系统故障桌面推演",
            "drill_type": "tabletop",
            "interval_months": 6,
            "next_due_on": (date.today() + timedelta(days=30)).isoformat(),
            "owner": _officer(org, org.branch1).pk,
            "org_unit": org.branch1.pk,
            "is_active": True,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "title": "改期"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"interval_months": 12}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        base = self.create_payload(org)
        return [
            ({**base, "interval_months": 0}, {"interval_months"}),
            ({**base, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**base, "title": ""}, {"title"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"drill_type": "party"}, {"drill_type"})]


class TestDrillAPI(APICase):
    url = "/api/emergency/drills/"
    model = Drill
    actor_roles = OFFICER
    denied_roles = ("trainer",)
    actions = ("list", "retrieve", "create")

    def _make(self, org: Any, unit: Any) -> Drill:
        return services.start_drill(
            actor=_officer(org, unit),
            scenario="推演",
            plan=EmergencyPlan.objects.get(code="EP-OUTAGE-HQ"),
            org_unit=unit,
        )

    def make_in_scope(self, org: Any, n: int) -> Drill:
        return self._make(org, org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> Drill:
        return self._make(org, org.hall2)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "plan": EmergencyPlan.objects.get(code="EP-OUTAGE-HQ").pk,
            "drill_type": "functional",
            "scenario": "核心网中断，切换灾备",
            "org_unit": org.hall1.pk,
        }

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        base = self.create_payload(org)
        return [
            ({**base, "scenario": ""}, {"scenario"}),
            ({**base, "drill_type": "party"}, {"drill_type"}),
            ({**base, "org_unit": org.hall2.pk}, {"org_unit"}),
        ]


# --- the incident flow through the API -----------------------------------------------------


@pytest.fixture
def officer_api(org: Any, officer: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(officer)
    return client


def test_incident_flow_and_refusals(officer_api: APIClient, org: Any, officer: Any) -> None:
    base = "/api/emergency/incidents/"
    created = officer_api.post(
        base,
        {
            "title": "宽带大面积断网",
            "org_unit": org.hall1.pk,
            "source": "alert",
            "customer_facing": True,
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    url = f"{base}{pk}/"
    # Skipping ahead is a 409 and changes nothing.
    assert officer_api.post(f"{url}activate/", {}).status_code == 409
    assert officer_api.post(f"{url}close/", {}).status_code == 409
    bad = officer_api.post(f"{url}assess/", {"event_type": "outage", "level": 9})
    assert bad.status_code == 400 and "level" in bad.json()
    assessed = officer_api.post(f"{url}assess/", {"event_type": "outage", "level": 2})
    assert assessed.status_code == 200, assessed.content
    assert assessed.json()["plan"].startswith("EP-OUTAGE-HQ")
    unknown = officer_api.post(f"{url}activate/", {"assignments": {"nobody": officer.pk}})
    assert unknown.status_code == 400 and "assignments" in unknown.json()
    active = officer_api.post(f"{url}activate/", {})
    assert active.status_code == 200
    body = active.json()
    assert body["status"] == "activated" and body["tasks"] and body["roles"]
    future = (timezone.now() + timedelta(minutes=30)).isoformat()
    lie = officer_api.post(
        f"{url}timeline/", {"kind": "action", "message": "x", "occurred_at": future}
    )
    assert lie.status_code == 400 and "occurred_at" in lie.json()
    assert officer_api.post(f"{url}respond/", {}).status_code == 200
    notice = officer_api.post(
        f"{url}notices/", {"audience": "public", "title": "宽带故障公告", "body": "正在抢修"}
    )
    assert notice.status_code == 200 and notice.json()["status"] == "informing"
    task = body["tasks"][-1]["id"]
    assert officer_api.post(f"{url}complete-task/", {"task": task}).status_code == 200
    assert officer_api.post(f"{url}complete-task/", {"task": task}).status_code == 409
    assert officer_api.post(f"{url}restore/", {}).status_code == 200
    assert officer_api.post(f"{url}start-review/", {}).status_code == 200
    assert officer_api.post(f"{url}close/", {}).status_code == 409
    assert (
        officer_api.patch(
            f"{url}review/",
            {
                "what_happened": "光缆被挖断",
                "root_cause": "施工未报备",
                "to_change": "建立施工报备联动",
            },
        ).status_code
        == 200
    )
    assert officer_api.post(f"{url}complete-review/", {}).status_code == 200
    closed = officer_api.post(f"{url}close/", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_agent_may_report_but_not_steer(org: Any, make_user: Any, officer: Any) -> None:
    client = APIClient()
    client.force_authenticate(make_user("agent", unit=org.hall1))
    created = client.post(
        "/api/emergency/incidents/", {"title": "叫号机全部黑屏", "org_unit": org.hall1.pk}
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    response = client.post(
        f"/api/emergency/incidents/{pk}/assess/", {"event_type": "equipment", "level": 4}
    )
    assert response.status_code == 403
    assert Incident.objects.get(pk=pk).status == "reported"


def test_frozen_versions_refuse_changes(
    org: Any, head_officer: Any, officer_api: APIClient
) -> None:
    plan = EmergencyPlan.objects.get(code="EP-OUTAGE-HQ")
    # The branch's officer reads head office's plan but may not revise it.
    assert officer_api.post(f"/api/emergency/plans/{plan.pk}/new-draft/", {}).status_code == 403
    officer_api = APIClient()
    officer_api.force_authenticate(head_officer)
    approved = plan.versions.get(number=1)
    response = officer_api.patch(f"/api/emergency/plan-versions/{approved.pk}/", {"summary": "改"})
    assert response.status_code == 409
    draft = officer_api.post(
        f"/api/emergency/plans/{plan.pk}/new-draft/", {"revision_note": "年度修订"}
    )
    assert draft.status_code == 201
    version = draft.json()["id"]
    bad = officer_api.patch(
        f"/api/emergency/plan-versions/{version}/",
        {"steps": [{"phase": "x", "title": "t", "target_minutes": 1}]},
    )
    assert bad.status_code == 400 and "steps" in bad.json()
    approve = officer_api.post(f"/api/emergency/plan-versions/{version}/approve/", {})
    assert approve.status_code == 200 and approve.json()["status"] == "approved"
    assert (
        officer_api.post(f"/api/emergency/plan-versions/{version}/approve/", {}).status_code == 409
    )
