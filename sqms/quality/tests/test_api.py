"""The quality API: generic cases for targets, alerts and reports; values; alert actions."""

import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.core.tests.api_cases import APICase
from sqms.quality.choices import AlertStatus, RuleKind
from sqms.quality.models import Alert, AlertRule, EvaluationReport, Indicator, Target

DAY = datetime.date(2026, 1, 5)


def _alert(org: Any, unit: Any, n: int) -> Alert:
    from sqms.core.models import User
    from sqms.core.tests.factories import UserFactory

    owner: Any = User.objects.filter(username="alert-owner").first() or UserFactory(
        org_unit=org.hq, username="alert-owner"
    )
    rule, _ = AlertRule.objects.get_or_create(
        name="api",
        defaults={
            "kind": RuleKind.BAND,
            "indicator": Indicator.objects.get(code="sla_rate"),
            "org_unit": org.hq,
            "owner": owner,
        },
    )
    return Alert.objects.create(
        rule=rule,
        org_unit=unit,
        slice_key=f"s{n}",
        severity="medium",
        owner=owner,
        day=DAY,
        message=f"告警 {n} <b>x</b>",
        last_seen_at=datetime.datetime(2026, 1, 6, tzinfo=datetime.UTC),
    )


class TestTargetAPI(APICase):
    url = "/api/quality/targets/"
    model = Target
    # A unit manager trusted with his branch's targets: scoped (a quality manager sees all).
    actor_roles = ("unit_manager",)
    actor_permissions = ("quality.add_target",)
    actions = ("list", "retrieve", "create")
    reads_denied = True

    def make_in_scope(self, org: Any, n: int) -> Target:
        return Target.objects.create(
            indicator=Indicator.objects.get(code="fcr_rate"),
            org_unit=org.hall1,
            valid_from=DAY + datetime.timedelta(days=n),
            target=80,
            alarm=70,
            reason="x",
        )

    def make_out_of_scope(self, org: Any, n: int) -> Target:
        return Target.objects.create(
            indicator=Indicator.objects.get(code="fcr_rate"),
            org_unit=org.hall2,
            valid_from=DAY,
            target=80,
            alarm=70,
            reason="x",
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "indicator": "sla_rate",
            "org_unit": org.hall1.pk,
            "valid_from": "2026-01-01",
            "target": "95.00",
            "alarm": "90.00",
            "strict": False,
            "reason": "年度目标",
        }

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "reason": ""}, {"reason"}),
            ({**good, "alarm": "99.00"}, {"alarm"}),  # above the target of a higher-is-better
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),  # outside the actor's scope
            ({**good, "indicator": "nonsense"}, {"indicator"}),
            ({**good, "target": "abc"}, {"target"}),
        ]


class TestAlertAPI(APICase):
    url = "/api/quality/alerts/"
    model = Alert
    actor_roles = ("unit_manager",)
    actions = ("list", "retrieve")

    def make_in_scope(self, org: Any, n: int) -> Alert:
        return _alert(org, org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> Alert:
        return _alert(org, org.hall2, n)


class TestReportAPI(APICase):
    url = "/api/quality/reports/"
    model = EvaluationReport
    actor_roles = ("unit_manager",)
    actions = ("list", "retrieve", "create")

    def make_in_scope(self, org: Any, n: int) -> EvaluationReport:
        return EvaluationReport.objects.create(org_unit=org.hall1, year=2025, quarter=1 + n % 4)

    def make_out_of_scope(self, org: Any, n: int) -> EvaluationReport:
        return EvaluationReport.objects.create(org_unit=org.hall2, year=2025, quarter=1)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {"org_unit": org.hall1.pk, "year": 2025, "quarter": 4, "language": "en"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "quarter": 5}, {"quarter"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "year": 1999}, {"year"}),
            ({**good, "year": 2100}, {"year"}),  # a future year
        ]


