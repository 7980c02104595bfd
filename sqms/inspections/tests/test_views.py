"""The inspection pages: the generic view cases, the scoring form, exports, results, the
checklist editor, plans with "draw this month", the review form and the ticket section."""

import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.inspections import reviews, services
from sqms.inspections.models import Inspection, SamplingPlan, TicketReview
from sqms.inspections.services import ScoreInput
from sqms.inspections.tests.conftest import closed_ticket, full_marks, hall_version

P = "inspections."


def _inspection(org: Any, unit: Any) -> Inspection:
    from sqms.core.tests.factories import UserFactory

    inspector = UserFactory(org_unit=org.hq, roles=["quality_inspector"])
    return services.create_inspection(actor=inspector, version=hall_version(), org_unit=unit)


def login(user: Any) -> Client:
    client = Client()
    web_login(client, user)
    return client


@pytest.mark.django_db
class TestInspectionViews(ViewCase):
    model = Inspection
    list_url_name = "inspections_inspection_list"
    detail_url_name = "inspections_inspection_detail"
    create_url_name = "inspections_inspection_create"
    edit_url_name = "inspections_inspection_edit"
    delete_url_name = "inspections_inspection_delete"
    actor_permissions = (
        P + "view_inspection",
        P + "add_inspection",
        P + "change_inspection",
        P + "delete_inspection",
        P + "review_inspection",
        P + "view_finding",
        P + "add_finding",
    )
    denied_roles = ("agent",)

    def make_in_scope(self, org: Any, n: int) -> Inspection:
        return _inspection(org, org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> Inspection:
        return _inspection(org, org.hall2)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "version": hall_version().pk,
            "org_unit": org.hall1.pk,
            "planned_for": timezone.localdate().isoformat(),
            "summary": "新建检查-视图",
        }

    def find_created(self, data: dict[str, Any]) -> Any:
        return Inspection.objects.filter(summary=data["summary"]).first()

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"summary": "已改", "waiting_minutes": "9", "scenario": "咨询宽带"}

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_data(org)
        return [
            ({**good, "org_unit": org.hall2.pk}, {"org_unit"}),
            ({**good, "version": ""}, {"version"}),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({"waiting_minutes": "-4"}, {"waiting_minutes"})]


