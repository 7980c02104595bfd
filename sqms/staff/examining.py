"""Exams: drawing papers by rules under a seed, timed attempts, scoring and bank statistics.

Rules a candidate meets (shown on the exam page too):
- The deadline is fixed on the server when the attempt starts (start + time limit).
- Answers may be saved any time before the deadline. A submission arriving after the deadline
  (plus GRACE_SECONDS for the network) is recorded as late: the answers sent with it are
  discarded and only the answers saved before the deadline are scored.
- Single choice and true/false: full points for the correct option, otherwise 0.
- Multiple choice: choosing any wrong option scores 0; otherwise the points are shared
  among the correct options, so each correct one chosen earns points ÷ correct options
  (all correct and nothing else: full points). Rounded down to 0.01.
- Short answers are marked by a trainer (0 to the question's points); the result waits for it.
- Passed when score ÷ maximum ≥ pass mark. A failed candidate may retake up to the exam's
  allowed attempts; a passed exam is not retaken. A pass grants the exam's certification.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import User
from sqms.staff.certifying import grant_certification
from sqms.staff.choices import AttemptStatus, QuestionKind
from sqms.staff.models import Attempt, AttemptQuestion, Exam, Question
from sqms.staff.models.base import ancestor_paths
from sqms.staff.records import require

GRACE_SECONDS = 30
TAKE_EXAM = "staff.take_exam"
MARK_EXAM = "staff.change_attempt"
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
MAX_SHORT_ANSWER = 4000


# --- the bank and drawing ------------------------------------------------------------------


def bank_for(exam: Exam) -> models.QuerySet[Question]:
    """Active questions an exam may draw: its unit's, its ancestors' and its subtree's."""
    unit = exam.org_unit
    return Question.objects.filter(
        models.Q(org_unit__path__in=ancestor_paths(unit.path, type(unit).steplen))
        | models.Q(org_unit__path__startswith=unit.path),
        is_active=True,
    )


def _pools(exam: Exam) -> list[tuple[dict, list[int]]]:
    bank = bank_for(exam)
    pools = []
    for rule in exam.rules:
        ids = sorted(
            bank.filter(topic=rule["topic"], difficulty=rule["difficulty"]).values_list(
                "pk", flat=True
            )
        )
        pools.append((rule, ids))
    return pools


def bank_shortfalls(exam: Exam) -> list[str]:
    """Human-readable rules the bank cannot fill (empty when the exam can be drawn)."""
    missing = []
    for rule, ids in _pools(exam):
        if len(ids) < rule["count"]:
            missing.append(
                _("%(topic)s / difficulty %(difficulty)s: %(have)s of %(need)s")
                % {
                    "topic": rule["topic"],
                    "difficulty": rule["difficulty"],
                    "have": len(ids),
                    "need": rule["count"],
                }
            )
    return missing


@dataclass(frozen=True)
class DrawnQuestion:
    question_id: int
    option_order: list[int]


def draw_paper(exam: Exam, seed: int) -> list[DrawnQuestion]:
    """The paper for `seed`: N questions per rule (no question twice), shuffled, with each
    choice question's options shuffled. The same seed and bank give the same paper."""
    rng = random.Random(seed)  # noqa: S311 - reproducible shuffling, not secrecy
    chosen: list[int] = []
    taken: set[int] = set()
    for rule, ids in _pools(exam):
        pool = [pk for pk in ids if pk not in taken]
        if len(pool) < rule["count"]:
            raise DomainError(
                _("The question bank is too small for these rules: %(missing)s")
                % {"missing": "; ".join(bank_shortfalls(exam)) or rule["topic"]},
                field="rules",
            )
        picked = rng.sample(pool, rule["count"])
        chosen.extend(picked)
        taken.update(picked)
    rng.shuffle(chosen)
    options = dict(Question.objects.filter(pk__in=chosen).values_list("pk", "options"))
    paper = []
    for pk in chosen:
        order = list(range(len(options[pk] or [])))
        rng.shuffle(order)
        paper.append(DrawnQuestion(pk, order))
    return paper


# --- attempts -------------------------------------------------------------------------------


def _finalise_if_expired(attempt: Attempt, now: datetime, actor: Any) -> None:
    if attempt.status == AttemptStatus.IN_PROGRESS and now > attempt.deadline_at + timedelta(
        seconds=GRACE_SECONDS
    ):
        _close(attempt, now=now, actor=actor, answers=None)


