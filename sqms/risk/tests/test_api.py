"""REST API of the risk app: the generic cases for risks, matrices and runs, and the actions."""

from datetime import date, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.core.models import AuditEvent
from sqms.core.tests.api_cases import APICase
from sqms.risk import services
from sqms.risk.models import MonteCarloRun, Risk, RiskControl, RiskMatrix

from .test_views import _risk


class ScopedActors:
    @pytest.fixture(autouse=True)
    def _owners(self, org: Any, make_user: Any) -> None:
        self.inside = make_user("quality_manager", unit=org.branch1)
        self.other = make_user("quality_manager", unit=org.branch2)


class TestRiskAPI(ScopedActors, APICase):
    url = "/api/risk/risks/"
    model = Risk
    actor_roles = ("quality_manager",)
    actions = ("list", "retrieve", "create", "update", "partial_update")
    max_list_queries = 10

    def make_in_scope(self, org: Any, n: int) -> Risk:
        return _risk(org.hall1, self.inside, n)

    def make_out_of_scope(self, org: Any, n: int) -> Risk:
        return _risk(org.hall2, self.other, n)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "title": "数据中心停电",
            "category": "technical",
            "org_unit": org.hall1.pk,
            "owner": self.inside.pk,
            "matrix": "4x4",
            "inherent_probability": 3,
            "inherent_impact": 4,
            "current_probability": 2,
            "current_impact": 4,
            "residual_probability": 2,
            "residual_impact": 3,
            "treatment": "mitigate",
            "annual_probability": 0.25,
            "loss_low": 50_000,
            "loss_high": 2_000_000,
            "affected_units": [org.hall1.pk, org.counter1.pk],
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        payload = self.create_payload(org)
        payload.pop("matrix")
        payload.update(title="数据中心停电（更新）", residual_probability=1)
        return payload

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"treatment": "transfer", "treatment_plan": "购买营业中断保险"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "title": ""}, {"title"}),
            ({**good, "inherent_probability": 5}, {"inherent_probability"}),  # 4×4 matrix
            ({**good, "category": "weather"}, {"category"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "loss_low": 3_000_000}, {"loss_high"}),
            ({**good, "matrix": "9x9"}, {"matrix"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"residual_impact": 0}, {"residual_impact"}),
            ({"owner": self.other.pk}, {"owner"}),
            ({"annual_probability": 2, "loss_low": 10, "loss_high": 20}, {"annual_probability"}),
        ]

    def test_created_risk_has_levels_and_flags(self, api: APIClient, org: Any) -> None:
        body = api.post(self.url, self.create_payload(org)).json()
        assert body["inherent_level"] == "extreme"  # 4×4: P3 × I4
        assert body["residual_level"] == "medium"  # P2 × I3
        assert body["flags"] == ["residual_lowered_without_control"]

    def test_register_actions(self, api: APIClient, org: Any) -> None:
        risk = self.new_in_scope(org)
        base = f"{self.url}{risk.pk}/"
        response = api.post(
            f"{base}controls/", {"title": "UPS", "kind": "planned", "owner": self.inside.pk}
        )
        assert response.status_code == 400 and "due_date" in response.json()
        response = api.post(
            f"{base}controls/",
            {"title": "UPS", "kind": "planned", "owner": self.inside.pk, "due_date": "2099-01-01"},
        )
        assert response.status_code == 201, response.content
        control = response.json()["id"]
        response = api.patch(f"{base}controls/{control}/", {"effectiveness": "effective"})
        assert response.status_code == 400 and "effectiveness" in response.json()
        response = api.patch(
            f"{base}controls/{control}/", {"status": "implemented", "effectiveness": "effective"}
        )
        assert response.status_code == 200
        assert RiskControl.objects.get(pk=control).effectiveness == "effective"
        expiry = str(date.today() + timedelta(days=90))
        response = api.post(
            f"{base}acceptances/",
            {"approver": self.inside.pk, "expires_on": expiry, "rationale": "x"},
        )
        assert response.status_code == 409  # treatment is not "accept"
        api.patch(base, {"treatment": "accept"})
        response = api.post(
            f"{base}acceptances/",
            {"approver": self.inside.pk, "expires_on": expiry, "rationale": "x"},
        )
        assert response.status_code == 201, response.content
        response = api.post(
            f"{base}reviews/",
            {"notes": "季度复核", "next_review_due": expiry, "residual_probability": 1},
        )
        assert response.status_code == 201, response.content
        assert response.json()["residual_level"] == "low"
        assert api.post(f"{base}close/", {}).status_code == 400
        assert api.post(f"{base}close/", {"reason": "完成"}).json()["status"] == "closed"
        assert api.post(f"{base}close/", {"reason": "again"}).status_code == 409
        assert api.post(f"{base}reopen/", {"reason": "复发"}).json()["status"] == "open"
        kinds = [line["kind"] for line in api.get(f"{base}history/").json()]
        assert kinds[0] == "reopened" and kinds[-1] == "raised"

    def test_actions_refused_out_of_scope_and_without_change(
        self, api: APIClient, denied_api: APIClient, org: Any, make_user: Any
    ) -> None:
        outside = self.new_out_of_scope(org)
        assert api.post(f"{self.url}{outside.pk}/close/", {"reason": "x"}).status_code == 404
        inside = self.new_in_scope(org)
        auditor = APIClient()
        auditor.force_authenticate(make_user("auditor", unit=org.hq))
        assert auditor.get(f"{self.url}{outside.pk}/").status_code == 200
        before = AuditEvent.objects.count()
        for client in (denied_api, auditor):
            response = client.post(f"{self.url}{inside.pk}/close/", {"reason": "x"})
            assert response.status_code == 403
        assert AuditEvent.objects.count() == before

    def test_filter_by_flag(self, api: APIClient, org: Any) -> None:
        overdue = services.raise_risk(
            actor=self.inside,
            org_unit=org.hall1,
            title="逾期",
            category="process",
            owner=self.inside,
            inherent_probability=2,
            inherent_impact=2,
            review_due=date.today() - timedelta(days=1),
        )
        self.new_in_scope(org)
        ids = [r["id"] for r in api.get(self.url, {"flag": "review_overdue"}).json()["results"]]
        assert ids == [overdue.pk]


