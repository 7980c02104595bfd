"""The improvement API: the generic cases, and each PDCA endpoint with its refusals."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sqms.core.tests.api_cases import APICase
from sqms.improvement import services
from sqms.improvement.choices import Stage
from sqms.improvement.models import ImprovementAction
from sqms.improvement.tests.helpers import open_in
from sqms.servicedesk import services as desk

URL = "/api/improvement/actions/"


@pytest.mark.django_db
class TestImprovementActionAPI(APICase):
    url = URL
    model = ImprovementAction
    actor_roles = ("quality_manager",)
    denied_roles = ("nobody",)
    actions = ("list", "retrieve", "create", "partial_update")

    def make_in_scope(self, org: Any, n: int) -> ImprovementAction:
        return open_in(org, org.hall1, n, "other")

    def make_out_of_scope(self, org: Any, n: int) -> ImprovementAction:
        return open_in(org, org.hall2, n, "other")

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "source": "survey",
            "title": "满意度回访发现等候过长",
            "problem": "回访中 12% 客户反映等候超过 30 分钟",
            "org_unit": org.hall1.pk,
            "deadline": (timezone.localdate() + timedelta(days=20)).isoformat(),
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"goal": "等候超过 30 分钟的比例降到 3% 以下", "why_1": "高峰期窗口不足"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "source": "rumour"}, {"source"}),
            ({**good, "title": ""}, {"title"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "org_unit": 999_999}, {"org_unit"}),
            ({**good, "deadline": "2001-01-01"}, {"deadline"}),
            ({**good, "deadline": "tomorrow"}, {"deadline"}),
            ({**good, "source_type": "servicedesk.ticket"}, {"source_id"}),
            ({**good, "source_type": "core.auditevent", "source_id": "1"}, {"source_id"}),
            ({**good, "source_type": "nope.nothing", "source_id": "1"}, {"source_id"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"title": ""}, {"title"}),
            ({"target_value": "lots"}, {"target_value"}),
            ({"target_direction": "up"}, {"target_direction"}),
            ({"indicator_code": "sla_rate"}, {"target_value"}),
            ({"deadline": "2001-01-01"}, {"deadline"}),
            ({"owner": 999_999}, {"owner"}),
        ]


# --- the PDCA endpoints --------------------------------------------------------------------


@pytest.fixture
def api(qm: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(qm)
    return client


@pytest.mark.django_db
def test_open_from_a_ticket_by_reference(api: APIClient, make_user: Any, org: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    ticket = desk.register_ticket(actor=agent, kind="complaint", channel="phone", title="投诉")
    response = api.post(
        URL,
        {
            "source": "complaint",
            "source_type": "servicedesk.ticket",
            "source_id": str(ticket.pk),
            "title": "投诉整改",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source_type"] == "servicedesk.ticket" and body["source_id"] == str(ticket.pk)
    assert body["org_unit"] == org.hall1.pk and body["stage"] == "plan"
    assert body["allowed_steps"] == ["start_do", "cancel"]


@pytest.mark.django_db
def test_a_ticket_out_of_scope_cannot_be_named(api: APIClient, make_user: Any, org: Any) -> None:
    agent = make_user("agent", unit=org.hall2)
    ticket = desk.register_ticket(actor=agent, kind="complaint", channel="phone", title="投诉")
    response = api.post(
        URL,
        {
            "source": "complaint",
            "source_type": "servicedesk.ticket",
            "source_id": str(ticket.pk),
            "title": "x",
        },
    )
    assert response.status_code == 400 and "source_id" in response.json()
    assert not ImprovementAction.objects.exists()


@pytest.mark.django_db
def test_run_through_pdca_over_the_api(api: APIClient, make_action: Any, owner: Any) -> None:
    action = make_action(check_due_on=timezone.localdate())
    base = f"{URL}{action.pk}/"
    assert api.post(f"{base}step/", {"step": "start_check"}).status_code == 409
    assert api.post(f"{base}step/", {"step": "start_do"}).json()["stage"] == "do"
    response = api.post(f"{base}progress/", {"note": "替补名单已发布", "progress": 60})
    assert response.status_code == 200 and response.json()["progress"] == 60
    assert api.post(f"{base}progress/", {"note": "x", "progress": 150}).status_code == 400
    api.post(f"{base}step/", {"step": "start_check"})
    proposal = api.get(f"{base}proposal/").json()
    assert proposal["proposed_verdict"] == "" and proposal["measured_value"] is None
    refused = api.post(f"{base}check/", {})
    assert refused.status_code == 400 and "verdict" in refused.json()
    checked = api.post(f"{base}check/", {"verdict": "effective", "measured_value": "97"})
    assert checked.status_code == 200, checked.content
    assert checked.json()["checks"][0]["verdict"] == "effective"
    api.post(f"{base}step/", {"step": "start_act"})
    refused = api.post(f"{base}step/", {"step": "close"})
    assert refused.status_code == 400 and "note" in refused.json()
    done = api.post(f"{base}step/", {"step": "close", "note": "写入制度"})
    assert done.json()["stage"] == Stage.CLOSED
    assert [e["event_type"] for e in done.json()["events"]].count("transition") == 4


@pytest.mark.django_db
def test_steps_need_owner_or_change_right_and_scope(
    make_action: Any, make_user: Any, org: Any, outsider_qm: Any
) -> None:
    action = make_action()
    colleague = APIClient()
    colleague.force_authenticate(make_user("agent", unit=org.hall1))
    assert colleague.post(f"{URL}{action.pk}/step/", {"step": "start_do"}).status_code == 403
    stranger = APIClient()
    stranger.force_authenticate(outsider_qm)
    for suffix, payload in (
        ("step/", {"step": "start_do"}),
        ("progress/", {"note": "x"}),
        ("check/", {"verdict": "effective"}),
    ):
        assert stranger.post(f"{URL}{action.pk}/{suffix}", payload).status_code == 404
    assert stranger.get(f"{URL}{action.pk}/proposal/").status_code == 404
    action.refresh_from_db()
    assert action.stage == Stage.PLAN


@pytest.mark.django_db
def test_bad_step_is_a_400(api: APIClient, make_action: Any) -> None:
    response = api.post(f"{URL}{make_action().pk}/step/", {"step": "teleport"})
    assert response.status_code == 400 and "step" in response.json()


@pytest.mark.django_db
def test_list_filters(api: APIClient, make_action: Any, qm: Any, org: Any) -> None:
    late = make_action(title="逾期的")
    ImprovementAction.objects.filter(pk=late.pk).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    other = services.open_action(
        actor=qm, source="risk", title="风险应对", org_unit=org.call_centre
    )
    ids = lambda **q: {row["id"] for row in api.get(URL, q).json()["results"]}  # noqa: E731
    assert ids(status="overdue") == {late.pk}
    assert ids(source="risk") == {other.pk}
    assert ids(org_unit=org.hall1.pk) == {late.pk}
    assert ids(q="风险") == {other.pk}
    assert ids(owner=late.owner_id) == {late.pk}
    assert api.get(URL, {"stage": "nonsense"}).status_code == 400
    # Units and owners outside the user's scope are not valid filter values.
    assert api.get(URL, {"org_unit": org.hall2.pk}).status_code == 400
