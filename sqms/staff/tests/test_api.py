"""The staff API: the generic cases per endpoint, then the candidate's exam over the API."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.core.tests.api_cases import APICase, audit_count
from sqms.servicedesk.models import Ticket
from sqms.staff import services
from sqms.staff.models import (
    Certification,
    CertificationType,
    Course,
    Enrolment,
    Exam,
    Question,
    RewardPenalty,
    Scorecard,
    ScorecardWeights,
    StaffProfile,
    TrainingPlan,
    TrainingSession,
)
from sqms.staff.tests.conftest import (
    correct_answers,
    make_question,
    scoped_role_permissions,
    scoped_trainer,
    trainer_permissions,
)

pytestmark = pytest.mark.django_db
START = datetime.fromisoformat("2026-03-02T09:00:00+08:00")


class TrainerCase(APICase):
    actor_permissions = tuple(trainer_permissions())


class TestCourseAPI(TrainerCase):
    url = "/api/staff/courses/"
    model = Course

    def make_in_scope(self, org: Any, n: int) -> Course:
        return Course.objects.create(
            org_unit=org.hall1, code=f"C{n}", title="产品知识", course_type="product", mode="online"
        )

    def make_out_of_scope(self, org: Any, n: int) -> Course:
        return Course.objects.create(
            org_unit=org.hall2, code=f"X{n}", title="外部", course_type="product", mode="online"
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "code": "NEW-1",
            "title": "5G 套餐",
            "course_type": "product",
            "mode": "classroom",
            "hours": 3,
            "description": "",
            "is_active": True,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "code": obj.code, "title": "改名"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"title": "应急演练"}

    def invalid_payloads(self, org: Any) -> list:
        self.make_in_scope(org, 9999)
        return [
            ({"title": ""}, {"title", "code"}),
            ({**self.create_payload(org), "course_type": "nope"}, {"course_type"}),
            ({**self.create_payload(org), "code": "C9999"}, {"code"}),
            ({**self.create_payload(org), "org_unit": org.hall2.pk}, {"org_unit"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"mode": "x"}, {"mode"}), ({"org_unit": org.hq.pk}, {"org_unit"})]


class TestSessionAPI(TrainerCase):
    url = "/api/staff/sessions/"
    model = TrainingSession

    def _course(self, org: Any) -> Course:
        return Course.objects.get_or_create(
            code="S-C",
            defaults={
                "org_unit": org.hq,
                "title": "安全",
                "course_type": "security",
                "mode": "online",
            },
        )[0]

    def _trainer(self, org: Any) -> Any:
        from sqms.staff.tests.conftest import new_user

        return new_user(org_unit=org.branch1, roles=["trainer"])

    def make_in_scope(self, org: Any, n: int) -> TrainingSession:
        return TrainingSession.objects.create(
            org_unit=org.hall1,
            course=self._course(org),
            starts_at=START,
            ends_at=START + timedelta(hours=2),
            trainer=self._trainer(org),
        )

    def make_out_of_scope(self, org: Any, n: int) -> TrainingSession:
        return TrainingSession.objects.create(
            org_unit=org.hall2,
            course=self._course(org),
            starts_at=START,
            ends_at=START + timedelta(hours=2),
            trainer=self._trainer(org),
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "course": self._course(org).pk,
            "starts_at": "2026-03-02T09:00:00+08:00",
            "ends_at": "2026-03-02T12:00:00+08:00",
            "trainer": self._trainer(org).pk,
            "capacity": 12,
            "location": "培训室 A",
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "capacity": 30}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"location": "线上"}

    def invalid_payloads(self, org: Any) -> list:
        outside = Course.objects.create(
            org_unit=org.hall2, code="OUT", title="x", course_type="product", mode="online"
        )
        return [
            ({**self.create_payload(org), "ends_at": "2026-03-02T08:00:00+08:00"}, {"ends_at"}),
            ({**self.create_payload(org), "course": outside.pk}, {"course"}),
            ({**self.create_payload(org), "capacity": 0}, {"capacity"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"starts_at": "not a time"}, {"starts_at"})]


class TestPlanAPI(TrainerCase):
    url = "/api/staff/plans/"
    model = TrainingPlan

    def make_in_scope(self, org: Any, n: int) -> TrainingPlan:
        return TrainingPlan.objects.create(org_unit=org.hall1, name=f"计划{n}", position="柜员")

    def make_out_of_scope(self, org: Any, n: int) -> TrainingPlan:
        return TrainingPlan.objects.create(org_unit=org.hall2, name=f"计划{n}", position="柜员")

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "name": "柜员年度计划",
            "position": "柜员",
            "is_active": True,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "name": "改"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"is_active": False}

    def invalid_payloads(self, org: Any) -> list:
        return [({"org_unit": org.branch1.pk}, {"name", "position"})]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"name": ""}, {"name"})]


class TestQuestionAPI(TrainerCase):
    url = "/api/staff/questions/"
    model = Question

    def make_in_scope(self, org: Any, n: int) -> Question:
        return make_question(org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> Question:
        return make_question(org.hall2)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "topic": "资费",
            "difficulty": 2,
            "kind": "multiple",
            "text": "哪些属于 5G 权益？",
            "options": ["视频会员", "流量", "话费"],
            "correct": [0, 1],
            "points": 2,
            "explanation": "",
            "is_active": True,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "text": "改"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"difficulty": 3}

    def invalid_payloads(self, org: Any) -> list:
        base = self.create_payload(org)
        return [
            ({**base, "correct": [5]}, {"correct"}),
            ({**base, "kind": "single", "correct": [0, 1]}, {"correct"}),
            ({**base, "options": ["只有一个"]}, {"options"}),
            ({**base, "difficulty": 9}, {"difficulty"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"correct": [0, 1]}, {"correct"}), ({"points": 0}, {"points"})]


class TestExamAPI(TrainerCase):
    url = "/api/staff/exams/"
    model = Exam
    reads_denied = False  # agents read the published exams they may sit

    def make_in_scope(self, org: Any, n: int) -> Exam:
        if not Question.objects.exists():
            make_question(org.hq, difficulty=1)
        return Exam.objects.create(
            org_unit=org.hall1,
            title=f"考试{n}",
            rules=[{"topic": "资费", "difficulty": 1, "count": 1}],
            is_published=True,
        )

    def make_out_of_scope(self, org: Any, n: int) -> Exam:
        if not Question.objects.exists():
            make_question(org.hq, difficulty=1)
        return Exam.objects.create(
            org_unit=org.hall2,
            title=f"考试{n}",
            rules=[{"topic": "资费", "difficulty": 1, "count": 1}],
            is_published=True,
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "title": "资费考试",
            "course": None,
            "rules": [{"topic": "资费", "difficulty": 1, "count": 2}],
            "duration_minutes": 20,
            "pass_mark": 80,
            "max_attempts": 2,
            "grants": None,
            "is_published": False,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "title": "改"}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"pass_mark": 70}

    def invalid_payloads(self, org: Any) -> list:
        base = self.create_payload(org)
        return [
            ({**base, "rules": []}, {"rules"}),
            ({**base, "rules": [{"topic": "资费", "difficulty": 1}]}, {"rules"}),
            ({**base, "pass_mark": 0}, {"pass_mark"}),
            (
                {
                    **base,
                    "is_published": True,
                    "rules": [{"topic": "无此题", "difficulty": 1, "count": 1}],
                },
                {"rules"},
            ),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"rules": "x"}, {"rules"}), ({"duration_minutes": 0}, {"duration_minutes"})]


class TestCertificationTypeAPI(TrainerCase):
    url = "/api/staff/certification-types/"
    model = CertificationType

    def make_in_scope(self, org: Any, n: int) -> CertificationType:
        return CertificationType.objects.create(
            org_unit=org.hall1, code=f"T{n}", name="上岗证", ticket_kind="business"
        )

    def make_out_of_scope(self, org: Any, n: int) -> CertificationType:
        return CertificationType.objects.create(
            org_unit=org.hall2, code=f"T{n}", name="上岗证", ticket_kind="business"
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "code": "BIZ",
            "name": "业务办理上岗证",
            "ticket_kind": "business",
            "category": None,
            "validity_months": 24,
            "enforcement": "block",
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "code": obj.code}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"enforcement": "warn"}

    def invalid_payloads(self, org: Any) -> list:
        return [
            ({**self.create_payload(org), "enforcement": "maybe"}, {"enforcement"}),
            ({"name": "x"}, {"code", "org_unit"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"ticket_kind": "x"}, {"ticket_kind"})]


class TestWeightsAPI(APICase):
    url = "/api/staff/weights/"
    model = ScorecardWeights
    actor_permissions = tuple(scoped_role_permissions("quality_manager"))
    actions = ("list", "retrieve", "create", "update", "partial_update")

    def make_in_scope(self, org: Any, n: int) -> ScorecardWeights:
        return ScorecardWeights.objects.create(
            org_unit=org.hall1, position=f"柜员{n}", version=1, effective_from=date(2026, 1, 1)
        )

    def make_out_of_scope(self, org: Any, n: int) -> ScorecardWeights:
        return ScorecardWeights.objects.create(
            org_unit=org.hall2, position=f"柜员{n}", version=1, effective_from=date(2026, 1, 1)
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "org_unit": org.branch1.pk,
            "position": "坐席",
            "effective_from": "2026-04-01",
            "volume_target": 300,
            "w_volume": 20,
            "w_response": 20,
            "w_sla": 10,
            "w_satisfaction": 20,
            "w_error": 10,
            "w_fcr": 10,
            "w_inspection": 5,
            "w_exam": 5,
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {**self.create_payload(org), "position": obj.position}

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"volume_target": 50}

    def invalid_payloads(self, org: Any) -> list:
        return [({**self.create_payload(org), "w_volume": 90}, {"w_volume"})]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"w_exam": 50}, {"w_volume"})]

    def test_delete(self, api: APIClient, org: Any) -> None:  # weights are kept as history
        obj: Any = self.new_in_scope(org)
        assert api.delete(self.detail_url(obj)).status_code == 403

    def test_versions_count_up_and_used_weights_are_frozen(
        self, api: APIClient, org: Any, make_user: Any
    ) -> None:
        first = api.post(self.url, self.create_payload(org)).json()
        second = api.post(
            self.url, {**self.create_payload(org), "effective_from": "2026-07-01"}
        ).json()
        assert (first["version"], second["version"]) == (1, 2)
        weights = ScorecardWeights.objects.get(pk=first["id"])
        Scorecard.objects.create(
            person=make_user("agent", unit=org.branch1),
            period=date(2026, 4, 1),
            org_unit=org.branch1,
            weights=weights,
            total=0,
        )
        assert api.patch(self.detail_url(weights), {"volume_target": 5}).status_code == 409


class TestRewardAPI(APICase):
    url = "/api/staff/rewards/"
    model = RewardPenalty
    actor_roles = ("unit_manager",)

    def _person(self, org: Any, unit: Any) -> Any:
        from sqms.staff.tests.conftest import new_user

        return new_user(org_unit=unit, roles=["agent"])

    def make_in_scope(self, org: Any, n: int) -> RewardPenalty:
        return RewardPenalty.objects.create(
            number=f"JC{n:014d}",
            person=self._person(org, org.hall1),
            org_unit=org.hall1,
            kind="reward",
            reason="表扬",
            created_by=self._actor,
        )

    def make_out_of_scope(self, org: Any, n: int) -> RewardPenalty:
        return RewardPenalty.objects.create(
            number=f"JC{n:014d}",
            person=self._person(org, org.hall2),
            org_unit=org.hall2,
            kind="reward",
            reason="表扬",
        )

    @pytest.fixture(autouse=True)
    def _remember_actor(self, actor: Any) -> None:
        self._actor = actor

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "person": self._person(org, org.hall1).pk,
            "kind": "penalty",
            "reason": "服务差错",
            "amount_fen": 5000,
            "points": 2,
            "evidence_ticket": None,
            "evidence_reference": "质检 QC-12",
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "person": obj.person_id,
            "kind": "reward",
            "reason": "改",
            "amount_fen": 100,
            "points": 1,
            "evidence_ticket": None,
            "evidence_reference": "",
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"points": 3}

    def invalid_payloads(self, org: Any) -> list:
        far = self._person(org, org.hall2)
        return [
            ({**self.create_payload(org), "person": far.pk}, {"person"}),
            ({**self.create_payload(org), "amount_fen": -1}, {"amount_fen"}),
            ({**self.create_payload(org), "reason": ""}, {"reason"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"kind": "bonus"}, {"kind"}), ({"reason": "  "}, {"reason"})]

    def test_approval_over_the_api(self, api: APIClient, org: Any, make_user: Any) -> None:
        proposed = api.post(self.url, self.create_payload(org)).json()
        assert proposed["status"] == "pending"
        assert (
            api.post(f"{self.url}{proposed['id']}/approve/", {}).status_code == 403
        )  # own proposal
        other = APIClient()
        other.force_authenticate(make_user("unit_manager", unit=org.branch1))
        response = other.post(f"{self.url}{proposed['id']}/reject/", {"note": "证据不足"})
        assert response.status_code == 200 and response.json()["status"] == "rejected"
        assert other.post(f"{self.url}{proposed['id']}/approve/", {}).status_code == 409
        agent = APIClient()
        agent.force_authenticate(make_user("agent", unit=org.hall1))
        assert agent.post(f"{self.url}{proposed['id']}/approve/", {}).status_code == 403


class TestProfileAPI(TrainerCase):
    url = "/api/staff/profiles/"
    model = StaffProfile
    actions = ("list", "retrieve", "create", "update", "partial_update")
    write_only_fields = ("id_number", "home_address", "emergency_phone")

    def _person(self, unit: Any) -> Any:
        from sqms.staff.tests.conftest import new_user

        return new_user(org_unit=unit, roles=["agent"])

    def make_in_scope(self, org: Any, n: int) -> StaffProfile:
        return StaffProfile.objects.create(
            user=self._person(org.hall1), org_unit=org.hall1, id_number="11010519491231002X"
        )

    def make_out_of_scope(self, org: Any, n: int) -> StaffProfile:
        return StaffProfile.objects.create(user=self._person(org.hall2), org_unit=org.hall2)

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "user": self._person(org.hall1).pk,
            "id_number": "11010519491231002X",
            "education": "本科",
            "skills": "普通话二甲",
            "notes": "",
        }

    def update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {
            "user": obj.user_id,
            "education": "硕士",
            "skills": "",
            "notes": "优秀",
            "emergency_contact": "李四",
        }

    def partial_update_payload(self, org: Any, obj: Any) -> dict[str, Any]:
        return {"home_address": "北京市朝阳区建国路 1 号"}

    def invalid_payloads(self, org: Any) -> list:
        return [
            ({**self.create_payload(org), "id_number": "123"}, {"id_number"}),
            ({"education": "x"}, {"user"}),
        ]

    def invalid_update_payloads(self, org: Any, obj: Any) -> list:
        return [({"id_number": "110105194912310021"}, {"id_number"})]

    def test_personal_fields_are_masked(self, api: APIClient, org: Any) -> None:
        obj: Any = self.new_in_scope(org)
        body = api.get(self.detail_url(obj)).json()
        assert body["id_number_masked"] == "1101**********002X"
        assert "11010519491231002X" not in str(body)


class TestCertificationAPI(TrainerCase):
    url = "/api/staff/certifications/"
    model = Certification
    actions = ("list", "retrieve", "create")

    def _type(self, org: Any) -> CertificationType:
        return CertificationType.objects.get_or_create(
            code="GEN", defaults={"org_unit": org.hq, "name": "通用上岗证", "validity_months": 6}
        )[0]

    def _person(self, unit: Any) -> Any:
        from sqms.staff.tests.conftest import new_user

        return new_user(org_unit=unit, roles=["agent"])

    def make_in_scope(self, org: Any, n: int) -> Certification:
        return Certification.objects.create(
            person=self._person(org.hall1),
            org_unit=org.hall1,
            cert_type=self._type(org),
            obtained_on=date(2026, 1, 1),
            expires_on=date(2026, 7, 1),
        )

    def make_out_of_scope(self, org: Any, n: int) -> Certification:
        return Certification.objects.create(
            person=self._person(org.hall2),
            org_unit=org.hall2,
            cert_type=self._type(org),
            obtained_on=date(2026, 1, 1),
            expires_on=date(2026, 7, 1),
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {
            "person": self._person(org.hall1).pk,
            "cert_type": self._type(org).pk,
            "obtained_on": "2026-02-01",
        }

    def invalid_payloads(self, org: Any) -> list:
        return [
            ({**self.create_payload(org), "person": self._person(org.hall2).pk}, {"person"}),
            ({"person": ""}, {"cert_type", "obtained_on"}),
        ]

    def test_expiry_follows_the_type(self, api: APIClient, org: Any) -> None:
        body = api.post(self.url, self.create_payload(org)).json()
        assert body["expires_on"] == "2026-08-01"

    def test_revoke_keeps_the_reason_once(self, api: APIClient, org: Any) -> None:
        certification = self.new_in_scope(org)
        url = f"{self.detail_url(certification)}revoke/"
        before = audit_count()
        missing = api.post(url, {"reason": " "}, format="json")
        assert missing.status_code == 400 and "reason" in missing.json()
        body = api.post(url, {"reason": "严重服务差错"}, format="json").json()
        assert body["revoked"] is True and body["revoke_reason"] == "严重服务差错"
        assert body["revoked_at"]
        assert audit_count() == before + 1
        again = api.post(url, {"reason": "again"}, format="json")
        assert again.status_code == 409
        assert Certification.objects.get(pk=certification.pk).revoke_reason == "严重服务差错"

    def test_revoke_needs_scope_and_permission(
        self, api: APIClient, denied_api: APIClient, org: Any
    ) -> None:
        outside = self.new_out_of_scope(org)
        assert api.post(f"{self.detail_url(outside)}revoke/", {"reason": "x"}).status_code == 404
        inside = self.new_in_scope(org)
        refused = denied_api.post(f"{self.detail_url(inside)}revoke/", {"reason": "x"})
        assert refused.status_code == 403
        assert not Certification.objects.get(pk=inside.pk).revoked


class TestEnrolmentAPI(TrainerCase):
    url = "/api/staff/enrolments/"
    model = Enrolment
    actions = ("list", "retrieve", "create", "destroy")

    def _session(self, org: Any, unit: Any) -> TrainingSession:
        from sqms.staff.tests.conftest import new_user

        course = Course.objects.get_or_create(
            code="E-C",
            defaults={
                "org_unit": org.hq,
                "title": "安全",
                "course_type": "security",
                "mode": "online",
            },
        )[0]
        return TrainingSession.objects.create(
            org_unit=unit,
            course=course,
            starts_at=START,
            ends_at=START + timedelta(hours=2),
            trainer=new_user(org_unit=org.branch1),
        )

    def _person(self, unit: Any) -> Any:
        from sqms.staff.tests.conftest import new_user

        return new_user(org_unit=unit, roles=["agent"])

    def make_in_scope(self, org: Any, n: int) -> Enrolment:
        return Enrolment.objects.create(
            session=self._session(org, org.hall1),
            person=self._person(org.hall1),
            org_unit=org.hall1,
        )

    def make_out_of_scope(self, org: Any, n: int) -> Enrolment:
        return Enrolment.objects.create(
            session=self._session(org, org.hall2),
            person=self._person(org.hall2),
            org_unit=org.hall2,
        )

    def create_payload(self, org: Any) -> dict[str, Any]:
        return {"session": self._session(org, org.branch1).pk, "person": self._person(org.hall1).pk}

    def invalid_payloads(self, org: Any) -> list:
        return [
            (
                {"session": self._session(org, org.hall2).pk, "person": self._person(org.hall1).pk},
                {"session"},
            )
        ]

    def test_attendance_and_feedback(self, api: APIClient, org: Any) -> None:
        enrolment: Any = self.new_in_scope(org)
        response = api.post(f"{self.url}{enrolment.pk}/attendance/", {"attended": True})
        assert response.status_code == 200 and response.json()["completed_on"] == "2026-03-02"
        trainee = APIClient()
        trainee.force_authenticate(enrolment.person)
        assert (
            trainee.put(f"/api/staff/feedback/{enrolment.pk}/", {"feedback_rating": 9}).status_code
            == 400
        )
        assert (
            trainee.put(
                f"/api/staff/feedback/{enrolment.pk}/",
                {"feedback_rating": 5, "feedback_comment": "好"},
            ).status_code
            == 200
        )
        assert (
            api.put(f"/api/staff/feedback/{enrolment.pk}/", {"feedback_rating": 5}).status_code
            == 404
        )


class TestScorecardAPI(APICase):
    url = "/api/staff/scorecards/"
    model = Scorecard
    actor_roles = ("unit_manager",)
    actions = ("list", "retrieve")

    def _card(self, org: Any, unit: Any) -> Scorecard:
        from sqms.staff.tests.conftest import new_user

        weights = ScorecardWeights.objects.get_or_create(
            org_unit=org.hq, position="", version=1, defaults={"effective_from": date(2026, 1, 1)}
        )[0]
        return Scorecard.objects.create(
            person=new_user(org_unit=unit),
            period=date(2026, 3, 1),
            org_unit=unit,
            weights=weights,
            total=80,
        )

    def make_in_scope(self, org: Any, n: int) -> Scorecard:
        return self._card(org, org.hall1)

    def make_out_of_scope(self, org: Any, n: int) -> Scorecard:
        return self._card(org, org.hall2)

    def test_compute(self, api: APIClient, org: Any, make_user: Any) -> None:
        ScorecardWeights.objects.create(
            org_unit=org.hq, position="", version=1, effective_from=date(2026, 1, 1)
        )
        agent = make_user("agent", unit=org.hall1)
        at = datetime.fromisoformat("2026-03-05T10:00:00+08:00")
        Ticket.objects.create(
            org_unit=org.hall1,
            number="T1",
            kind="business",
            channel="counter",
            title="x",
            first_contact_owner=agent,
            impact=2,
            urgency=2,
            priority=3,
            resolved_by=agent,
            resolved_at=at,
            responded_at=at,
        )
        response = api.post(
            f"{self.url}compute/", {"org_unit": org.hall1.pk, "period": "2026-03-15"}
        )
        assert response.status_code == 200, response.content
        (card,) = [c for c in response.json() if c["person"]["id"] == agent.pk]
        assert card["is_service_star"] and card["rank_in_unit"] == 1
        assert (
            api.post(
                f"{self.url}compute/", {"org_unit": org.hall2.pk, "period": "2026-03-15"}
            ).status_code
            == 400
        )
        assert (
            api.post(
                f"{self.url}compute/", {"org_unit": org.hall1.pk, "period": "March"}
            ).status_code
            == 400
        )


# --- the candidate's side -------------------------------------------------------------------


def test_candidate_takes_an_exam_over_the_api_without_seeing_answers(
    exam: Any, make_user: Any, org: Any
) -> None:
    agent = make_user("agent", unit=org.hall1)
    client = APIClient()
    client.force_authenticate(agent)
    listed = client.get("/api/staff/exams/").json()["results"]
    assert [row["id"] for row in listed] == [exam.pk]
    started = client.post(f"/api/staff/exams/{exam.pk}/start/")
    assert started.status_code == 201
    paper = started.json()
    text = started.content.decode()
    assert "correct" not in text and "explanation" not in text
    for row in paper["questions"]:
        assert row["answer"] is None and row["awarded"] is None
    again = client.get(f"/api/staff/attempts/{paper['id']}/").content.decode()
    assert "correct" not in again
    # The bank itself is closed to candidates.
    assert client.get("/api/staff/questions/").status_code == 403
    attempt_model = exam.attempts.get()
    answers = {str(k): v for k, v in correct_answers(attempt_model).items()}
    assert (
        client.post(
            f"/api/staff/attempts/{paper['id']}/save/", {"answers": {"1": "bad"}}, format="json"
        ).status_code
        == 400
    )
    submitted = client.post(
        f"/api/staff/attempts/{paper['id']}/submit/", {"answers": answers}, format="json"
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "passed"
    assert (
        client.post(
            f"/api/staff/attempts/{paper['id']}/submit/", {"answers": answers}, format="json"
        ).status_code
        == 409
    )
    assert client.post(f"/api/staff/exams/{exam.pk}/start/").status_code == 409
    # Another candidate cannot see or answer this attempt.
    other = APIClient()
    other.force_authenticate(make_user("agent", unit=org.hall1))
    assert other.get(f"/api/staff/attempts/{paper['id']}/").status_code == 404
    assert (
        other.post(f"/api/staff/attempts/{paper['id']}/submit/", {}, format="json").status_code
        == 404
    )


def test_unpublished_exams_are_invisible_to_candidates(exam: Any, make_user: Any, org: Any) -> None:
    exam.is_published = False
    exam.save()
    client = APIClient()
    client.force_authenticate(make_user("agent", unit=org.hall1))
    assert client.get(f"/api/staff/exams/{exam.pk}/").status_code == 404
    assert client.post(f"/api/staff/exams/{exam.pk}/start/").status_code == 404


def test_statistics_endpoint(exam: Any, make_user: Any, org: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    attempt = services.start_attempt(exam, actor=agent)
    services.submit_attempt(attempt, actor=agent, answers=correct_answers(attempt))
    trainer = APIClient()
    trainer.force_authenticate(scoped_trainer(make_user, org.branch1))
    rows = trainer.get(f"/api/staff/exams/{exam.pk}/statistics/").json()
    assert len(rows) == 4 and all(row["difficulty_index"] == 1.0 for row in rows)
    candidate = APIClient()
    candidate.force_authenticate(agent)
    assert candidate.get(f"/api/staff/exams/{exam.pk}/statistics/").status_code == 403