@pytest.mark.django_db
class TestPlanViews(ViewCase):
    model = SamplingPlan
    list_url_name = "inspections_plan_list"
    detail_url_name = "inspections_plan_detail"
    create_url_name = "inspections_plan_create"
    edit_url_name = "inspections_plan_edit"
    delete_url_name = "inspections_plan_delete"
    actor_permissions = (
        P + "view_samplingplan",
        P + "add_samplingplan",
        P + "change_samplingplan",
        P + "delete_samplingplan",
        P + "draw_samplingplan",
    )
    denied_roles = ("agent",)

    def make_in_scope(self, org: Any, n: int) -> SamplingPlan:
        return SamplingPlan.objects.create(name=f"计划{n}", org_unit=org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> SamplingPlan:
        return SamplingPlan.objects.create(name=f"计划{n}", org_unit=org.hall2)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {"name": "视图新建计划", "org_unit": org.hall1.pk, "share_percent": "5", "seed": "3"}

    def find_created(self, data: dict[str, Any]) -> Any:
        return SamplingPlan.objects.filter(name=data["name"]).first()

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "name": "改名计划",
            "org_unit": org.hall1.pk,
            "share_percent": "8",
            "seed": "9",
            "is_active": "on",
        }

    def check_edited(self, obj: Any, data: dict[str, Any]) -> None:
        assert obj.name == "改名计划" and obj.share_percent == Decimal("8") and obj.seed == 9

    def invalid_data(self, org: Any) -> list[tuple[dict[str, Any], set[str]]]:
        good = self.create_data(org)
        return [
            ({**good, "share_percent": "101"}, {"share_percent"}),
            ({**good, "name": ""}, {"name"}),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list[tuple[dict[str, Any], set[str]]]:
        return [({**self.edit_data(org, obj), "org_unit": org.hall2.pk}, {"org_unit"})]


# --- the scoring form, review and findings on the page --------------------------------------


@pytest.mark.django_db
def test_scoring_form_saves_and_submits(inspector: Any, plan_inspection: Any) -> None:
    inspection = plan_inspection()
    client = login(inspector)
    url = reverse("inspections_inspection_score", args=[inspection.pk])
    page = client.get(url)
    assert page.status_code == 200
    items = list(inspection.version.items.all())
    assert page.content.decode().count('data-testid="score-item"') == len(items)
    data = {f"item_{i.pk}": str(i.top_score) for i in items}
    data[f"item_{items[0].pk}"] = "0"
    data[f"comment_{items[0].pk}"] = "地面有污渍"
    response = client.post(url, {**data, "then": "submit"})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == "submitted" and inspection.score is not None
    assert inspection.scores.get(item=items[0]).comment == "地面有污渍"
    # A submitted inspection no longer takes scores.
    again = client.post(url, {**data, "then": "save"})
    assert again.status_code == 200 and again.context["form"].errors


@pytest.mark.django_db
def test_incomplete_submission_shows_the_error(inspector: Any, plan_inspection: Any) -> None:
    inspection = plan_inspection()
    client = login(inspector)
    services.start_inspection(inspection, actor=inspector)
    response = client.post(reverse("inspections_inspection_submit", args=[inspection.pk]))
    assert response.status_code == 200
    assert response.context["submit_error"]


@pytest.mark.django_db
def test_review_finding_and_action_from_the_page(
    qm: Any, inspector: Any, plan_inspection: Any
) -> None:
    inspection = plan_inspection()
    services.record_scores(inspection, actor=inspector, scores=full_marks(inspection.version))
    services.submit_inspection(inspection, actor=inspector)
    client = login(qm)
    detail = reverse("inspections_inspection_detail", args=[inspection.pk])
    assert 'data-testid="review-card"' in client.get(detail).content.decode()
    bad = client.post(
        reverse("inspections_inspection_review", args=[inspection.pk]), {"approve": "0"}
    )
    assert bad.status_code == 200 and bad.context["review_form"].errors
    ok = client.post(
        reverse("inspections_inspection_review", args=[inspection.pk]), {"approve": "1"}
    )
    assert ok.status_code == 302
    added = client.post(
        reverse("inspections_finding_add", args=[inspection.pk]),
        {"text": "宣传架挡住无障碍通道", "severity": "high"},
    )
    assert added.status_code == 302
    finding = inspection.findings.get()
    opened = client.post(reverse("inspections_finding_open_action", args=[finding.pk]))
    assert opened.status_code == 302
    finding.refresh_from_db()
    assert finding.improvement_action is not None
    assert finding.improvement_action.number in client.get(detail).content.decode()
    assert client.get(reverse("inspections_finding_list")).status_code == 200


# --- exports and results --------------------------------------------------------------------


@pytest.fixture
def scored(plan_inspection: Any, inspector: Any) -> list[Inspection]:
    made = []
    for fail in (False, True):
        inspection = plan_inspection()
        scores = full_marks(inspection.version)
        if fail:
            critical = inspection.version.items.filter(critical=True).first()
            assert critical is not None
            scores[critical.pk] = ScoreInput(score=0, comment="=SUM(A1)")
        services.record_scores(inspection, actor=inspector, scores=scores)
        services.submit_inspection(inspection, actor=inspector)
        made.append(inspection)
    return made


@pytest.mark.django_db
def test_inspection_export_contents(qm: Any, scored: list[Inspection]) -> None:
    from openpyxl import load_workbook

    response = login(qm).get(reverse("inspections_inspection_export"))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == gettext("Number")
    numbers = {row[0]: row for row in rows[1:]}
    failing = numbers[scored[1].number]
    assert failing[8] == float(scored[1].score or 0) and failing[9] == gettext("Failed")
    assert numbers[scored[0].number][8] == 100.0
    items = list(book.worksheets[1].iter_rows(values_only=True))
    per_inspection = scored[0].version.items.count()
    assert len(items) == 1 + 2 * per_inspection
    comments = [row[8] for row in items[1:] if row[8]]
    assert comments == ["'=SUM(A1)"]  # no formula injection
    from sqms.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="export", object_type="inspections.inspection").exists()


@pytest.mark.django_db
def test_export_needs_the_permission(org: Any, make_user: Any, scored: list[Inspection]) -> None:
    manager = make_user("unit_manager", unit=org.hall1)
    assert login(manager).get(reverse("inspections_inspection_export")).status_code == 403


@pytest.mark.django_db
def test_results_page(qm: Any, scored: list[Inspection]) -> None:
    response = login(qm).get(reverse("inspections_results"))
    assert response.status_code == 200
    assert response.context["totals"]["n"] == 2
    assert response.context["pass_rate"] == 50.0
    weakest = response.context["weakest"][0]
    assert weakest["item"].critical and weakest["share"] == 50.0


