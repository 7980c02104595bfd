"""UI pages: the generic view cases per record, then the workflows' pages."""

from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sqms.core.models import AuditEvent
from sqms.core.tests.view_cases import ViewCase
from sqms.core.tests.web import web_login
from sqms.staff import services
from sqms.staff.models import (
    CertificationType,
    Course,
    Question,
    RewardPenalty,
    ScorecardWeights,
    StaffProfile,
    TrainingPlan,
    TrainingSession,
)
from sqms.staff.tests.conftest import (
    correct_answers,
    make_question,
    new_user,
    scoped_role_permissions,
    scoped_trainer,
    trainer_permissions,
    wrong_answers,
)

pytestmark = pytest.mark.django_db
START = datetime.fromisoformat("2026-03-02T09:00:00+08:00")


def login(user: Any) -> Client:
    return web_login(Client(), user)


class TrainerViews(ViewCase):
    actor_permissions = tuple(trainer_permissions())
    denied_roles = ("agent",)


class TestCourseViews(TrainerViews):
    model = Course
    list_url_name = "staff_course_list"
    detail_url_name = "staff_course_detail"
    create_url_name = "staff_course_create"
    edit_url_name = "staff_course_edit"
    delete_url_name = "staff_course_delete"

    def make_in_scope(self, org: Any, n: int) -> Course:
        return Course.objects.create(
            org_unit=org.hall1,
            code=f"VC{n}",
            title="产品知识",
            course_type="product",
            mode="online",
        )

    def make_out_of_scope(self, org: Any, n: int) -> Course:
        return Course.objects.create(
            org_unit=org.hall2, code=f"VX{n}", title="外部", course_type="product", mode="online"
        )

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "code": "UI-1",
            "title": "投诉处理技巧",
            "course_type": "job_skills",
            "mode": "role_play",
            "hours": 4,
            "description": "",
            "is_active": "on",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "code": obj.code, "title": "改名"}

    def invalid_data(self, org: Any) -> list:
        self.make_in_scope(org, 7777)
        return [
            ({**self.create_data(org), "title": ""}, {"title"}),
            ({**self.create_data(org), "code": "VC7777"}, {"code"}),
            ({**self.create_data(org), "org_unit": org.hall2.pk}, {"org_unit"}),
        ]

    def invalid_edit_data(self, org: Any, obj: Any) -> list:
        return [({**self.edit_data(org, obj), "mode": "x"}, {"mode"})]

    def test_titles_are_escaped(self, browser: Client, org: Any) -> None:
        Course.objects.create(
            org_unit=org.hall1,
            code="XSS",
            title="<script>alert(1)</script>",
            course_type="product",
            mode="online",
        )
        html = browser.get(reverse(self.list_url_name)).content.decode()
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html

    def test_a_higher_units_course_is_visible_but_not_editable(
        self, browser: Client, org: Any
    ) -> None:
        course = Course.objects.create(
            org_unit=org.hq, code="HQ-1", title="总部课程", course_type="product", mode="online"
        )
        assert browser.get(reverse(self.detail_url_name, args=[course.pk])).status_code == 200
        assert browser.get(reverse(self.edit_url_name, args=[course.pk])).status_code == 404
        assert browser.post(reverse(self.delete_url_name, args=[course.pk])).status_code == 404


