"""UI pages of exams: the list and page of an exam, starting an attempt, the candidate's paper
and result, and marking short answers."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.views import permission_view
from sqms.staff import examining
from sqms.staff.access import fetch, visible_attempts, visible_exams
from sqms.staff.choices import AttemptStatus, QuestionKind
from sqms.staff.models import Attempt, Exam
from sqms.staff.views import EXAMS

PAGE_SIZE = 50


# --- exams ----------------------------------------------------------------------------------


def _can_see_exams(user: Any) -> bool:
    return user.has_perm("staff.view_exam") or user.has_perm("staff.take_exam")


@login_required
def exam_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not _can_see_exams(user):
        raise PermissionDenied
    exams = visible_exams(user).select_related("org_unit", "grants").order_by("-created_at")
    page = Paginator(exams, PAGE_SIZE).get_page(request.GET.get("page"))
    mine: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(
        person=user.pk, exam__in=[e.pk for e in page.object_list]
    ).order_by("number"):
        mine.setdefault(attempt.exam_id, []).append(attempt)
    for exam in page.object_list:
        exam.my_attempts = mine.get(exam.pk, [])
        exam.my_last = exam.my_attempts[-1] if exam.my_attempts else None
    return render(
        request, "staff/exam_list.html", {"page": page, "can_add": user.has_perm("staff.add_exam")}
    )


@login_required
def exam_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    if not _can_see_exams(user):
        raise PermissionDenied
    exam = fetch(visible_exams(user).select_related("org_unit", "grants", "course"), pk)
    manager = user.has_perm("staff.view_attempt")
    context: dict[str, Any] = {
        "exam": exam,
        "crud": EXAMS,
        "my_attempts": Attempt.objects.filter(exam=exam, person=user.pk).order_by("number"),
        "can_take": user.has_perm("staff.take_exam") and exam.is_published,
        "can_change": user.has_perm("staff.change_exam")
        and Exam.objects.editable_by(user).filter(pk=exam.pk).exists(),
        "manager": manager,
        "grace": examining.GRACE_SECONDS,
    }
    if manager:
        context["attempts"] = (
            visible_attempts(user)
            .filter(exam=exam)
            .select_related("person")
            .order_by("-started_at")[:200]
        )
        context["statistics"] = examining.question_statistics(exam)
    return render(request, "staff/exam_detail.html", context)


@login_required
@require_POST
def exam_start(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm("staff.take_exam"):
        raise PermissionDenied
    exam = fetch(visible_exams(user), pk)
    try:
        attempt = examining.start_attempt(exam, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("staff_exam_detail", pk=exam.pk)
    return redirect("staff_attempt", pk=attempt.pk)


def _answers_from_post(request: HttpRequest, attempt: Attempt) -> dict[int, Any]:
    answers: dict[int, Any] = {}
    for row in attempt.questions.select_related("question"):
        key = f"q{row.position}"
        if row.question.kind == QuestionKind.MULTIPLE:
            answers[row.position] = request.POST.getlist(key)
        elif row.question.kind == QuestionKind.SHORT:
            answers[row.position] = request.POST.get(key, "")
        else:
            answers[row.position] = request.POST.get(key) or None
    return answers


@login_required
@require_http_methods(["GET", "POST"])
def attempt_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate's paper while in progress; the result (with marks, never the key before
    submission) once handed in. Others with the view permission see the result only."""
    user: Any = request.user
    attempt = fetch(visible_attempts(user).select_related("exam", "person"), pk)
    if request.method == "POST":
        if attempt.person_id != user.pk:
            raise PermissionDenied
        answers = _answers_from_post(request, attempt)
        try:
            if "submit" in request.POST:
                attempt = examining.submit_attempt(attempt, actor=user, answers=answers)
                if attempt.is_late:
                    messages.warning(
                        request,
                        _(
                            "Your submission was late: only answers saved before the "
                            "deadline were scored."
                        ),
                    )
                else:
                    messages.success(request, _("Submitted."))
            else:
                examining.save_answers(attempt, answers, actor=user)
                messages.success(request, _("Answers saved."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("staff_attempt", pk=attempt.pk)
    rows = list(attempt.questions.select_related("question").order_by("position"))
    in_progress = attempt.status == AttemptStatus.IN_PROGRESS
    for row in rows:
        question = row.question
        if question.kind == QuestionKind.TRUE_FALSE:
            row.choices = [(0, _("True")), (1, _("False"))]
        else:
            row.choices = [(index, question.options[index]) for index in row.option_order]
        row.chosen = set(row.answer or []) if question.kind != QuestionKind.SHORT else set()
    context = {
        "attempt": attempt,
        "rows": rows,
        "in_progress": in_progress and attempt.person_id == user.pk,
        "seconds_left": max(0, int((attempt.deadline_at - timezone.now()).total_seconds())),
        "can_mark": attempt.status == AttemptStatus.AWAITING_MARKING
        and user.has_perm("staff.change_attempt")
        and attempt.person_id != user.pk,
        "grace": examining.GRACE_SECONDS,
    }
    return render(request, "staff/attempt.html", context)


@permission_view("staff.change_attempt")
@require_POST
def attempt_mark(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    attempt = fetch(Attempt.objects.in_scope_of(request.user), pk)
    row = attempt.questions.filter(position=position).first()
    if row is None:
        raise Http404
    try:
        examining.mark_answer(row, request.POST.get("awarded", ""), actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("staff_attempt", pk=attempt.pk)
