"""The inspections API: the generic cases for each endpoint, and the step endpoints."""

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from sqms.core.tests.api_cases import APICase
from sqms.inspections import reviews, services
from sqms.inspections.models import (
    ChecklistVersion,
    Finding,
    Inspection,
    SamplingPlan,
    TicketReview,
)
from sqms.inspections.tests.conftest import closed_ticket, hall_version

P = "inspections."
WORK = (
    P + "view_inspection",
    P + "add_inspection",
    P + "change_inspection",
    P + "delete_inspection",
    P + "view_finding",
    P + "add_finding",
    P + "change_finding",
    P + "delete_finding",
    P + "view_checklisttemplate",
)


def _inspection(org: Any, unit: Any, make_user: Any = None) -> Inspection:
    from sqms.core.tests.factories import UserFactory

    inspector = UserFactory(org_unit=org.hq, roles=["quality_inspector"])
    return services.create_inspection(actor=inspector, version=hall_version(), org_unit=unit)


@pytest.mark.django_db
class TestChecklistAPI(APICase):
    url = "/api/inspections/checklists/"
    model = ChecklistVersion
    actor_roles = ("quality_inspector",)
    denied_roles = ("trainer",)
    actions = ("list", "retrieve")

    def make_in_scope(self, org: Any, n: int) -> ChecklistVersion:
        return ChecklistVersion.objects.create(
            template=hall_version().template, number=100 + n, status="retired"
        )

    def make_out_of_scope(self, org: Any, n: int) -> ChecklistVersion:
        # Drafts are for checklist managers only.
        return ChecklistVersion.objects.create(
            template=hall_version().template, number=100 + n, status="draft"
        )


