"""The REST API: generic cases per endpoint, plus versions, campaigns, follow-ups, results."""

import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.core.tests.api_cases import APICase
from sqms.surveys.models import Campaign, FollowUp, InvitationRule, SurveyResponse, SurveyTemplate
from sqms.surveys.tests.conftest import answer, current, post_service

pytestmark = pytest.mark.django_db

QUALITY_PERMS = ("core.view_all_units",)


class TestInvitationRuleAPI(APICase):
    url = "/api/surveys/rules/"
    model = InvitationRule
    actor_roles = ("quality_manager",)
    denied_roles = ("trainer",)

    def make_in_scope(self, org: Any, n: int) -> InvitationRule:
        return InvitationRule.objects.create(
            name=f"规则{n}", org_unit=org.hall1, template=post_service()
        )

    def make_out_of_scope(self, org: Any, n: int) -> InvitationRule:
        return InvitationRule.objects.create(
            name=f"规则{n}", org_unit=org.hall2, template=post_service()
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "name": "投诉归档调查",
            "org_unit": org.hall1.pk,
            "template": post_service().pk,
            "kinds": ["complaint"],
            "channels": [],
            "sampling_rate": 50,
            "quiet_days": 30,
            "expiry_days": 7,
            "low_score_threshold": 2,
            "active": True,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "name": "改名后的规则", "sampling_rate": 20}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"quiet_days": 60}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "name": ""}, {"name"}),
            ({**good, "sampling_rate": 150}, {"sampling_rate"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "kinds": ["nonsense"]}, {"kinds"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"expiry_days": 0}, {"expiry_days"}), ({"org_unit": org.hall2.pk}, {"org_unit"})]

    def test_create(self, api: APIClient, org: Any) -> None:
        # JSON: the lists travel as lists.
        response = api.post(self.url, self.create_payload(org), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["kinds"] == ["complaint"]


class TestCampaignAPI(APICase):
    url = "/api/surveys/campaigns/"
    model = Campaign
    actor_roles = ("quality_manager",)
    denied_roles = ("trainer",)

    def _make(self, unit: Any, n: int) -> Campaign:
        return Campaign.objects.create(
            name=f"季度调查{n}",
            org_unit=unit,
            version=current(post_service()),
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 3, 31),
        )

    def make_in_scope(self, org: Any, n: int) -> Campaign:
        return self._make(org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Campaign:
        return self._make(org.hall2, n)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "name": "2026年二季度满意度调查",
            "org_unit": org.branch1.pk,
            "version": current(post_service()).pk,
            "segment": "gold",
            "period_start": "2026-04-01",
            "period_end": "2026-06-30",
            "quiet_days": 30,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "name": "改名"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"segment": "silver"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "period_end": "2026-01-01"}, {"period_end"}),
            ({**good, "segment": "vip"}, {"segment"}),
            ({**good, "name": ""}, {"name"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"period_start": "2027-01-01"}, {"period_end"})]

    def test_generate_and_close(self, api: APIClient, org: Any) -> None:
        from sqms.surveys.tests.conftest import make_customer

        make_customer(org.hall1)
        campaign = self.new_in_scope(org)
        reply = api.post(f"{self.url}{campaign.pk}/generate/")
        assert reply.status_code == 200, reply.content
        assert reply.json()["invitations_made"] == 1 and reply.json()["status"] == "running"
        assert api.post(f"{self.url}{campaign.pk}/close/").json()["status"] == "closed"
        assert api.post(f"{self.url}{campaign.pk}/close/").status_code == 409


