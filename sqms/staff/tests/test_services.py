"""Rules of training, certification checks, scorecards and rewards/penalties."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent
from sqms.servicedesk.models import Category, Ticket
from sqms.staff import services
from sqms.staff.choices import ApprovalStatus, CourseMode, CourseType, Enforcement
from sqms.staff.models import (
    Certification,
    CertificationType,
    Course,
    PlanItem,
    Scorecard,
    ScorecardWeights,
    StaffProfile,
    TrainingPlan,
    TrainingSession,
)
from sqms.staff.scoring import component_scores, rank, weighted_total
from sqms.staff.tests.conftest import scoped_trainer

pytestmark = pytest.mark.django_db


def make_session(
    org: Any, trainer: Any, course: Course, day: str, capacity: int = 10
) -> TrainingSession:
    start = datetime.fromisoformat(f"{day} 09:00:00+08:00")
    return TrainingSession.objects.create(
        org_unit=org.branch1,
        course=course,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        trainer=trainer,
        capacity=capacity,
    )


@pytest.fixture
def trainer(make_user: Any, org: Any) -> Any:
    return scoped_trainer(make_user, org.branch1)


@pytest.fixture
def security_course(org: Any) -> Course:
    return Course.objects.create(
        org_unit=org.hq,
        code="SEC-1",
        title="信息安全意识",
        course_type=CourseType.SECURITY,
        mode=CourseMode.ONLINE,
    )


# --- certification check ---------------------------------------------------------------------


def test_no_requirement_means_no_warning(make_user: Any, org: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    assert services.certification_warning(agent, "business") is None


def test_warning_until_certified_then_expiry(
    make_user: Any, org: Any, cert_type: CertificationType
) -> None:
    agent = make_user("agent", unit=org.hall1)
    assert "业务办理上岗证" in (services.certification_warning(agent, "business") or "")
    assert services.certification_warning(agent, "consultation") is None
    check = services.certification_check(agent, "business")
    assert check is not None and not check.blocking
    services.grant_certification(agent, cert_type, actor=agent, obtained_on=date(2026, 1, 31))
    assert services.certification_check(agent, "business", today=date(2027, 1, 31)) is None
    # Valid through its expiry day, missing the day after; revoked ones do not count.
    assert services.certification_check(agent, "business", today=date(2027, 2, 1)) is not None
    Certification.objects.update(revoked=True)
    assert services.certification_check(agent, "business", today=date(2026, 6, 1)) is not None


def test_revoking_needs_a_reason_and_not_ones_own(
    make_user: Any, org: Any, cert_type: CertificationType, trainer: Any
) -> None:
    agent = make_user("agent", unit=org.hall1)
    mine = services.grant_certification(trainer, cert_type, actor=agent)
    with pytest.raises(DomainError):
        services.revoke_certification(mine, actor=trainer, reason="自己")
    theirs = services.grant_certification(agent, cert_type, actor=trainer)
    with pytest.raises(DomainError):
        services.revoke_certification(theirs, actor=trainer, reason="  ")
    with pytest.raises(PermissionDenied):
        services.revoke_certification(theirs, actor=agent, reason="x")
    services.revoke_certification(theirs, actor=trainer, reason="服务差错")
    assert theirs.revoked and theirs.revoke_reason == "服务差错"
    assert AuditEvent.objects.filter(action="update", object_id=str(theirs.pk)).exists()
    with pytest.raises(ConflictError):
        services.revoke_certification(theirs, actor=trainer, reason="again")


def test_blocking_and_category_specific_types(make_user: Any, org: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    root = Category.objects.order_by("path").first()
    assert root is not None
    CertificationType.objects.create(
        org_unit=org.branch1,
        code="C-CAT",
        name="资费专项",
        ticket_kind="complaint",
        category=root,
        enforcement=Enforcement.BLOCK,
    )
    assert services.certification_check(agent, "complaint") is None  # no category given
    check = services.certification_check(agent, "complaint", root)
    assert check is not None and check.blocking
    # A type of another branch does not apply here.
    other = make_user("agent", unit=org.hall2)
    assert services.certification_check(other, "complaint", root) is None


def test_add_months_clips_to_month_end() -> None:
    assert services.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert services.add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


# --- training ---------------------------------------------------------------------------------


def test_enrolment_rules(org: Any, trainer: Any, make_user: Any, security_course: Course) -> None:
    session = make_session(org, trainer, security_course, "2026-03-02", capacity=1)
    first = make_user("agent", unit=org.hall1)
    second = make_user("agent", unit=org.hall1)
    enrolment = services.enrol(session, first, actor=trainer)
    with pytest.raises(ConflictError):
        services.enrol(session, first, actor=trainer)
    with pytest.raises(ConflictError):
        services.enrol(session, second, actor=trainer)
    with pytest.raises(DomainError):
        services.enrol(session, make_user("agent", unit=org.hall2), actor=trainer)
    with pytest.raises(ConflictError):
        services.submit_feedback(enrolment, actor=first, rating=5)
    services.record_attendance(enrolment, True, actor=trainer)
    assert enrolment.completed_on == date(2026, 3, 2)
    with pytest.raises(PermissionDenied):
        services.submit_feedback(enrolment, actor=trainer, rating=5)
    with pytest.raises(DomainError):
        services.submit_feedback(enrolment, actor=first, rating=6)
    services.submit_feedback(enrolment, actor=first, rating=4, comment="案例很实用")
    enrolment.refresh_from_db()
    assert enrolment.feedback_rating == 4


def test_session_must_end_after_it_starts(org: Any, trainer: Any, security_course: Course) -> None:
    session = make_session(org, trainer, security_course, "2026-03-02")
    session.ends_at = session.starts_at
    with pytest.raises(ValidationError):
        session.full_clean()


def test_yearly_recurrence_and_overdue_lists(
    org: Any, trainer: Any, make_user: Any, security_course: Course
) -> None:
    with time_machine.travel("2026-01-01 09:00:00+08:00", tick=False):
        plan = TrainingPlan.objects.create(org_unit=org.hq, name="柜员培训计划", position="柜员")
        PlanItem.objects.create(
            plan=plan, course=security_course, due_within_days=30, recurrence_months=12
        )
    agent = make_user("agent", unit=org.hall1, position="柜员", hire_date=date(2025, 6, 1))
    make_user("agent", unit=org.hall2, position="柜员", hire_date=date(2025, 6, 1))
    make_user("agent", unit=org.hall1, position="客户经理")  # no plan for this position
    scope = type(agent).objects.filter(org_unit__path__startswith=org.branch1.path)

    (row,) = services.training_status(agent, today=date(2026, 1, 20))
    assert row.due_on == date(2026, 1, 31) and not row.overdue
    assert services.overdue_training(scope, today=date(2026, 1, 31)) == []
    overdue = services.overdue_training(scope, today=date(2026, 2, 1))
    assert [r.person for r in overdue] == [agent]  # the other branch's person is not listed

    session = make_session(org, trainer, security_course, "2026-02-10")
    services.record_attendance(services.enrol(session, agent, actor=trainer), True, actor=trainer)
    (row,) = services.training_status(agent, today=date(2026, 3, 1))
    assert row.last_completed == date(2026, 2, 10) and row.due_on == date(2027, 2, 10)
    with time_machine.travel("2027-02-11 10:00:00+08:00"):
        assert [r.person for r in services.overdue_training(scope)] == [agent]
        assert services.training_status(agent)[0].overdue


def test_one_off_course_is_done_for_good(
    org: Any, trainer: Any, make_user: Any, security_course: Course
) -> None:
    plan = TrainingPlan.objects.create(org_unit=org.hq, name="入职", position="柜员")
    PlanItem.objects.create(
        plan=plan, course=security_course, due_within_days=10, recurrence_months=0
    )
    agent = make_user("agent", unit=org.hall1, position="柜员")
    session = make_session(org, trainer, security_course, "2026-02-10")
    services.record_attendance(services.enrol(session, agent, actor=trainer), True, actor=trainer)
    (row,) = services.training_status(agent, today=date(2036, 1, 1))
    assert row.due_on is None and not row.overdue


# --- scorecards -------------------------------------------------------------------------------


def test_weighted_total_by_hand() -> None:
    weights = {
        "volume": 20,
        "response": 20,
        "sla": 20,
        "satisfaction": 10,
        "error": 10,
        "fcr": 10,
        "inspection": 5,
        "exam": 5,
    }
    inputs = {
        "handled": 40,
        "within_sla": 36,
        "errors": 2,
        "first_contact": 30,
        "responded": 50,
        "responded_on_time": 45,
        "exam_mean": 80.0,
    }
    components = component_scores(inputs, volume_target=80)
    assert components == {
        "volume": 50.0,
        "response": 90.0,
        "sla": 90.0,
        "satisfaction": None,
        "error": 95.0,
        "fcr": 75.0,
        "inspection": None,
        "exam": 80.0,
    }
    # (20·50 + 20·90 + 20·90 + 10·95 + 10·75 + 5·80) ÷ (20+20+20+10+10+5) = 6700 ÷ 85
    assert weighted_total(components, weights) == Decimal("78.82")
    assert weighted_total(dict.fromkeys(weights), weights) == 0


def test_competition_ranking() -> None:
    assert rank([(1, Decimal(90)), (2, Decimal(95)), (3, Decimal(90)), (4, Decimal(50))]) == {
        2: 1,
        1: 2,
        3: 2,
        4: 4,
    }


def _ticket(org: Any, owner: Any, n: int, **facts: Any) -> Ticket:
    return Ticket.objects.create(
        org_unit=org.hall1,
        number=f"T{n:06d}",
        kind="business",
        channel="counter",
        title="办理",
        first_contact_owner=owner,
        impact=2,
        urgency=2,
        priority=3,
        **facts,
    )


def test_scorecards_from_tickets_with_ranking_and_service_star(org: Any, make_user: Any) -> None:
    manager = make_user("unit_manager", unit=org.hall1)
    alice = make_user("agent", unit=org.hall1, position="柜员", username="alice")
    bob = make_user("agent", unit=org.hall1, position="柜员", username="bob")
    make_user("agent", unit=org.hall2, position="柜员")  # another unit: not ranked here
    ScorecardWeights.objects.create(
        org_unit=org.hq,
        position="柜员",
        version=1,
        effective_from=date(2026, 1, 1),
        volume_target=4,
        w_volume=25,
        w_response=25,
        w_sla=25,
        w_satisfaction=0,
        w_error=25,
        w_fcr=0,
        w_inspection=0,
        w_exam=0,
    )
    at = datetime.fromisoformat("2026-03-10 10:00:00+08:00")
    n = 0
    for person, breaches in ((alice, [False, False, False, False]), (bob, [False, True])):
        for breached in breaches:
            n += 1
            _ticket(
                org,
                person,
                n,
                resolved_by=person,
                resolved_at=at,
                responded_at=at,
                resolve_breached=breached,
                status="resolved",
            )
    _ticket(
        org,
        alice,
        99,
        resolved_by=alice,
        resolved_at=at - timedelta(days=30),
        responded_at=at - timedelta(days=30),
    )
    cards = {
        c.person_id: c
        for c in services.compute_scorecards(org.hall1, date(2026, 3, 15), actor=manager)
    }
    # alice: volume 100, response 100, sla 100, error 100 → 100
    assert cards[alice.pk].total == Decimal("100.00")
    # bob: volume 50, response 100, sla 50, error 100 → 75
    assert cards[bob.pk].total == Decimal("75.00")
    assert cards[bob.pk].components["satisfaction"] is None
    assert (cards[alice.pk].rank_in_unit, cards[bob.pk].rank_in_unit) == (1, 2)
    assert cards[alice.pk].is_service_star and not cards[bob.pk].is_service_star
    again = services.compute_scorecards(org.hall1, date(2026, 3, 1), actor=manager)
    assert len(again) == 2  # recomputing replaces, never duplicates
    outsider = make_user("unit_manager", unit=org.hall2)
    with pytest.raises(DomainError):
        services.compute_scorecards(org.hall1, date(2026, 3, 1), actor=outsider)


def test_weights_versions_keep_the_past(org: Any) -> None:
    from sqms.staff.scoring import weights_for

    old = ScorecardWeights.objects.create(
        org_unit=org.hq, position="柜员", version=1, effective_from=date(2026, 1, 1)
    )
    new = ScorecardWeights.objects.create(
        org_unit=org.hq, position="柜员", version=2, effective_from=date(2026, 4, 1)
    )
    assert weights_for(org.hall1, "柜员", date(2026, 3, 1)) == old
    assert weights_for(org.hall1, "柜员", date(2026, 4, 1)) == new
    bad = ScorecardWeights(
        org_unit=org.hq, position="x", version=1, effective_from=date(2026, 1, 1), w_volume=90
    )
    with pytest.raises(ValidationError):
        bad.full_clean()


# --- rewards and penalties --------------------------------------------------------------------


def test_reward_needs_another_managers_approval(org: Any, make_user: Any) -> None:
    inspector = make_user("unit_manager", unit=org.hall1)
    manager = make_user("unit_manager", unit=org.branch1)
    agent = make_user("agent", unit=org.hall1)
    ticket = _ticket(org, agent, 1)
    record = services.propose(
        actor=inspector,
        person=agent,
        kind="reward",
        reason="客户来信表扬",
        amount_fen=20000,
        points=5,
        evidence_ticket=ticket,
    )
    assert record.status == ApprovalStatus.PENDING and record.number.startswith("JC")
    with pytest.raises(PermissionDenied):
        services.decide(record, actor=inspector, approve=True)
    with pytest.raises(PermissionDenied):
        services.decide(record, actor=make_user("unit_manager", unit=org.hall2), approve=True)
    record = services.decide(record, actor=manager, approve=True, note="同意")
    assert record.status == ApprovalStatus.APPROVED and record.decided_by == manager
    with pytest.raises(ConflictError):
        services.decide(record, actor=manager, approve=False)
    with pytest.raises(ConflictError):
        services.change(record, actor=inspector, reason="改")
    assert AuditEvent.objects.filter(
        object_type="staff.rewardpenalty", action="transition"
    ).exists()


def test_reward_refusals(org: Any, make_user: Any) -> None:
    manager = make_user("unit_manager", unit=org.hall1)
    far = make_user("agent", unit=org.hall2)
    with pytest.raises(DomainError):
        services.propose(actor=manager, person=manager, kind="reward", reason="自荐")
    with pytest.raises(DomainError):
        services.propose(actor=manager, person=far, kind="reward", reason="x")
    agent = make_user("agent", unit=org.hall1)
    with pytest.raises(DomainError):
        services.propose(actor=manager, person=agent, kind="penalty", reason=" ")
    with pytest.raises(DomainError):
        services.propose(actor=manager, person=agent, kind="penalty", reason="迟到", amount_fen=-5)
    hidden = _ticket(org, far, 2)
    hidden.org_unit = org.hall2
    hidden.save()
    with pytest.raises(DomainError):
        services.propose(
            actor=manager, person=agent, kind="penalty", reason="差错", evidence_ticket=hidden
        )
    with pytest.raises(PermissionDenied):
        services.propose(actor=agent, person=manager, kind="reward", reason="x")


# --- archive ----------------------------------------------------------------------------------


def test_profile_personal_fields_are_encrypted_and_masked_in_the_audit(
    org: Any, trainer: Any, make_user: Any
) -> None:
    from django.db import connection

    agent = make_user("agent", unit=org.hall1)
    profile = services.save_profile(
        agent, actor=trainer, id_number="11010519491231002X", education="本科"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM staff_staffprofile WHERE id = %s", [profile.pk])
        raw = cursor.fetchone()[0]
    assert "11010519491231002X" not in raw
    event = AuditEvent.objects.get(object_type="staff.staffprofile", action="create")
    assert (event.after or {})["id_number"] == "1101**********002X"
    with pytest.raises(ValidationError):
        services.save_profile(agent, actor=trainer, id_number="123")
    with pytest.raises(DomainError):
        services.save_profile(make_user("agent", unit=org.hall2), actor=trainer, notes="x")
    assert StaffProfile.objects.count() == 1


def test_service_stars_for_a_unit_dashboard(org: Any, make_user: Any) -> None:
    weights = ScorecardWeights.objects.create(
        org_unit=org.hq, position="", version=1, effective_from=date(2026, 1, 1)
    )
    star = make_user("agent", unit=org.hall1)
    other = make_user("agent", unit=org.hall2)
    for person, unit in ((star, org.hall1), (other, org.hall2)):
        Scorecard.objects.create(
            person=person,
            org_unit=unit,
            period=date(2026, 3, 1),
            weights=weights,
            total=90,
            rank_in_unit=1,
            is_service_star=True,
        )
    manager = make_user("unit_manager", unit=org.branch1)
    assert [c.person for c in services.service_stars(manager, org.branch1, date(2026, 3, 20))] == [
        star
    ]
    assert services.service_stars(manager, org.hq, date(2026, 3, 1))[0].person == star
    assert services.service_stars(manager, org.branch1, date(2026, 4, 1)) == []


def test_reminders_are_sent_once(
    org: Any, trainer: Any, make_user: Any, security_course: Course, cert_type: Any
) -> None:
    from sqms.core.models import Notification
    from sqms.staff.reminders import send_reminders

    with time_machine.travel("2026-01-01 09:00:00+08:00", tick=False):
        plan = TrainingPlan.objects.create(org_unit=org.hq, name="年度", position="柜员")
        PlanItem.objects.create(plan=plan, course=security_course, due_within_days=10)
    agent = make_user("agent", unit=org.hall1, position="柜员", language="zh-hans")
    services.grant_certification(agent, cert_type, actor=trainer, obtained_on=date(2025, 2, 20))
    assert send_reminders(today=date(2026, 2, 1)) == {"overdue": 1, "expiring": 1}
    assert send_reminders(today=date(2026, 2, 2)) == {"overdue": 0, "expiring": 0}
    messages = sorted(n.message for n in Notification.objects.filter(recipient=agent))
    assert len(messages) == 2
    assert any("信息安全意识" in m and "逾期" in m for m in messages)


@pytest.mark.django_db
def test_scorecard_inputs_read_survey_answers_and_inspections(org: Any, make_user: Any) -> None:
    from datetime import datetime as dt

    from sqms.inspections.models import ChecklistVersion, Inspection
    from sqms.staff.scoring import month_bounds, survey_and_inspection_inputs
    from sqms.surveys.models import SurveyResponse, SurveyVersion

    person = make_user("agent", unit=org.hall1)
    inspector = make_user("quality_inspector", unit=org.branch1)
    start, end = month_bounds(date(2026, 3, 1))
    inside, outside = (
        dt(2026, 3, 10, 3, 0, tzinfo=start.tzinfo),
        dt(2026, 4, 2, tzinfo=start.tzinfo),
    )
    assert survey_and_inspection_inputs(person, start, end) == {
        "satisfaction": None,
        "inspection": None,
    }
    version: Any = SurveyVersion.objects.filter(status="published").first()
    for overall, when in ((5, inside), (4, inside), (2, inside), (1, outside)):
        SurveyResponse.objects.create(
            version=version, org_unit=org.hall1, staff=person, overall=overall, completed_at=when
        )
    checklist: Any = ChecklistVersion.objects.filter(status="published").first()
    for n, (score, status, when) in enumerate(
        (
            (80, "submitted", inside),
            (90, "reviewed", inside),
            (10, "in_progress", inside),
            (0, "reviewed", outside),
        )
    ):
        Inspection.objects.create(
            number=f"IN-T{n}",
            version=checklist,
            status=status,
            inspector=inspector,
            inspected_staff=person,
            org_unit=org.hall1,
            performed_at=when,
            score=score,
        )
    inputs = survey_and_inspection_inputs(person, start, end)
    assert inputs["satisfaction"] == pytest.approx(200 / 3)  # 2 of 3 answers rate 4–5
    assert inputs["inspection"] == 85.0  # the two completed inspections of March
