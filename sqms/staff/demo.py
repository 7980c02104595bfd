"""Demo records of the staff app for `sqms demo`: courses, a plan, a question bank, an exam the
demo agent has passed, a certification type, scorecard weights, scorecards and a reward."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from sqms.staff import examining, rewards, scoring, training
from sqms.staff.models import (
    CertificationType,
    Course,
    Exam,
    PlanItem,
    Question,
    ScorecardWeights,
    TrainingPlan,
    TrainingSession,
)
from sqms.staff.records import create_record
from sqms.staff.services import save_profile

COURSES = [
    ("PX-RZ-01", "新员工入职培训：企业文化与服务礼仪", "onboarding", "classroom", 8),
    ("PX-JN-01", "营业厅业务受理规范", "job_skills", "role_play", 4),
    ("PX-CP-01", "5G 套餐与融合业务知识", "product", "online", 2),
    ("PX-ZX-01", "投诉处理与情绪安抚专项", "special", "case_study", 3),
    ("PX-AQ-01", "客户信息安全意识（年度必修）", "security", "online", 1),
    ("PX-YJ-01", "营业厅突发事件应急演练", "emergency", "drill", 2),
]

QUESTIONS = [
    (
        "资费",
        1,
        "single",
        "5G 畅享 129 元套餐每月包含的国内通用流量是多少？",
        ["30GB", "60GB", "100GB"],
        [1],
    ),
    (
        "资费",
        1,
        "single",
        "客户办理套餐降档，新套餐一般何时生效？",
        ["立即生效", "次月生效", "次年生效"],
        [1],
    ),
    ("资费", 1, "true_false", "携号转网前，客户须结清在网费用。", [], [0]),
    (
        "资费",
        2,
        "multiple",
        "以下哪些属于融合套餐可包含的业务？",
        ["宽带", "固话", "IPTV", "信用卡"],
        [0, 1, 2],
    ),
    (
        "服务规范",
        1,
        "single",
        "首问负责制要求首问人员：",
        ["只负责本岗位业务", "对客户问题跟踪到底", "转给其他同事即可"],
        [1],
    ),
    ("服务规范", 1, "true_false", "客户等候超过 20 分钟时，应主动致歉并说明原因。", [], [0]),
    (
        "服务规范",
        2,
        "multiple",
        "核验客户身份时必须：",
        ["查验有效证件原件", "人证比对", "拍照留存并告知用途", "口头确认即可"],
        [0, 1, 2],
    ),
    (
        "信息安全",
        1,
        "single",
        "客户身份证复印件使用后应：",
        ["随手丢弃", "按规定登记并粉碎", "带回家保管"],
        [1],
    ),
    ("信息安全", 1, "true_false", "可以把客户手机号告诉自称其亲属的来电人。", [], [1]),
    ("信息安全", 2, "short", "发现客户信息疑似泄露时，应按什么流程处理？", [], []),
]


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    trainer = users_by_role["trainer"]
    agent = users_by_role["agent"]
    manager = users_by_role["unit_manager"]
    admin = users_by_role["admin"]
    company, hall = units["HNTEL"], units["HNTEL-GZ-TH"]
    training_dept = units["HNTEL-TR"]

    courses = {
        code: Course.objects.create(
            org_unit=company,
            code=code,
            title=title,
            course_type=kind,
            mode=mode,
            hours=hours,
            created_by=trainer,
        )
        for code, title, kind, mode, hours in COURSES
    }
    plan = TrainingPlan.objects.create(
        org_unit=company, name="营业员岗位培训计划", position="营业员", created_by=trainer
    )
    for code, days, months in (
        ("PX-RZ-01", 30, 0),
        ("PX-JN-01", 60, 0),
        ("PX-AQ-01", 30, 12),
        ("PX-YJ-01", 90, 12),
    ):
        PlanItem.objects.create(
            plan=plan, course=courses[code], due_within_days=days, recurrence_months=months
        )

    now = timezone.now()
    past = TrainingSession.objects.create(
        org_unit=training_dept,
        course=courses["PX-AQ-01"],
        starts_at=now - timedelta(days=40),
        ends_at=now - timedelta(days=40, hours=-1),
        trainer=trainer,
        capacity=30,
        location="线上直播",
    )
    TrainingSession.objects.create(
        org_unit=training_dept,
        course=courses["PX-ZX-01"],
        starts_at=now + timedelta(days=7),
        ends_at=now + timedelta(days=7, hours=3),
        trainer=trainer,
        capacity=20,
        location="培训部 301 教室",
    )
    for person in (agent, manager):
        enrolment = training.enrol(past, person, actor=trainer)
        training.record_attendance(enrolment, True, actor=trainer)
    training.submit_feedback(
        past.enrolments.get(person=agent), actor=agent, rating=5, comment="案例贴近实际，很实用。"
    )

    for topic, difficulty, kind, text, options, correct in QUESTIONS:
        Question.objects.create(
            org_unit=company,
            topic=topic,
            difficulty=difficulty,
            kind=kind,
            text=text,
            options=options,
            correct=correct,
            points=2,
            created_by=trainer,
        )
    cert = CertificationType.objects.create(
        org_unit=company,
        code="SG-YW",
        name="营业厅业务办理上岗证",
        ticket_kind="business",
        validity_months=12,
        created_by=trainer,
    )
    exam = create_record(
        Exam,
        actor=trainer,
        org_unit=training_dept,
        title="营业员上岗考试",
        rules=[
            {"topic": "资费", "difficulty": 1, "count": 2},
            {"topic": "服务规范", "difficulty": 1, "count": 2},
            {"topic": "信息安全", "difficulty": 1, "count": 1},
        ],
        duration_minutes=20,
        pass_mark=60,
        max_attempts=3,
        grants=cert,
        is_published=True,
    )
    attempt = examining.start_attempt(exam, actor=agent, seed=2026)
    answers = {
        row.position: row.question.correct for row in attempt.questions.select_related("question")
    }
    examining.submit_attempt(attempt, actor=agent, answers=answers)

    save_profile(
        agent,
        actor=trainer,
        education="大专",
        skills="普通话二级甲等；粤语",
        emergency_contact="李建国",
        emergency_phone="13800138000",
    )
    create_record(
        ScorecardWeights,
        actor=admin,
        org_unit=company,
        position="",
        version=1,
        effective_from=date(2024, 1, 1),
        volume_target=120,
    )
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    scoring.compute_scorecards(hall, last_month, actor=manager)
    scoring.compute_scorecards(hall, timezone.localdate(), actor=manager)
    rewards.propose(
        actor=manager,
        person=agent,
        kind="reward",
        reason="客户来电表扬：耐心帮助老年客户办理携号转网。",
        amount_fen=20000,
        points=5,
        evidence_reference="表扬信 2026-11",
    )