def start_attempt(
    exam: Exam, *, actor: Any, seed: int | None = None, now: datetime | None = None
) -> Attempt:
    """Start (or resume) the actor's attempt at `exam`, drawing their paper."""
    require(actor, TAKE_EXAM)
    if not exam.is_published:
        raise ConflictError(_("This exam is not open to candidates."))
    if actor.org_unit_id is None:
        raise DomainError(_("You belong to no org unit."))
    moment = now or timezone.now()
    with transaction.atomic():
        # Lock the candidate's row: two clicks on "start" must not draw two papers.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        previous = list(Attempt.objects.filter(exam=exam, person=actor.pk).order_by("number"))
        for attempt in previous:
            _finalise_if_expired(attempt, moment, actor)
        current = [a for a in previous if a.status == AttemptStatus.IN_PROGRESS]
        if current:
            return current[0]
        if any(a.status == AttemptStatus.AWAITING_MARKING for a in previous):
            raise ConflictError(_("Your last attempt is still being marked."))
        if any(a.status == AttemptStatus.PASSED for a in previous):
            raise ConflictError(_("You have already passed this exam."))
        if exam.max_attempts and len(previous) >= exam.max_attempts:
            raise ConflictError(_("You have used all the attempts this exam allows."))
        seed = seed if seed is not None else secrets.randbelow(2**31)
        paper = draw_paper(exam, seed)
        attempt = Attempt.objects.create(
            exam=exam,
            person=actor,
            org_unit_id=actor.org_unit_id,
            number=len(previous) + 1,
            seed=seed,
            started_at=moment,
            deadline_at=moment + timedelta(minutes=exam.duration_minutes),
            max_score=0,
            created_by=actor,
        )
        points = dict(
            Question.objects.filter(pk__in=[d.question_id for d in paper]).values_list(
                "pk", "points"
            )
        )
        AttemptQuestion.objects.bulk_create(
            AttemptQuestion(
                attempt=attempt,
                question_id=drawn.question_id,
                position=index,
                option_order=drawn.option_order,
            )
            for index, drawn in enumerate(paper, start=1)
        )
        attempt.max_score = sum(points.values())
        attempt.save(update_fields=["max_score"])
        audit.record(
            AuditAction.CREATE,
            attempt,
            actor=actor,
            after={"exam": exam.pk, "number": attempt.number, "seed": seed},
        )
    return attempt


def _check_candidate(attempt: Attempt, actor: Any) -> None:
    if attempt.person_id != actor.pk:
        raise PermissionDenied(_("Only the candidate answers an attempt."))
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise ConflictError(_("This attempt has been submitted."))


def clean_answer(question: Question, value: Any) -> Any:
    """An answer in stored form (indexes into the question's original options), or a
    DomainError naming the question."""
    field = f"q{question.pk}"
    if value is None or value == "" or value == []:
        return None
    if question.kind == QuestionKind.SHORT:
        text = str(value).strip()
        if len(text) > MAX_SHORT_ANSWER:
            raise DomainError(_("The answer is too long."), field=field)
        return text or None
    count = 2 if question.kind == QuestionKind.TRUE_FALSE else len(question.options)
    values = value if isinstance(value, list) else [value]
    try:
        chosen = sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise DomainError(_("Choose one of the options."), field=field) from None
    if any(c < 0 or c >= count for c in chosen):
        raise DomainError(_("Choose one of the options."), field=field)
    if question.kind != QuestionKind.MULTIPLE and len(chosen) != 1:
        raise DomainError(_("Choose exactly one option."), field=field)
    return chosen


def _apply_answers(attempt: Attempt, answers: dict[int, Any], now: datetime) -> None:
    """`answers` maps a paper position to an answer; unknown positions are refused."""
    rows = {row.position: row for row in attempt.questions.select_related("question")}
    for position, value in answers.items():
        row = rows.get(position)
        if row is None:
            raise DomainError(
                _("Question %(number)s is not on this paper.") % {"number": position},
                field="answers",
            )
        row.answer = clean_answer(row.question, value)
        row.answered_at = now
    AttemptQuestion.objects.bulk_update(list(rows.values()), ["answer", "answered_at"])


def save_answers(
    attempt: Attempt, answers: dict[int, Any], *, actor: Any, now: datetime | None = None
) -> Attempt:
    """Keep the answers so far; refused once the time is up."""
    moment = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        _check_candidate(attempt, actor)
        if moment > attempt.deadline_at + timedelta(seconds=GRACE_SECONDS):
            raise ConflictError(_("The time is up; submit the attempt."))
        _apply_answers(attempt, answers, moment)
    return attempt


def submit_attempt(
    attempt: Attempt,
    *,
    actor: Any,
    answers: dict[int, Any] | None = None,
    now: datetime | None = None,
) -> Attempt:
    """Hand the attempt in and score it (see the module's rules for late submissions)."""
    moment = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        _check_candidate(attempt, actor)
        _close(attempt, now=moment, actor=actor, answers=answers)
    return attempt