class TestSurveyTemplateAPI(APICase):
    url = "/api/surveys/templates/"
    model = SurveyTemplate
    actor_roles = ("quality_manager",)
    denied_roles = ("trainer",)

    def make_in_scope(self, org: Any, n: int) -> SurveyTemplate:
        return SurveyTemplate.objects.create(code=f"t{n}", name_zh=f"模板{n}", org_unit=org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> SurveyTemplate:
        return SurveyTemplate.objects.create(code=f"t{n}", name_zh=f"模板{n}", org_unit=org.hall2)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "code": "hall_exit",
            "name_zh": "离厅调查",
            "name_en": "Exit survey",
            "org_unit": org.hall1.pk,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"code": obj.code, "name_zh": "新名称", "org_unit": org.hall1.pk}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"name_en": "Renamed"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"code": "post_service", "name_zh": "重复"}, {"code"}),
            ({"code": "x"}, {"name_zh"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"code": "post_service"}, {"code"})]

    def test_draft_questions_and_publish(self, api: APIClient, org: Any) -> None:
        template = self.new_in_scope(org)
        draft = api.post(f"{self.url}{template.pk}/draft/")
        assert draft.status_code == 201
        version = draft.json()["id"]
        question = {
            "version": version,
            "code": "overall",
            "qtype": "rating",
            "dimension": "overall",
            "text_zh": "总体满意度",
            "required": True,
        }
        created = api.post("/api/surveys/questions/", question, format="json")
        assert created.status_code == 201, created.content
        bad = api.post(
            "/api/surveys/questions/", {**question, "code": "c", "qtype": "single"}, format="json"
        )
        assert bad.status_code == 400 and "options" in bad.json()
        assert api.post(f"/api/surveys/versions/{version}/publish/").json()["status"] == "published"
        frozen = api.patch(
            f"/api/surveys/questions/{created.json()['id']}/", {"text_zh": "改"}, format="json"
        )
        assert frozen.status_code == 400
        assert api.post(f"/api/surveys/versions/{version}/publish/").status_code == 409


def test_responses_follow_ups_and_results(
    org: Any, make_user: Any, close_ticket: Any, rule: Any
) -> None:
    from sqms.surveys import services

    manager = make_user("unit_manager", unit=org.branch1)
    inside = answer(
        {"overall": 1, "nps": 3, "comment": "不满意"},
        invitation=services.invite_for_ticket(close_ticket()),
    )
    answer({"overall": 1}, org_unit=org.hall2)
    api = APIClient()
    api.force_authenticate(manager)
    responses = api.get("/api/surveys/responses/").json()
    assert [r["id"] for r in responses["results"]] == [inside.pk]
    assert {"code": "comment", "number": None, "text": "不满意", "choices": []} in responses[
        "results"
    ][0]["answers"]
    follow_ups = api.get("/api/surveys/follow-ups/").json()["results"]
    assert len(follow_ups) == 1
    pk = follow_ups[0]["id"]
    assert api.post(f"/api/surveys/follow-ups/{pk}/complete/", {"outcome": ""}).status_code == 400
    done = api.post(f"/api/surveys/follow-ups/{pk}/complete/", {"outcome": "已回访"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    hall2_follow_up = FollowUp.objects.exclude(pk=pk).get()
    assert api.get(f"/api/surveys/follow-ups/{hall2_follow_up.pk}/").status_code == 404
    results = api.get("/api/surveys/results/").json()
    assert results["summary"]["responses"] == 1 and results["summary"]["csat"] == 0.0
    assert results["response_rate"] == {"invited": 1, "answered": 1, "rate": 100.0}
    assert (
        api.get("/api/surveys/results/", {"start": "2026-05-01", "end": "2026-01-01"}).status_code
        == 400
    )
    assert api.get("/api/surveys/results/", {"org_unit": org.hall2.pk}).status_code == 400
    invitations = api.get("/api/surveys/invitations/").json()["results"]
    assert (
        len(invitations) == 1
        and "token_hash" not in invitations[0]
        and "nonce" not in invitations[0]
    )
    agent = APIClient()
    agent.force_authenticate(make_user("agent", unit=org.hall1))
    assert agent.get("/api/surveys/responses/").status_code == 403
    assert agent.get("/api/surveys/results/").status_code == 403
    assert SurveyResponse.objects.count() == 2