class TestSessionViews(TrainerViews):
    model = TrainingSession
    list_url_name = "staff_session_list"
    detail_url_name = "staff_session_detail"
    create_url_name = "staff_session_create"
    edit_url_name = "staff_session_edit"
    delete_url_name = "staff_session_delete"

    def _course(self, org: Any) -> Course:
        return Course.objects.get_or_create(
            code="VS",
            defaults={
                "org_unit": org.hq,
                "title": "安全",
                "course_type": "security",
                "mode": "online",
            },
        )[0]

    def _make(self, org: Any, unit: Any) -> TrainingSession:
        return TrainingSession.objects.create(
            org_unit=unit,
            course=self._course(org),
            starts_at=START,
            ends_at=START + timedelta(hours=2),
            trainer=new_user(org_unit=org.branch1),
        )

    def make_in_scope(self, org: Any, n: int) -> TrainingSession:
        return self._make(org, org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> TrainingSession:
        return self._make(org, org.hall2)

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "course": self._course(org).pk,
            "starts_at": "2026-04-01T09:00",
            "ends_at": "2026-04-01T12:00",
            "trainer": new_user(org_unit=org.branch1).pk,
            "capacity": 15,
            "location": "培训室",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "location": "线上"}

    def find_created(self, data: dict[str, Any]) -> Any:
        return TrainingSession.objects.filter(location=data["location"]).first()

    def check_edited(self, obj: Any, data: dict[str, Any]) -> None:
        assert obj.location == data["location"] and obj.capacity == data["capacity"]

    def invalid_data(self, org: Any) -> list:
        return [
            ({**self.create_data(org), "ends_at": "2026-04-01T08:00"}, {"ends_at"}),
            ({**self.create_data(org), "capacity": 0}, {"capacity"}),
        ]

    def test_enrol_and_mark_attendance(self, browser: Client, org: Any) -> None:
        session: Any = self.new_in_scope(org)
        person = new_user(org_unit=org.hall1, roles=["agent"])
        browser.post(reverse("staff_session_enrol", args=[session.pk]), {"person": person.pk})
        enrolment = session.enrolments.get()
        browser.post(
            reverse("staff_enrolment_attendance", args=[enrolment.pk]), {"attended": "yes"}
        )
        enrolment.refresh_from_db()
        assert enrolment.attended and enrolment.completed_on == date(2026, 3, 2)
        trainee = login(person)
        response = trainee.post(
            reverse("staff_enrolment_feedback", args=[enrolment.pk]),
            {"feedback_rating": "5", "feedback_comment": "很好"},
        )
        assert response.status_code == 302
        assert (
            browser.get(reverse("staff_enrolment_feedback", args=[enrolment.pk])).status_code == 404
        )


class TestPlanViews(TrainerViews):
    model = TrainingPlan
    list_url_name = "staff_plan_list"
    detail_url_name = "staff_plan_detail"
    create_url_name = "staff_plan_create"
    edit_url_name = "staff_plan_edit"
    delete_url_name = "staff_plan_delete"

    def make_in_scope(self, org: Any, n: int) -> TrainingPlan:
        return TrainingPlan.objects.create(org_unit=org.hall1, name=f"计划{n}", position="柜员")

    def make_out_of_scope(self, org: Any, n: int) -> TrainingPlan:
        return TrainingPlan.objects.create(org_unit=org.hall2, name=f"计划{n}", position="柜员")

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "name": "坐席岗前计划",
            "position": "坐席",
            "is_active": "on",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "name": "改名"}

    def find_created(self, data: dict[str, Any]) -> Any:
        return TrainingPlan.objects.filter(name=data["name"]).first()

    def invalid_data(self, org: Any) -> list:
        return [({**self.create_data(org), "position": ""}, {"position"})]

    def test_items_and_export(self, browser: Client, org: Any) -> None:
        plan: Any = self.new_in_scope(org)
        course = Course.objects.create(
            org_unit=org.hq, code="P-1", title="信息安全意识", course_type="security", mode="online"
        )
        browser.post(
            reverse("staff_plan_item_add", args=[plan.pk]),
            {"course": course.pk, "due_within_days": 30, "recurrence_months": 12},
        )
        assert plan.items.get().recurrence_months == 12
        response = browser.get(reverse("staff_plan_export"))
        sheet = load_workbook(BytesIO(response.content)).active
        rows = list(sheet.values)
        assert rows[1][0] == plan.name and rows[1][6] == 12
        assert AuditEvent.objects.filter(action="export", object_type="staff.export").exists()


