"""Exam rules: drawing under a seed, server-side timing, scoring, retakes, marking, statistics."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent
from sqms.staff import services
from sqms.staff.choices import AttemptStatus, QuestionKind
from sqms.staff.examining import GRACE_SECONDS, score_answer
from sqms.staff.models import Attempt, Certification, Question
from sqms.staff.tests.conftest import (
    correct_answers,
    make_question,
    scoped_trainer,
    wrong_answers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user: Any, org: Any) -> Any:
    return make_user("agent", unit=org.hall1)


# --- drawing --------------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_paper(exam: Any) -> None:
    first = services.draw_paper(exam, 42)
    assert first == services.draw_paper(exam, 42)
    assert len(first) == 4
    assert len({d.question_id for d in first}) == 4
    topics = [Question.objects.get(pk=d.question_id).topic for d in first]
    assert topics.count("资费") == 3 and topics.count("网络") == 1


def test_different_seeds_shuffle_differently(exam: Any) -> None:
    papers = {
        tuple((d.question_id, tuple(d.option_order)) for d in services.draw_paper(exam, s))
        for s in range(20)
    }
    assert len(papers) > 1


def test_an_attempt_stores_its_seed_and_reproduces_its_paper(exam: Any, agent: Any) -> None:
    attempt = services.start_attempt(exam, actor=agent, seed=7)
    drawn = [(row.question_id, row.option_order) for row in attempt.questions.all()]
    assert drawn == [
        (d.question_id, d.option_order) for d in services.draw_paper(exam, attempt.seed)
    ]


def test_a_bank_too_small_is_refused(exam: Any) -> None:
    exam.rules = [{"topic": "资费", "difficulty": 1, "count": 9}]
    with pytest.raises(DomainError) as error:
        services.draw_paper(exam, 1)
    assert error.value.field == "rules"
    with pytest.raises(ValidationError) as invalid:
        exam.full_clean()
    assert "rules" in invalid.value.message_dict


def test_malformed_rules_are_refused(exam: Any) -> None:
    for rules in (
        [],
        [{"topic": "资费"}],
        [{"topic": "", "difficulty": 1, "count": 1}],
        "x",
        [{"topic": "资费", "difficulty": 9, "count": 1}],
        [{"topic": "资费", "difficulty": 1, "count": True}],
    ):
        exam.rules = rules
        with pytest.raises(ValidationError) as invalid:
            exam.full_clean()
        assert "rules" in invalid.value.message_dict


def test_question_rules(org: Any) -> None:
    bad: list[dict[str, Any]] = [
        {"kind": QuestionKind.SINGLE, "options": ["a"], "correct": [0]},
        {"kind": QuestionKind.SINGLE, "options": ["a", "b"], "correct": [0, 1]},
        {"kind": QuestionKind.SINGLE, "options": ["a", "b"], "correct": [2]},
        {"kind": QuestionKind.MULTIPLE, "options": ["a", "b"], "correct": []},
        {"kind": QuestionKind.TRUE_FALSE, "options": [], "correct": [3]},
        {"kind": QuestionKind.SHORT, "options": ["a"], "correct": []},
        {"kind": QuestionKind.SINGLE, "options": ["a", ""], "correct": [0]},
    ]
    for values in bad:
        question = Question(org_unit=org.hq, topic="t", difficulty=1, text="q", **values)
        with pytest.raises(ValidationError):
            question.full_clean()


# --- scoring rules ----------------------------------------------------------------------------


def test_multiple_choice_partial_rule(org: Any) -> None:
    question = make_question(
        org.hq,
        kind=QuestionKind.MULTIPLE,
        options=["a", "b", "c", "d"],
        correct=[0, 1, 2],
        points=3,
    )
    assert score_answer(question, [0, 1, 2]) == 3
    assert score_answer(question, [0, 1]) == 2
    assert score_answer(question, [2]) == 1
    assert score_answer(question, [0, 1, 2, 3]) == 0  # a wrong option spoils it
    assert score_answer(question, [3]) == 0
    assert score_answer(question, []) == 0
    two = make_question(
        org.hq, kind=QuestionKind.MULTIPLE, options=["a", "b", "c"], correct=[0, 1, 2], points=2
    )
    assert score_answer(two, [0]) == Decimal("0.66")  # 2 ÷ 3, rounded down


def test_single_choice_and_true_false(org: Any) -> None:
    single = make_question(org.hq)
    assert score_answer(single, [1]) == 2 and score_answer(single, [0]) == 0
    truth = make_question(org.hq, kind=QuestionKind.TRUE_FALSE, options=[], correct=[1], points=1)
    assert score_answer(truth, [1]) == 1 and score_answer(truth, [0]) == 0


# --- timing -----------------------------------------------------------------------------------


def test_deadline_is_fixed_on_the_server_at_start(exam: Any, agent: Any) -> None:
    with time_machine.travel("2026-03-02 09:00:00+08:00", tick=False):
        attempt = services.start_attempt(exam, actor=agent)
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=30)
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.max_score == 3 * 2 + 3


def test_starting_twice_resumes_the_same_attempt(exam: Any, agent: Any) -> None:
    first = services.start_attempt(exam, actor=agent)
    assert services.start_attempt(exam, actor=agent).pk == first.pk
    assert Attempt.objects.count() == 1


def test_all_correct_on_time_passes_and_grants_the_certification(exam: Any, agent: Any) -> None:
    attempt = services.start_attempt(exam, actor=agent)
    attempt = services.submit_attempt(attempt, actor=agent, answers=correct_answers(attempt))
    assert attempt.status == AttemptStatus.PASSED
    assert attempt.score == attempt.max_score and attempt.percent == 100
    assert not attempt.is_late
    certification = Certification.objects.get(person=agent)
    assert certification.attempt == attempt
    assert certification.expires_on == services.add_months(certification.obtained_on, 12)
    assert AuditEvent.objects.filter(
        object_type="staff.attempt", object_id=str(attempt.pk), action="transition"
    ).exists()


def test_late_submission_is_recorded_and_only_saved_answers_count(exam: Any, agent: Any) -> None:
    with time_machine.travel("2026-03-02 09:00:00+08:00", tick=False) as clock:
        attempt = services.start_attempt(exam, actor=agent)
        answers = correct_answers(attempt)
        first_two = dict(list(answers.items())[:2])
        clock.shift(timedelta(minutes=10))
        services.save_answers(attempt, first_two, actor=agent)
        clock.shift(timedelta(minutes=25))  # 5 minutes past the deadline
        with pytest.raises(ConflictError):
            services.save_answers(attempt, answers, actor=agent)
        attempt = services.submit_attempt(attempt, actor=agent, answers=answers)
    assert attempt.is_late
    assert attempt.late_seconds == 5 * 60
    saved_points = sum(
        row.question.points
        for row in attempt.questions.select_related("question")
        if row.position in first_two
    )
    assert attempt.score == saved_points
    assert attempt.status in (AttemptStatus.PASSED, AttemptStatus.FAILED)


def test_submission_within_the_grace_is_on_time(exam: Any, agent: Any) -> None:
    with time_machine.travel("2026-03-02 09:00:00+08:00", tick=False) as clock:
        attempt = services.start_attempt(exam, actor=agent)
        clock.shift(timedelta(minutes=30, seconds=GRACE_SECONDS))
        attempt = services.submit_attempt(attempt, actor=agent, answers=correct_answers(attempt))
    assert not attempt.is_late and attempt.status == AttemptStatus.PASSED


def test_an_abandoned_attempt_is_closed_as_late_when_the_candidate_returns(
    exam: Any, agent: Any
) -> None:
    with time_machine.travel("2026-03-02 09:00:00+08:00", tick=False) as clock:
        first = services.start_attempt(exam, actor=agent)
        clock.shift(timedelta(hours=2))
        second = services.start_attempt(exam, actor=agent)
    first.refresh_from_db()
    assert first.is_late and first.status == AttemptStatus.FAILED
    assert second.number == 2


# --- retakes ----------------------------------------------------------------------------------


def test_fail_retake_pass_then_no_more_attempts(exam: Any, agent: Any) -> None:
    first = services.start_attempt(exam, actor=agent)
    first = services.submit_attempt(first, actor=agent, answers=wrong_answers(first))
    assert first.status == AttemptStatus.FAILED and first.score == 0
    assert not Certification.objects.filter(person=agent).exists()
    second = services.start_attempt(exam, actor=agent)
    assert second.number == 2
    second = services.submit_attempt(second, actor=agent, answers=correct_answers(second))
    assert second.status == AttemptStatus.PASSED
    with pytest.raises(ConflictError):
        services.start_attempt(exam, actor=agent)


def test_attempts_are_limited(exam: Any, agent: Any) -> None:
    exam.max_attempts = 2
    exam.save()
    for _ in range(2):
        attempt = services.start_attempt(exam, actor=agent)
        services.submit_attempt(attempt, actor=agent, answers={})
    with pytest.raises(ConflictError):
        services.start_attempt(exam, actor=agent)


def test_refusals(exam: Any, agent: Any, make_user: Any, org: Any) -> None:
    outsider = make_user("quality_manager", unit=org.hall1)
    with pytest.raises(PermissionDenied):
        services.start_attempt(exam, actor=outsider)
    exam.is_published = False
    exam.save()
    with pytest.raises(ConflictError):
        services.start_attempt(exam, actor=agent)
    exam.is_published = True
    exam.save()
    attempt = services.start_attempt(exam, actor=agent)
    other = make_user("agent", unit=org.hall1)
    with pytest.raises(PermissionDenied):
        services.submit_attempt(attempt, actor=other, answers={})
    with pytest.raises(DomainError):
        services.save_answers(attempt, {99: [0]}, actor=agent)
    with pytest.raises(DomainError):
        services.save_answers(attempt, {1: ["x"]}, actor=agent)
    with pytest.raises(DomainError):
        services.save_answers(attempt, {1: [0, 1, 2, 3, 4, 5, 6]}, actor=agent)
    services.submit_attempt(attempt, actor=agent, answers={})
    with pytest.raises(ConflictError):
        services.submit_attempt(attempt, actor=agent, answers={})


# --- short answers ----------------------------------------------------------------------------


def test_short_answers_wait_for_a_trainer(
    org: Any, agent: Any, make_user: Any, cert_type: Any
) -> None:
    make_question(
        org.hq,
        topic="服务",
        kind=QuestionKind.SHORT,
        options=[],
        correct=[],
        points=10,
        text="如何安抚客户？",
    )
    make_question(org.hq, topic="服务")
    from sqms.staff.models import Exam

    exam = Exam.objects.create(
        org_unit=org.hq,
        title="服务规范",
        rules=[{"topic": "服务", "difficulty": 1, "count": 2}],
        pass_mark=50,
        is_published=True,
    )
    attempt = services.start_attempt(exam, actor=agent)
    answers = {}
    for row in attempt.questions.select_related("question"):
        answers[row.position] = (
            "先倾听，再致歉，再解决。" if row.question.kind == QuestionKind.SHORT else [1]
        )
    attempt = services.submit_attempt(attempt, actor=agent, answers=answers)
    assert attempt.status == AttemptStatus.AWAITING_MARKING
    trainer = scoped_trainer(make_user, org.branch1)
    short = attempt.questions.get(question__kind=QuestionKind.SHORT)
    with pytest.raises(DomainError):
        services.mark_answer(short, 11, actor=trainer)
    with pytest.raises(PermissionDenied):
        services.mark_answer(short, 5, actor=agent)
    attempt = services.mark_answer(short, "6.5", actor=trainer)
    assert attempt.status == AttemptStatus.PASSED
    assert attempt.score == Decimal("8.5")
    with pytest.raises(ConflictError):
        services.mark_answer(short, 7, actor=trainer)


# --- statistics -------------------------------------------------------------------------------


def test_item_statistics(exam: Any, make_user: Any, org: Any) -> None:
    exam.rules = [{"topic": "资费", "difficulty": 1, "count": 2}]
    exam.max_attempts = 0
    exam.save()
    people = [make_user("agent", unit=org.hall1) for _ in range(4)]
    for index, person in enumerate(people):
        attempt = services.start_attempt(exam, actor=person, seed=5)  # same paper for all
        answers = correct_answers(attempt) if index >= 2 else wrong_answers(attempt)
        services.submit_attempt(attempt, actor=person, answers=answers)
    stats = services.question_statistics(exam)
    assert len(stats) == 2
    for row in stats:
        assert row.answered == 4
        assert row.difficulty_index == 0.5
        assert row.discrimination == 1.0  # the best got it, the weakest did not