class TestRiskMatrixAPI(APICase):
    url = "/api/risk/matrices/"
    model = RiskMatrix
    actor_roles = ("quality_manager",)
    denied_roles = ("agent",)

    def make_in_scope(self, org: Any, n: int) -> RiskMatrix:
        return RiskMatrix.objects.create(
            code=f"m{n}",
            name=f"矩阵{n}",
            probability_levels=[{"name": "低"}, {"name": "高"}],
            impact_levels=[{"name": "小"}, {"name": "大"}],
            risk_levels=[{"code": "ok", "name": "可接受"}, {"code": "bad", "name": "不可接受"}],
            grid=[["ok", "ok"], ["ok", "bad"]],
        )

    def make_out_of_scope(self, org: Any, n: int) -> RiskMatrix:
        pytest.skip("matrices are organisation-wide configuration, not scoped to units")

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "code": "team2",
            "name": "班组二级矩阵",
            "name_en": "Team 2×2",
            "description": "",
            "probability_levels": [
                {"name": "低", "name_en": "Low", "description": "", "colour": ""},
                {"name": "高", "name_en": "High", "description": "", "colour": ""},
            ],
            "impact_levels": [
                {"name": "小", "name_en": "Small", "description": "", "colour": ""},
                {"name": "大", "name_en": "Large", "description": "", "colour": ""},
            ],
            "risk_levels": [
                {
                    "code": "ok",
                    "name": "可接受",
                    "name_en": "",
                    "description": "",
                    "colour": "#198754",
                },
                {
                    "code": "bad",
                    "name": "不可接受",
                    "name_en": "",
                    "description": "",
                    "colour": "#dc3545",
                },
            ],
            "grid": [["ok", "ok"], ["ok", "bad"]],
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        payload = self.create_payload(org)
        payload["code"] = obj.code
        payload["name"] = "改名"
        return payload

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"grid": [["ok", "bad"], ["bad", "bad"]]}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        RiskMatrix.objects.filter(code="5x5").exists()
        return [
            ({**good, "grid": [["ok"]]}, {"grid"}),
            ({**good, "code": "5x5"}, {"code"}),
            ({**good, "name": ""}, {"name"}),
            ({**good, "risk_levels": []}, {"risk_levels"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"grid": [["ok", "worse"], ["ok", "bad"]]}, {"grid"})]

    def test_in_use_matrix_refuses_destructive_change_and_delete(
        self, api: APIClient, org: Any, manager: Any, make_risk: Any
    ) -> None:
        matrix = RiskMatrix.objects.get(code="5x5")
        make_risk(matrix=matrix)
        grid = [list(row) for row in matrix.grid]
        grid[4][4] = "low"
        response = api.patch(f"{self.url}{matrix.pk}/", {"grid": grid}, format="json")
        assert response.status_code == 409 and "grid" in response.json()
        assert api.delete(f"{self.url}{matrix.pk}/").status_code == 409
        levels = [dict(level) for level in matrix.risk_levels]
        levels[3]["colour"] = "#990000"
        response = api.patch(f"{self.url}{matrix.pk}/", {"risk_levels": levels}, format="json")
        assert response.status_code == 200
        assert response.json()["in_use"] is True

    def test_export_and_import(self, api: APIClient) -> None:
        matrix = RiskMatrix.objects.get(code="3x3")
        text = api.get(f"{self.url}{matrix.pk}/export/", {"format": "json"}).content.decode()
        response = api.post(f"{self.url}import/", {"text": text.replace('"3x3"', '"c3"')})
        assert response.status_code == 201, response.content
        assert response.json()["grid"] == matrix.grid
        yaml_text = api.get(f"{self.url}{matrix.pk}/export/").content.decode()
        assert "grid:" in yaml_text
        assert api.post(f"{self.url}import/", {"text": yaml_text}).status_code == 200
        assert api.post(f"{self.url}import/", {"text": "{"}).status_code == 400