class TestQuestionViews(TrainerViews):
    model = Question
    list_url_name = "staff_question_list"
    detail_url_name = "staff_question_detail"
    create_url_name = "staff_question_create"
    edit_url_name = "staff_question_edit"
    delete_url_name = "staff_question_delete"

    def make_in_scope(self, org: Any, n: int) -> Question:
        return make_question(org.hall1, text=f"题{n}")

    def make_out_of_scope(self, org: Any, n: int) -> Question:
        return make_question(org.hall2, text=f"题{n}")

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "topic": "网络",
            "difficulty": 2,
            "kind": "multiple",
            "text": "UI 新题",
            "options": "基站\n光纤\n信鸽",
            "correct": "1,2",
            "points": 2,
            "explanation": "",
            "is_active": "on",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "text": "改过的题"}

    def find_created(self, data: dict[str, Any]) -> Any:
        return Question.objects.filter(text=data["text"]).first()

    def check_edited(self, obj: Any, data: dict[str, Any]) -> None:
        assert (
            obj.text == data["text"]
            and obj.options == ["基站", "光纤", "信鸽"]
            and obj.correct == [0, 1]
        )

    def invalid_data(self, org: Any) -> list:
        return [
            ({**self.create_data(org), "correct": "7"}, {"correct"}),
            ({**self.create_data(org), "correct": "a"}, {"correct"}),
            ({**self.create_data(org), "options": "只有一个"}, {"options"}),
        ]


class TestCertificationTypeViews(TrainerViews):
    model = CertificationType
    list_url_name = "staff_certtype_list"
    detail_url_name = "staff_certtype_detail"
    create_url_name = "staff_certtype_create"
    edit_url_name = "staff_certtype_edit"
    delete_url_name = "staff_certtype_delete"

    def make_in_scope(self, org: Any, n: int) -> CertificationType:
        return CertificationType.objects.create(
            org_unit=org.hall1, code=f"VT{n}", name="上岗证", ticket_kind="business"
        )

    def make_out_of_scope(self, org: Any, n: int) -> CertificationType:
        return CertificationType.objects.create(
            org_unit=org.hall2, code=f"VT{n}", name="上岗证", ticket_kind="business"
        )

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "code": "UI-CERT",
            "name": "投诉处理资格",
            "ticket_kind": "complaint",
            "category": "",
            "validity_months": 12,
            "enforcement": "block",
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "code": obj.code}

    def check_edited(self, obj: Any, data: dict[str, Any]) -> None:
        assert obj.name == data["name"] and obj.enforcement == "block"

    def invalid_data(self, org: Any) -> list:
        return [({**self.create_data(org), "enforcement": "x"}, {"enforcement"})]


class TestWeightsViews(ViewCase):
    model = ScorecardWeights
    actor_permissions = tuple(scoped_role_permissions("quality_manager"))
    denied_roles = ("agent",)
    list_url_name = "staff_weights_list"
    detail_url_name = "staff_weights_detail"
    create_url_name = "staff_weights_create"
    edit_url_name = "staff_weights_edit"

    def make_in_scope(self, org: Any, n: int) -> ScorecardWeights:
        return ScorecardWeights.objects.create(
            org_unit=org.hall1, position=f"柜员{n}", version=1, effective_from=date(2026, 1, 1)
        )

    def make_out_of_scope(self, org: Any, n: int) -> ScorecardWeights:
        return ScorecardWeights.objects.create(
            org_unit=org.hall2, position=f"柜员{n}", version=1, effective_from=date(2026, 1, 1)
        )

    def create_data(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "position": "坐席UI",
            "effective_from": "2026-04-01",
            "volume_target": 200,
            "w_volume": 20,
            "w_response": 20,
            "w_sla": 10,
            "w_satisfaction": 20,
            "w_error": 10,
            "w_fcr": 10,
            "w_inspection": 5,
            "w_exam": 5,
        }

    def edit_data(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_data(org), "position": obj.position, "volume_target": 99}

    def find_created(self, data: dict[str, Any]) -> Any:
        return ScorecardWeights.objects.filter(position=data["position"]).first()

    def check_edited(self, obj: Any, data: dict[str, Any]) -> None:
        assert obj.volume_target == 99

    def invalid_data(self, org: Any) -> list:
        return [({**self.create_data(org), "w_volume": 95}, {"w_volume"})]


# --- workflows ------------------------------------------------------------------------------