@pytest.mark.django_db
class TestInspectionAPI(APICase):
    url = "/api/inspections/inspections/"
    model = Inspection
    # Someone else's inspection is changed by a reviewer (a quality manager), not by any
    # holder of the change permission.
    actor_permissions = (*WORK, P + "review_inspection")
    actions = ("list", "retrieve", "create", "partial_update", "destroy")

    def make_in_scope(self, org: Any, n: int) -> Inspection:
        return _inspection(org, org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> Inspection:
        return _inspection(org, org.hall2)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "version": hall_version().pk,
            "org_unit": org.hall1.pk,
            "planned_for": timezone.localdate().isoformat(),
            "summary": "季度例行检查",
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"summary": "改为突击检查", "waiting_minutes": 12}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        review = ChecklistVersion.objects.get(template__code="ticket-review", number=1)
        return [
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "org_unit": 999_999}, {"org_unit"}),
            ({**good, "version": review.pk}, {"version"}),
            ({**good, "version": None}, {"version"}),
            ({**good, "planned_for": "soon"}, {"planned_for"}),
            ({**good, "waiting_minutes": -1}, {"waiting_minutes"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [
            ({"waiting_minutes": "long"}, {"waiting_minutes"}),
            ({"performed_at": "2999-01-01T10:00:00+08:00"}, {"performed_at"}),
            ({"inspected_staff": 999_999}, {"inspected_staff"}),
        ]


@pytest.mark.django_db
class TestFindingAPI(APICase):
    url = "/api/inspections/findings/"
    model = Finding
    actor_permissions = WORK
    actions = ("list", "retrieve", "create", "partial_update", "destroy")

    def _finding(self, org: Any, unit: Any) -> Finding:
        inspection = _inspection(org, unit)
        return services.add_finding(inspection, actor=inspection.inspector, text="地面有积水")

    def make_in_scope(self, org: Any, n: int) -> Finding:
        return self._finding(org, org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> Finding:
        return self._finding(org, org.hall2)

    def create_payload(self, org: Any) -> dict[str, Any]:
        inspection = Inspection.objects.filter(org_unit=org.hall1).first() or _inspection(
            org, org.hall1
        )
        return {"inspection": inspection.pk, "text": "宣传折页过期", "severity": "low"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"severity": "high", "due_date": "2031-01-31"}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        outside = _inspection(org, org.hall2)
        return [
            ({**good, "text": ""}, {"text"}),
            ({**good, "severity": "fatal"}, {"severity"}),
            ({**good, "inspection": outside.pk}, {"inspection"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"text": " "}, {"text"}), ({"due_date": "later"}, {"due_date"})]


@pytest.mark.django_db
class TestSamplingPlanAPI(APICase):
    url = "/api/inspections/plans/"
    model = SamplingPlan
    actor_permissions = (
        P + "view_samplingplan",
        P + "add_samplingplan",
        P + "change_samplingplan",
        P + "delete_samplingplan",
    )
    actions = ("list", "retrieve", "create", "partial_update", "destroy")

    def make_in_scope(self, org: Any, n: int) -> SamplingPlan:
        return SamplingPlan.objects.create(name=f"计划{n}", org_unit=org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> SamplingPlan:
        return SamplingPlan.objects.create(name=f"计划{n}", org_unit=org.hall2)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "name": "一号厅投诉复核",
            "org_unit": org.hall1.pk,
            "share_percent": "10.00",
            "kinds": ["complaint"],
            "seed": 42,
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"share_percent": "7.50", "is_active": False}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_payload(org)
        return [
            ({**good, "share_percent": "120"}, {"share_percent"}),
            ({**good, "kinds": ["gossip"]}, {"kinds"}),
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "name": ""}, {"name"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"share_percent": "-1"}, {"share_percent"}), ({"seed": "x"}, {"seed"})]


@pytest.mark.django_db
class TestTicketReviewAPI(APICase):
    url = "/api/inspections/reviews/"
    model = TicketReview
    actor_permissions = (
        P + "view_inspection",
        P + "view_ticketreview",
        P + "add_ticketreview",
        P + "change_ticketreview",
    )
    denied_roles = ("trainer",)
    actions = ("list", "retrieve", "create")

    def _review(self, org: Any, unit: Any) -> TicketReview:
        from sqms.core.tests.factories import UserFactory

        agent: Any = UserFactory(org_unit=unit, roles=["agent"])
        ticket = closed_ticket(unit, agent, timezone.now() - datetime.timedelta(days=1))
        return TicketReview.objects.create(
            ticket=ticket, org_unit=unit, agent=agent, version=reviews.review_version()
        )

    def make_in_scope(self, org: Any, n: int) -> TicketReview:
        return self._review(org, org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> TicketReview:
        return self._review(org, org.hall2)

    def create_payload(self, org: Any) -> dict[str, Any]:
        from sqms.core.tests.factories import UserFactory

        agent = UserFactory(org_unit=org.hall1, roles=["agent"])
        ticket = closed_ticket(org.hall1, agent, timezone.now() - datetime.timedelta(days=2))
        return {"ticket": ticket.pk}

    def invalid_payloads(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        from sqms.core.tests.factories import UserFactory

        agent = UserFactory(org_unit=org.hall2, roles=["agent"])
        outside = closed_ticket(org.hall2, agent, timezone.now())
        return [
            ({"ticket": 999_999}, {"ticket"}),
            ({"ticket": outside.pk}, {"ticket"}),
            ({"ticket": "x"}, {"ticket"}),
        ]


# --- the step endpoints -------------------------------------------------------------------


@pytest.fixture
def inspector_api(inspector: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(inspector)
    return client


@pytest.mark.django_db
def test_scoring_submitting_and_reviewing_through_the_api(
    org: Any, inspector_api: APIClient, qm: Any, plan_inspection: Any
) -> None:
    inspection = plan_inspection()
    base = f"/api/inspections/inspections/{inspection.pk}/"
    items = list(inspection.version.items.all())
    assert inspector_api.post(base + "submit/").status_code == 409
    bad = inspector_api.post(
        base + "scores/", {"scores": [{"item": items[0].pk, "score": 9}]}, format="json"
    )
    assert bad.status_code == 400 and f"item_{items[0].pk}" in bad.json()
    rows = [{"item": item.pk, "score": item.top_score} for item in items]
    scored = inspector_api.post(base + "scores/", {"scores": rows}, format="json")
    assert scored.status_code == 200, scored.content
    assert scored.json()["status"] == "in_progress" and scored.json()["score"] == "100.00"
    assert inspector_api.post(base + "submit/").json()["status"] == "submitted"
    assert inspector_api.post(base + "review/", {"approve": True}).status_code == 403
    manager = APIClient()
    manager.force_authenticate(qm)
    sent_back = manager.post(base + "review/", {"approve": False})
    assert sent_back.status_code == 400 and "note" in sent_back.json()
    done = manager.post(base + "review/", {"approve": True, "note": "好"})
    assert done.status_code == 200 and done.json()["status"] == "reviewed"


@pytest.mark.django_db
def test_photo_upload_through_the_api_and_served_in_scope(
    org: Any, inspector_api: APIClient, plan_inspection: Any, make_user: Any
) -> None:
    from django.test import Client

    from sqms.core.tests.web import web_login

    inspection = plan_inspection()
    url = f"/api/inspections/inspections/{inspection.pk}/photos/"
    fake = SimpleUploadedFile("x.jpg", b"GIF89a not a jpeg", content_type="image/jpeg")
    refused = inspector_api.post(url, {"file": fake}, format="multipart")
    assert refused.status_code == 400 and "file" in refused.json()
    png = SimpleUploadedFile("ok.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, content_type="image/png")
    uploaded = inspector_api.post(url, {"file": png, "caption": "前台"}, format="multipart")
    assert uploaded.status_code == 201, uploaded.content
    photo_url = uploaded.json()["url"]
    own = Client()
    web_login(own, make_user("unit_manager", unit=org.hall1))
    response = own.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    stranger = Client()
    web_login(stranger, make_user("unit_manager", unit=org.hall2))
    assert stranger.get(photo_url).status_code == 404


@pytest.mark.django_db
def test_open_action_and_draw_and_submit_review_endpoints(
    org: Any, qm: Any, inspector: Any, plan_inspection: Any, make_user: Any
) -> None:
    import time_machine

    manager = APIClient()
    manager.force_authenticate(qm)
    inspection = plan_inspection()
    finding = services.add_finding(inspection, actor=inspector, text="叫号机故障")
    opened = manager.post(f"/api/inspections/findings/{finding.pk}/open-action/", {})
    assert opened.status_code == 200 and opened.json()["improvement_action_number"]
    again = manager.post(f"/api/inspections/findings/{finding.pk}/open-action/", {})
    assert again.status_code == 409

    agent = make_user("agent", unit=org.hall1)
    with time_machine.travel(datetime.datetime(2026, 11, 3, 9, tzinfo=datetime.UTC)):
        for day in range(1, 21):
            closed_ticket(
                org.hall1, agent, datetime.datetime(2026, 10, day, 9, tzinfo=datetime.UTC)
            )
        plan = reviews.create_plan(actor=qm, name="p", org_unit=org.branch1, share_percent="10")
        drawn = manager.post(f"/api/inspections/plans/{plan.pk}/draw/", {"month": "2026-10-01"})
        assert drawn.status_code == 201, drawn.content
        assert drawn.json()["sampled"] == 2
        assert (
            manager.post(
                f"/api/inspections/plans/{plan.pk}/draw/", {"month": "2026-10-01"}
            ).status_code
            == 409
        )
    review = TicketReview.objects.filter(plan=plan).first()
    assert review is not None and review.reviewer == inspector
    client = APIClient()
    client.force_authenticate(inspector)
    rows = [{"item": i.pk, "score": i.top_score} for i in review.version.items.all()]
    body = {"scores": rows, "service_error": True, "service_error_reason": "未按流程回访"}
    done = client.post(f"/api/inspections/reviews/{review.pk}/submit/", body, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["service_error"] is True
    review.ticket.refresh_from_db()
    assert review.ticket.service_error