class TestMonteCarloRunAPI(ScopedActors, APICase):
    url = "/api/risk/simulations/"
    model = MonteCarloRun
    actor_roles = ("quality_manager",)
    actions = ("list", "retrieve", "create")
    max_list_queries = 10

    def _quantified(self, unit: Any, owner: Any, n: int) -> Risk:
        return _risk(unit, owner, n, annual_probability="0.5", loss_low=1000, loss_high=9000)

    def make_in_scope(self, org: Any, n: int) -> MonteCarloRun:
        from sqms.risk.simulation import request_run

        risk = self._quantified(org.hall1, self.inside, n)
        return request_run(
            actor=self.inside,
            title=f"模拟{n}",
            risks=[risk],
            org_unit=org.hall1,
            iterations=1000,
            seed=n,
        )

    def make_out_of_scope(self, org: Any, n: int) -> MonteCarloRun:
        from sqms.risk.simulation import request_run

        risk = self._quantified(org.hall2, self.other, n)
        return request_run(
            actor=self.other,
            title=f"模拟{n}",
            risks=[risk],
            org_unit=org.hall2,
            iterations=1000,
            seed=n,
        )

    @pytest.fixture(autouse=True)
    def _payload_risk(self, org: Any, _owners: None) -> None:
        # Made before the test starts, so building a payload writes nothing.
        self.payload_risk = self._quantified(org.hall1, self.inside, 900)

    def create_payload(self, org: Any) -> dict[str, Any]:
        risk = self.payload_risk
        return {
            "title": "全年损失评估",
            "org_unit": org.branch1.pk,
            "risks": [risk.pk],
            "iterations": 2000,
            "seed": 12345,
            "frequency_model": "bernoulli",
        }

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        bare = _risk(org.hall1, self.inside, 901)
        return [
            ({**good, "risks": []}, {"risks"}),
            ({**good, "risks": [bare.pk]}, {"risks"}),
            ({**good, "iterations": 5}, {"iterations"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "seed": -1}, {"seed"}),
        ]