def test_exam_html_never_shows_the_key_before_submission(
    exam: Any, make_user: Any, org: Any
) -> None:
    for question in Question.objects.all():
        question.explanation = "解析-SECRET"
        question.save()
    agent = make_user("agent", unit=org.hall1)
    client = login(agent)
    response = client.post(reverse("staff_exam_start", args=[exam.pk]))
    attempt = exam.attempts.get()
    assert response["Location"] == reverse("staff_attempt", args=[attempt.pk])
    html = client.get(response["Location"]).content.decode()
    assert "解析-SECRET" not in html and "checked" not in html
    for row in attempt.questions.select_related("question"):
        for option in row.question.options:  # every option is offered alike
            assert option in html
    # The radio values are indexes into the original options, the same for right and wrong
    # options; nothing marks which one is right.
    assert 'name="q1"' in html
    assert client.get(reverse("staff_question_list")).status_code == 403
    detail = client.get(reverse("staff_exam_detail", args=[exam.pk])).content.decode()
    assert "解析-SECRET" not in detail


def test_agent_fails_retakes_and_passes_on_the_web(exam: Any, make_user: Any, org: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    client = login(agent)
    client.post(reverse("staff_exam_start", args=[exam.pk]))
    first = exam.attempts.get()
    form = {f"q{p}": [str(v) for v in a] for p, a in wrong_answers(first).items()}
    client.post(reverse("staff_attempt", args=[first.pk]), {**form, "submit": "1"})
    first.refresh_from_db()
    assert first.status == "failed"
    client.post(reverse("staff_exam_start", args=[exam.pk]))
    second = exam.attempts.get(number=2)
    form = {f"q{p}": [str(v) for v in a] for p, a in correct_answers(second).items()}
    client.post(reverse("staff_attempt", args=[second.pk]), {**form, "save": "1"})
    client.post(reverse("staff_attempt", args=[second.pk]), {**form, "submit": "1"})
    second.refresh_from_db()
    assert second.status == "passed"
    archive = client.get(reverse("staff_me"), follow=True).content.decode()
    assert "业务办理上岗证" in archive
    other = login(make_user("agent", unit=org.hall1))
    assert other.get(reverse("staff_attempt", args=[second.pk])).status_code == 404
    assert (
        other.post(reverse("staff_attempt", args=[second.pk]), {"submit": "1"}).status_code == 404
    )


def test_trainer_sees_results_statistics_and_exports(exam: Any, make_user: Any, org: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    attempt = services.start_attempt(exam, actor=agent)
    services.submit_attempt(attempt, actor=agent, answers=correct_answers(attempt))
    trainer = login(scoped_trainer(make_user, org.branch1))
    html = trainer.get(reverse("staff_exam_detail", args=[exam.pk])).content.decode()
    assert agent.username in html or agent.get_full_name() in html
    book = load_workbook(BytesIO(trainer.get(reverse("staff_exam_export", args=[exam.pk])).content))
    assert list(book.active.values)[1][0] == agent.username
    outsider = login(scoped_trainer(make_user, org.branch2))
    assert outsider.get(reverse("staff_exam_detail", args=[exam.pk])).status_code == 404


def test_archive_pages_mask_reveal_and_scope(org: Any, make_user: Any) -> None:
    agent = make_user("agent", unit=org.hall1, position="柜员")
    trainer = scoped_trainer(make_user, org.branch1)
    manager = make_user("unit_manager", unit=org.branch1)
    services.save_profile(agent, actor=trainer, id_number="11010519491231002X", notes="<b>注意</b>")
    page = login(trainer).get(reverse("staff_person_detail", args=[agent.pk])).content.decode()
    assert "1101**********002X" in page and "11010519491231002X" not in page
    assert "&lt;b&gt;注意&lt;/b&gt;" in page
    edit = login(trainer).get(reverse("staff_profile_edit", args=[agent.pk])).content.decode()
    assert "11010519491231002X" not in edit
    # Leaving the personal field empty keeps it.
    login(trainer).post(
        reverse("staff_profile_edit", args=[agent.pk]), {"education": "本科", "id_number": ""}
    )
    assert StaffProfile.objects.get(user=agent).id_number == "11010519491231002X"
    assert (
        login(trainer)
        .post(reverse("staff_profile_reveal", args=[agent.pk, "id_number"]))
        .status_code
        == 403
    )
    revealed = login(manager).post(reverse("staff_profile_reveal", args=[agent.pk, "id_number"]))
    assert "11010519491231002X" in revealed.content.decode()
    assert AuditEvent.objects.filter(action="reveal", object_type="staff.staffprofile").exists()
    far = login(scoped_trainer(make_user, org.hall2))
    assert far.get(reverse("staff_person_detail", args=[agent.pk])).status_code == 404
    assert (
        login(make_user("agent", unit=org.hall1))
        .get(reverse("staff_person_detail", args=[agent.pk]))
        .status_code
        == 403
    )
    assert login(agent).get(reverse("staff_person_detail", args=[agent.pk])).status_code == 200
    listing = login(trainer).get(reverse("staff_person_list"))
    assert reverse("staff_person_detail", args=[agent.pk]) in listing.content.decode()


def test_person_list_query_count(
    org: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    trainer = login(scoped_trainer(make_user, org.branch1))
    url = reverse("staff_person_list")
    trainer.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        trainer.get(url)
    for _ in range(5):
        make_user("agent", unit=org.hall1)
    with CaptureQueriesContext(connection) as many:
        trainer.get(url)
    assert len(few) == len(many)


def test_overdue_page(org: Any, make_user: Any) -> None:
    course = Course.objects.create(
        org_unit=org.hq, code="O-1", title="应急演练", course_type="emergency", mode="drill"
    )
    plan = TrainingPlan.objects.create(org_unit=org.hq, name="年度", position="柜员")
    plan.items.create(course=course, due_within_days=0, recurrence_months=12)
    agent = make_user("agent", unit=org.hall1, position="柜员", hire_date=date(2020, 1, 1))
    TrainingPlan.objects.filter(pk=plan.pk).update(
        created_at=datetime.fromisoformat("2020-01-01T00:00:00+08:00")
    )
    trainer = login(scoped_trainer(make_user, org.branch1))
    html = trainer.get(reverse("staff_overdue")).content.decode()
    assert "应急演练" in html and (agent.get_full_name() in html)
    assert reverse("staff_overdue_export") in html
    book = load_workbook(BytesIO(trainer.get(reverse("staff_overdue_export")).content))
    rows = list(book.active.values)
    assert rows[1][1] == agent.username and rows[1][5] == "应急演练"
    assert AuditEvent.objects.filter(action="export", object_id="overdue-training").exists()
    for name in ("staff_overdue", "staff_overdue_export"):
        assert login(make_user("agent", unit=org.hall1)).get(reverse(name)).status_code == 403


def test_revoking_a_certification_on_the_archive(org: Any, make_user: Any, cert_type: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    trainer = scoped_trainer(make_user, org.branch1)
    certification = services.grant_certification(agent, cert_type, actor=trainer)
    url = reverse("staff_certification_revoke", args=[certification.pk])
    page = login(trainer).get(reverse("staff_person_detail", args=[agent.pk])).content.decode()
    assert url in page
    # Another unit's trainer, and an agent, cannot revoke it.
    assert login(scoped_trainer(make_user, org.hall2)).post(url, {"reason": "x"}).status_code == 404
    assert login(make_user("agent", unit=org.hall1)).post(url, {"reason": "x"}).status_code == 403
    login(trainer).post(url, {"reason": ""})
    certification.refresh_from_db()
    assert not certification.revoked
    login(trainer).post(url, {"reason": "<script>严重差错</script>"})
    certification.refresh_from_db()
    assert certification.revoked and certification.revoked_at is not None
    page = login(trainer).get(reverse("staff_person_detail", args=[agent.pk])).content.decode()
    assert "&lt;script&gt;严重差错&lt;/script&gt;" in page and url not in page
    assert services.certification_check(agent, "business") is not None


def test_scorecard_page_compute_stars_and_export(org: Any, make_user: Any) -> None:
    ScorecardWeights.objects.create(
        org_unit=org.hq, position="", version=1, effective_from=date(2026, 1, 1)
    )
    star = make_user("agent", unit=org.hall1, username="star")
    manager = login(make_user("unit_manager", unit=org.hall1))
    response = manager.post(
        reverse("staff_scorecard_compute"), {"org_unit": org.hall1.pk, "period": "2026-03"}
    )
    assert response.status_code == 302
    # Only the exam component exists without tickets: nobody has data, totals are 0, no star.
    page = manager.get(reverse("staff_scorecard_list"), {"month": "2026-03"}).content.decode()
    assert "star" in page
    book = load_workbook(
        BytesIO(manager.get(reverse("staff_scorecard_export"), {"month": "2026-03"}).content)
    )
    assert any(row[0] == star.username for row in book.active.values)
    assert (
        manager.post(
            reverse("staff_scorecard_compute"), {"org_unit": org.hall2.pk, "period": "2026-03"}
        ).status_code
        == 302
    )
    assert (
        login(make_user("agent", unit=org.hall1)).get(reverse("staff_scorecard_list")).status_code
        == 403
    )


def test_reward_pages(org: Any, make_user: Any) -> None:
    proposer = make_user("unit_manager", unit=org.hall1)
    approver = make_user("unit_manager", unit=org.branch1)
    agent = make_user("agent", unit=org.hall1)
    client = login(proposer)
    response = client.post(
        reverse("staff_reward_create"),
        {
            "person": agent.pk,
            "kind": "reward",
            "reason": "<i>表扬</i>",
            "amount_fen": 10000,
            "points": 3,
            "evidence_ticket": "",
            "evidence_reference": "",
        },
    )
    assert response.status_code == 302
    record = RewardPenalty.objects.get()
    bad = client.post(
        reverse("staff_reward_create"),
        {
            "person": agent.pk,
            "kind": "reward",
            "reason": "x",
            "amount_fen": 0,
            "points": 0,
            "evidence_ticket": "NOPE",
        },
    )
    assert bad.status_code == 200 and bad.context["form"].errors["evidence_ticket"]
    assert RewardPenalty.objects.count() == 1
    detail = client.get(reverse("staff_reward_detail", args=[record.pk])).content.decode()
    assert "&lt;i&gt;表扬&lt;/i&gt;" in detail and 'data-testid="approve"' not in detail
    client.post(reverse("staff_reward_decide", args=[record.pk]), {"decision": "approve"})
    record.refresh_from_db()
    assert record.status == "pending"
    login(approver).post(
        reverse("staff_reward_decide", args=[record.pk]), {"decision": "approve", "note": "同意"}
    )
    record.refresh_from_db()
    assert record.status == "approved"
    assert (
        login(make_user("unit_manager", unit=org.hall2))
        .get(reverse("staff_reward_detail", args=[record.pk]))
        .status_code
        == 404
    )
    assert "JC" in login(agent).get(reverse("staff_me"), follow=True).content.decode()


def test_csrf_is_enforced(org: Any, make_user: Any, exam: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    client = Client(enforce_csrf_checks=True)
    web_login(client, agent)
    assert client.post(reverse("staff_exam_start", args=[exam.pk])).status_code == 403
    assert not exam.attempts.exists()


def test_the_training_department_reaches_every_unit(org: Any, make_user: Any) -> None:
    trainer = make_user("trainer", unit=org.hq)
    agent = make_user("agent", unit=org.hall2)
    assert login(trainer).get(reverse("staff_person_detail", args=[agent.pk])).status_code == 200


def test_pages_render_in_chinese(exam: Any, make_user: Any, org: Any) -> None:
    agent = make_user("agent", unit=org.hall1, language="zh-hans")
    attempt = services.start_attempt(exam, actor=agent)
    client = login(agent)
    paper = client.get(reverse("staff_attempt", args=[attempt.pk])).content.decode()
    assert "考试说明" in paper and "交卷" in paper and "多选题" in paper
    trainer = login(make_user("trainer", unit=org.branch1, language="zh-hans"))
    for name in ("staff_person_list", "staff_course_list", "staff_exam_list", "staff_overdue"):
        assert trainer.get(reverse(name)).status_code == 200
    manager = login(make_user("unit_manager", unit=org.hall1, language="zh-hans"))
    assert "本月服务之星" in manager.get(reverse("staff_scorecard_list")).content.decode()