# --- checklists -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_checklist_pages_and_draft_editing(qm: Any, inspector: Any) -> None:
    client = login(qm)
    version = hall_version()
    assert client.get(reverse("inspections_checklist_list")).status_code == 200
    assert client.get(reverse("inspections_checklist_detail", args=[version.pk])).status_code == 200
    made = client.post(reverse("inspections_checklist_new_version", args=[version.template_id]))
    assert made.status_code == 302
    draft = version.template.versions.get(status="draft")
    edit = reverse("inspections_checklist_edit", args=[draft.pk])
    assert client.get(edit).status_code == 200
    section = draft.sections.first()
    assert section is not None
    added = client.post(
        edit,
        {
            "what": "item",
            "new-section": section.pk,
            "new-text": "门口防滑垫摆放到位",
            "new-weight": "2",
            "new-scoring": "pass_fail",
            "new-max_score": "1",
        },
    )
    assert added.status_code == 302
    assert draft.items.filter(text="门口防滑垫摆放到位").exists()
    assert client.post(edit, {"what": "publish"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    # Inspectors read checklists but do not edit them; drafts are not shown to them.
    assert login(inspector).get(edit).status_code == 403


# --- plans and reviews ----------------------------------------------------------------------


@pytest.mark.django_db
def test_draw_this_month_and_review_form(
    org: Any, qm: Any, inspector: Any, make_user: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC))
    agent = make_user("agent", unit=org.hall1)
    for day in range(1, 11):
        closed_ticket(org.hall1, agent, datetime.datetime(2026, 11, day, 9, tzinfo=datetime.UTC))
    plan = reviews.create_plan(actor=qm, name="p", org_unit=org.branch1, share_percent="20")
    client = login(qm)
    response = client.post(reverse("inspections_plan_draw", args=[plan.pk]), {"month": "2026-11"})
    assert response.status_code == 302
    assert TicketReview.objects.filter(plan=plan).count() == 2
    again = client.post(reverse("inspections_plan_draw", args=[plan.pk]), {"month": "2026-11"})
    assert again.status_code == 200 and again.context["draw_form"].errors

    review = TicketReview.objects.filter(plan=plan).first()
    assert review is not None
    inspector_client = login(inspector)
    queue = inspector_client.get(reverse("inspections_review_list"))
    assert review in queue.context["page"].object_list
    url = reverse("inspections_review_detail", args=[review.pk])
    items = list(review.version.items.all())
    data = {f"item_{i.pk}": str(i.top_score) for i in items}
    missing = inspector_client.post(url, {**data, "service_error": "on"})
    assert missing.status_code == 200 and "service_error_reason" in missing.context["form"].errors
    done = inspector_client.post(
        url, {**data, "service_error": "on", "service_error_reason": "承诺时限错误"}
    )
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.status == "done" and review.service_error
    assert inspector_client.get(url).status_code == 200
    # The agent sees the review of their own ticket on the ticket page's side card.
    from sqms.inspections.sections import ticket_review_section

    request = type("R", (), {"user": agent})()
    section = ticket_review_section(request, review.ticket)
    assert section is not None and section["reviews"] == [review]
    colleague = make_user("agent", unit=org.hall1)
    request.user = colleague
    assert ticket_review_section(request, review.ticket) is None
    # Export of reviews.
    from openpyxl import load_workbook

    exported = client.get(reverse("inspections_review_export") + "?status=done")
    rows = list(load_workbook(BytesIO(exported.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == review.ticket.number and rows[1][8] == gettext("Yes")


@pytest.mark.django_db
def test_ticket_page_shows_the_review_to_its_agent(
    org: Any, qm: Any, inspector: Any, make_user: Any
) -> None:
    from sqms.servicedesk.services import ticket_url

    agent = make_user("agent", unit=org.hall1)
    ticket = closed_ticket(org.hall1, agent, timezone.now() - datetime.timedelta(days=1))
    review = reviews.queue_review(actor=qm, ticket=ticket, reviewer=inspector)
    items = list(review.version.items.all())
    reviews.submit_review(
        review,
        actor=inspector,
        scores={i.pk: ScoreInput(score=i.top_score) for i in items},
        service_error=True,
        service_error_reason="超时未回访",
    )
    page = login(agent).get(ticket_url(ticket))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="ticket-review-section"' in html and "超时未回访" in html