@pytest.fixture
def manager_api(org: Any, make_user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user("unit_manager", unit=org.branch1))
    return client


@pytest.mark.django_db
def test_values_for_period_and_slice(history: Any, org: Any, manager_api: APIClient) -> None:
    day = history["day"]
    response = manager_api.get(
        "/api/quality/values/",
        {
            "unit": org.hall1.pk,
            "g": "custom",
            "start": day.isoformat(),
            "end": (day + datetime.timedelta(days=2)).isoformat(),
            "codes": "avg_response_minutes,complaint_handling_rate",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    values = {v["code"]: v for v in body["groups"][0]["values"]}
    assert values["avg_response_minutes"]["value"] == 3.0
    assert values["avg_response_minutes"]["band"] == "green"
    assert values["complaint_handling_rate"]["value"] == 50.0
    assert values["complaint_handling_rate"]["band"] == "alarm"
    grouped = manager_api.get(
        "/api/quality/values/",
        {"g": "month", "d": day.isoformat(), "group_by": "kind", "codes": "sla_rate"},
    )
    # Counter visits have no kind: their group is "".
    assert {g["group"] for g in grouped.json()["groups"]} == {"complaint", "business", ""}


@pytest.mark.django_db
def test_values_refuse_bad_input_and_other_units(
    history: Any, org: Any, manager_api: APIClient
) -> None:
    bad = manager_api.get("/api/quality/values/", {"g": "custom", "start": "2026-02-10"})
    assert bad.status_code == 400 and "end" in bad.json()
    assert manager_api.get("/api/quality/values/", {"g": "weekly"}).status_code == 400
    assert manager_api.get("/api/quality/values/", {"codes": "nope"}).status_code == 400
    assert (
        manager_api.get(
            "/api/quality/values/", {"g": "custom", "start": "2026-02-10", "end": "2026-02-01"}
        ).status_code
        == 400
    )
    assert manager_api.get("/api/quality/values/", {"d": "not-a-date"}).status_code == 400
    assert manager_api.get("/api/quality/values/", {"unit": org.hall2.pk}).status_code == 404
    assert (
        manager_api.get("/api/quality/values/", {"staff": history["clerk2"].pk}).status_code == 404
    )
    anonymous = APIClient()
    assert anonymous.get("/api/quality/values/").status_code in (401, 403)


@pytest.mark.django_db
def test_alert_actions(org: Any, make_user: Any) -> None:
    manager = make_user("unit_manager", unit=org.branch1)
    agent = make_user("agent", unit=org.branch1)
    alert = _alert(org, org.hall1, 1)
    other = _alert(org, org.hall2, 2)
    api = APIClient()
    api.force_authenticate(manager)
    url = f"/api/quality/alerts/{alert.pk}/"
    assert api.post(url + "acknowledge/").json()["status"] == AlertStatus.ACKNOWLEDGED
    assert api.post(url + "acknowledge/").status_code == 409
    refused = api.post(url + "close/", {"note": ""})
    assert refused.status_code == 400 and "note" in refused.json()
    assert api.post(url + "link/", {"improvement_action": 999999}).status_code == 400
    closed = api.post(url + "close/", {"note": "已整改"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert api.post(f"/api/quality/alerts/{other.pk}/close/", {"note": "x"}).status_code == 404
    denied = APIClient()
    denied.force_authenticate(agent)
    assert denied.post(f"/api/quality/alerts/{other.pk}/acknowledge/").status_code == 403
    other.refresh_from_db()
    assert other.status == AlertStatus.OPEN


@pytest.mark.django_db
def test_catalogue_endpoint(org: Any, make_user: Any) -> None:
    api = APIClient()
    api.force_authenticate(make_user("auditor", unit=org.hq))
    response = api.get("/api/quality/indicators/", {"page_size": 50})
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert "csat" in codes and "fcr_rate" in codes
    assert api.get("/api/quality/indicators/csat/").json()["source"] == "surveys"