def score_answer(question: Question, answer: Any) -> Decimal:
    points = Decimal(question.points)
    if not answer:
        return Decimal(0)
    correct = set(question.correct)
    chosen = set(answer)
    if question.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE):
        return points if chosen == correct else Decimal(0)
    if chosen - correct:
        return Decimal(0)
    share = points * len(chosen) / len(correct)
    return share.quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def _close(attempt: Attempt, *, now: datetime, actor: Any, answers: dict[int, Any] | None) -> None:
    deadline = attempt.deadline_at + timedelta(seconds=GRACE_SECONDS)
    late = now > deadline
    if answers and not late:
        _apply_answers(attempt, answers, now)
    attempt.submitted_at = now
    attempt.is_late = late
    attempt.late_seconds = int((now - attempt.deadline_at).total_seconds()) if late else 0
    rows = list(attempt.questions.select_related("question"))
    waiting = False
    for row in rows:
        if row.answered_at is not None and row.answered_at > deadline:
            row.answer = None  # saved too late: not scored
        if row.question.kind == QuestionKind.SHORT:
            if row.answer:
                row.awarded = None
                waiting = True
            else:
                row.awarded = Decimal(0)
        else:
            row.awarded = score_answer(row.question, row.answer)
    AttemptQuestion.objects.bulk_update(rows, ["answer", "awarded"])
    if waiting:
        attempt.status = AttemptStatus.AWAITING_MARKING
        attempt.save()
    else:
        _finalise(attempt, rows, actor)
    audit.record(
        AuditAction.TRANSITION,
        attempt,
        actor=actor,
        after={
            "status": attempt.status,
            "late": attempt.is_late,
            "late_seconds": attempt.late_seconds,
            "score": str(attempt.score),
        },
    )


def _finalise(attempt: Attempt, rows: list[AttemptQuestion], actor: Any) -> None:
    score = sum((row.awarded or Decimal(0) for row in rows), Decimal(0))
    attempt.score = score
    percent = (score * 100 / attempt.max_score) if attempt.max_score else Decimal(0)
    attempt.percent = percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    passed = attempt.percent >= attempt.exam.pass_mark
    attempt.status = AttemptStatus.PASSED if passed else AttemptStatus.FAILED
    attempt.save()
    if passed and attempt.exam.grants_id:
        grant_certification(
            attempt.person,
            attempt.exam.grants,  # type: ignore[arg-type]
            actor=actor,
            obtained_on=timezone.localdate(attempt.submitted_at),
            attempt=attempt,
        )


def mark_answer(row: AttemptQuestion, awarded: Any, *, actor: Any) -> Attempt:
    """A trainer marks one short answer; the attempt is scored when none is left."""
    require(actor, MARK_EXAM)
    try:
        points = Decimal(str(awarded))
    except ArithmeticError:
        raise DomainError(_("Enter a number of points."), field="awarded") from None
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("exam").get(pk=row.attempt_id)
        if attempt.status != AttemptStatus.AWAITING_MARKING:
            raise ConflictError(_("This attempt is not waiting for marking."))
        if attempt.person_id == actor.pk:
            raise PermissionDenied(_("You may not mark your own attempt."))
        row = AttemptQuestion.objects.select_related("question").get(pk=row.pk)
        if row.question.kind != QuestionKind.SHORT:
            raise DomainError(_("Only short answers are marked by hand."), field="awarded")
        if not Decimal(0) <= points <= row.question.points or points != points.quantize(
            Decimal("0.01")
        ):
            raise DomainError(
                _("Award between 0 and %(points)s points.") % {"points": row.question.points},
                field="awarded",
            )
        row.awarded = points
        row.marked_by = actor
        row.save(update_fields=["awarded", "marked_by"])
        rows = list(attempt.questions.select_related("question"))
        if all(r.awarded is not None for r in rows):
            _finalise(attempt, rows, actor)
        audit.record(
            AuditAction.UPDATE,
            attempt,
            actor=actor,
            after={"question": row.position, "awarded": str(points), "status": attempt.status},
        )
    return attempt


# --- statistics -----------------------------------------------------------------------------


@dataclass
class QuestionStatistics:
    question: Question
    answered: int
    difficulty_index: float | None  # share of the points won: 1 easy … 0 hard
    discrimination: float | None  # upper 27% minus lower 27% (−1 … 1); < 0.2 needs review


def question_statistics(exam: Exam) -> list[QuestionStatistics]:
    """Classical item analysis over the exam's scored attempts."""
    attempts = list(
        Attempt.objects.filter(
            exam=exam, status__in=[AttemptStatus.PASSED, AttemptStatus.FAILED]
        ).values_list("pk", "percent")
    )
    ranked = sorted(attempts, key=lambda row: (row[1] or 0, row[0]))
    group = max(1, round(len(ranked) * 0.27)) if len(ranked) >= 2 else 0
    lower = {pk for pk, _p in ranked[:group]}
    upper = {pk for pk, _p in ranked[len(ranked) - group :]} if group else set()
    rows = AttemptQuestion.objects.filter(attempt__in=[pk for pk, _p in attempts]).select_related(
        "question"
    )
    shares: dict[int, dict[int, float]] = {}
    questions: dict[int, Question] = {}
    for row in rows:
        questions[row.question_id] = row.question
        share = float(row.awarded or 0) / row.question.points
        shares.setdefault(row.question_id, {})[row.attempt_id] = share
    result = []
    for pk, by_attempt in sorted(shares.items()):
        values = list(by_attempt.values())
        up = [v for a, v in by_attempt.items() if a in upper]
        low = [v for a, v in by_attempt.items() if a in lower]
        discrimination = (sum(up) / len(up) - sum(low) / len(low)) if up and low else None
        result.append(
            QuestionStatistics(
                question=questions[pk],
                answered=len(values),
                difficulty_index=round(sum(values) / len(values), 3),
                discrimination=round(discrimination, 3) if discrimination is not None else None,
            )
        )
    return result
