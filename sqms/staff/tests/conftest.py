"""Fixtures of the staff tests: a small question bank, an exam, a certification type."""

from typing import Any

import pytest

from sqms.staff.choices import Difficulty, QuestionKind
from sqms.staff.models import CertificationType, Exam, Question


def make_question(
    unit: Any, topic: str = "资费", difficulty: int = Difficulty.EASY, **extra: Any
) -> Question:
    values: dict[str, Any] = {
        "kind": QuestionKind.SINGLE,
        "text": "5G 套餐的月费是多少？",
        "options": ["58 元", "128 元", "199 元"],
        "correct": [1],
        "points": 2,
    }
    values.update(extra)
    return Question.objects.create(org_unit=unit, topic=topic, difficulty=difficulty, **values)


@pytest.fixture
def cert_type(org: Any) -> CertificationType:
    return CertificationType.objects.create(
        org_unit=org.hq,
        code="CERT-BIZ",
        name="业务办理上岗证",
        ticket_kind="business",
        validity_months=12,
    )


@pytest.fixture
def bank(org: Any) -> list[Question]:
    """Six easy single-choice questions on 资费 and two hard multiple-choice ones on 网络."""
    questions = [make_question(org.hq, text=f"资费题 {i}") for i in range(6)]
    questions += [
        make_question(
            org.hq,
            topic="网络",
            difficulty=Difficulty.HARD,
            kind=QuestionKind.MULTIPLE,
            text=f"网络题 {i}",
            options=["基站", "光纤", "卫星", "信鸽"],
            correct=[0, 1, 2],
            points=3,
        )
        for i in range(2)
    ]
    return questions


@pytest.fixture
def exam(org: Any, bank: list[Question], cert_type: CertificationType) -> Exam:
    return Exam.objects.create(
        org_unit=org.branch1,
        title="业务办理上岗考试",
        rules=[
            {"topic": "资费", "difficulty": Difficulty.EASY, "count": 3},
            {"topic": "网络", "difficulty": Difficulty.HARD, "count": 1},
        ],
        duration_minutes=30,
        pass_mark=60,
        max_attempts=3,
        grants=cert_type,
        is_published=True,
    )


def correct_answers(attempt: Any) -> dict[int, Any]:
    return {
        row.position: list(row.question.correct)
        for row in attempt.questions.select_related("question")
    }


def wrong_answers(attempt: Any) -> dict[int, Any]:
    answers = {}
    for row in attempt.questions.select_related("question"):
        wrong = [i for i in range(len(row.question.options)) if i not in row.question.correct]
        answers[row.position] = wrong[:1]
    return answers


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; the staff tests make many users and never test hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def trainer_permissions() -> list[str]:
    """The trainer role's permissions without its organisation-wide reach, so tests can check
    the org-unit scope with a trainer of one unit."""
    from sqms.staff.roles import ROLE_PERMISSIONS

    return [name for name in ROLE_PERMISSIONS["trainer"] if name != "core.view_all_units"]


def scoped_trainer(make_user: Any, unit: Any) -> Any:
    from sqms.core.tests.api_cases import grant

    user = make_user(unit=unit)
    grant(user, *trainer_permissions())
    return user


def new_user(**values: Any) -> Any:
    """A user made by the core factory (typed loosely: the factory's type is not the model's)."""
    from sqms.core.tests.factories import UserFactory

    return UserFactory(**values)


def scoped_role_permissions(role: str) -> list[str]:
    """A role's permissions (core's and every app's) without organisation-wide reach."""
    from sqms.core.roles import role_permissions

    return [name for name in role_permissions()[role] if name != "core.view_all_units"]
