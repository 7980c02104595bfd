"""UI pages of the staff app: the generic record pages, the archive and training (exams live in
exam_views, scorecards and rewards in performance_views).

Plain records use the generic pages of sqms.staff.crud; the pages here carry the workflows.
Views parse input, fetch through scoped querysets (404 outside the scope) and call services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.masking import mask_address, mask_id_number, mask_phone
from sqms.core.models import User
from sqms.core.reveal import can_reveal, reveal
from sqms.core.scope import unit_in_scope
from sqms.core.views import permission_view
from sqms.staff import forms, scoring, services, training
from sqms.staff.access import fetch, visible_people
from sqms.staff.choices import ApprovalStatus
from sqms.staff.crud import Column, Crud
from sqms.staff.models import (
    Attempt,
    Certification,
    CertificationType,
    Competency,
    Course,
    Enrolment,
    Exam,
    PlanItem,
    Question,
    RewardPenalty,
    Scorecard,
    ScorecardWeights,
    StaffProfile,
    TrainingPlan,
    TrainingSession,
)
from sqms.staff.records import create_record, delete_record

PAGE_SIZE = 50
REVEALABLE = {
    "id_number": mask_id_number,
    "home_address": mask_address,
    "emergency_phone": mask_phone,
}


# --- generic records ----------------------------------------------------------------------


def _session_context(request: HttpRequest, session: TrainingSession) -> dict[str, Any]:
    enrolments = session.enrolments.select_related("person").order_by("person__username")
    return {
        "enrolments": enrolments,
        "enrol_form": forms.EnrolForm(user=request.user),
        "can_enrol": request.user.has_perm("staff.add_enrolment"),
        "can_mark": request.user.has_perm("staff.change_enrolment"),
    }


def _plan_context(request: HttpRequest, plan: TrainingPlan) -> dict[str, Any]:
    return {
        "items": plan.items.select_related("course"),
        "item_form": forms.PlanItemForm(user=request.user),
        "can_edit_items": request.user.has_perm("staff.change_trainingplan"),
    }


def _weights_prepare(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    if obj is None:
        values["version"] = scoring.next_weights_version(
            values["org_unit"], values.get("position") or ""
        )
    values["position"] = values.get("position") or ""
    return values


COURSES = Crud(
    "course",
    Course,
    forms.CourseForm,
    gettext_lazy("Courses"),
    "easel",
    [
        Column(gettext_lazy("Title"), lambda o: o.title),
        Column(gettext_lazy("Code"), lambda o: o.code),
        Column(gettext_lazy("Type"), lambda o: o.get_course_type_display()),
        Column(gettext_lazy("Mode"), lambda o: o.get_mode_display()),
        Column(gettext_lazy("Hours"), lambda o: o.hours),
        Column(gettext_lazy("Org unit"), lambda o: o.org_unit),
    ],
    search=lambda qs, q: qs.filter(Q(title__icontains=q) | Q(code__icontains=q)),
)
SESSIONS = Crud(
    "session",
    TrainingSession,
    forms.TrainingSessionForm,
    gettext_lazy("Training sessions"),
    "calendar-event",
    [
        Column(gettext_lazy("Session"), lambda o: o),
        Column(gettext_lazy("Trainer"), lambda o: o.trainer.get_full_name() or o.trainer.username),
        Column(gettext_lazy("Capacity"), lambda o: o.capacity),
        Column(gettext_lazy("Location"), lambda o: o.location),
    ],
    related=("org_unit", "course", "trainer"),
    detail_template="staff/session_detail.html",
    detail_context=_session_context,
)
PLANS = Crud(
    "plan",
    TrainingPlan,
    forms.TrainingPlanForm,
    gettext_lazy("Training plans"),
    "list-check",
    [
        Column(gettext_lazy("Name"), lambda o: o.name),
        Column(gettext_lazy("Position"), lambda o: o.position),
        Column(gettext_lazy("Org unit"), lambda o: o.org_unit),
    ],
    detail_template="staff/plan_detail.html",
    detail_context=_plan_context,
    extra_actions=[(gettext_lazy("Export plans (Excel)"), "staff_plan_export")],
)
QUESTIONS = Crud(
    "question",
    Question,
    forms.QuestionForm,
    gettext_lazy("Question bank"),
    "question-circle",
    [
        Column(gettext_lazy("Question"), lambda o: str(o)),
        Column(gettext_lazy("Topic"), lambda o: o.topic),
        Column(gettext_lazy("Difficulty"), lambda o: o.get_difficulty_display()),
        Column(gettext_lazy("Kind"), lambda o: o.get_kind_display()),
        Column(gettext_lazy("Points"), lambda o: o.points),
    ],
    search=lambda qs, q: qs.filter(Q(text__icontains=q) | Q(topic__icontains=q)),
)
EXAMS = Crud(
    "exam",
    Exam,
    forms.ExamForm,
    gettext_lazy("Exams"),
    "pencil-square",
    [],
    related=("org_unit", "course", "grants"),
)
CERT_TYPES = Crud(
    "certtype",
    CertificationType,
    forms.CertificationTypeForm,
    gettext_lazy("Certification types"),
    "patch-check",
    [
        Column(gettext_lazy("Name"), lambda o: o.name),
        Column(gettext_lazy("Code"), lambda o: o.code),
        Column(gettext_lazy("Required for ticket kind"), lambda o: o.get_ticket_kind_display()),
        Column(gettext_lazy("Without it"), lambda o: o.get_enforcement_display()),
        Column(gettext_lazy("Valid for (months)"), lambda o: o.validity_months),
    ],
)
COMPETENCIES = Crud(
    "competency",
    Competency,
    forms.CompetencyForm,
    gettext_lazy("Competency matrix"),
    "grid-3x3",
    [
        Column(gettext_lazy("Skill"), lambda o: o.skill),
        Column(gettext_lazy("Position"), lambda o: o.position),
        Column(gettext_lazy("Required level"), lambda o: o.required_level),
        Column(gettext_lazy("Org unit"), lambda o: o.org_unit),
    ],
    search=lambda qs, q: qs.filter(Q(position__icontains=q) | Q(skill__icontains=q)),
)
WEIGHTS = Crud(
    "weights",
    ScorecardWeights,
    forms.WeightsForm,
    gettext_lazy("Scorecard weights"),
    "sliders",
    [
        Column(gettext_lazy("Weights"), lambda o: o),
        Column(gettext_lazy("Effective from"), lambda o: o.effective_from),
        Column(gettext_lazy("Org unit"), lambda o: o.org_unit),
    ],
    prepare=_weights_prepare,
    guard=scoring.check_weights_unused,
)


# --- the archive --------------------------------------------------------------------------


def _person_in_reach(request: HttpRequest, pk: int) -> User:
    """The person whose archive is asked for: oneself, or someone in scope with the view
    permission (404 otherwise, so existence is not revealed)."""
    user: Any = request.user
    if int(pk) == user.pk:
        return user
    if not user.has_perm("staff.view_staffprofile"):
        raise PermissionDenied
    return fetch(visible_people(user).select_related("org_unit"), pk)


@permission_view("staff.view_staffprofile")
def person_list(request: HttpRequest) -> HttpResponse:
    people = (
        visible_people(request.user)
        .select_related("org_unit", "staff_profile")
        .order_by("org_unit__path", "username")
    )
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(position__icontains=query)
            | Q(employee_number__icontains=query)
        )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    valid = dict(
        Certification.objects.filter(
            person__in=[p.pk for p in page.object_list], revoked=False, expires_on__gte=today
        )
        .values("person")
        .annotate(n=Count("pk"))
        .values_list("person", "n")
    )
    for person in page.object_list:
        person.valid_certifications = valid.get(person.pk, 0)  # type: ignore[attr-defined]
    return render(request, "staff/person_list.html", {"page": page, "query": query})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    return redirect("staff_person_detail", pk=request.user.pk)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_in_reach(request, pk)
    user: Any = request.user
    profile = StaffProfile.objects.filter(user=person).first()
    today = timezone.localdate()
    context = {
        "person": person,
        "profile": profile,
        "masked": {
            name: masker(getattr(profile, name) or "") for name, masker in REVEALABLE.items()
        }
        if profile
        else {},
        "can_reveal": profile is not None and can_reveal(user, profile),
        "can_edit": user.has_perm("staff.change_staffprofile")
        and person.pk != user.pk
        and unit_in_scope(user, person.org_unit),
        "can_grant": user.has_perm("staff.add_certification")
        and person.pk != user.pk
        and unit_in_scope(user, person.org_unit),
        "grant_form": forms.GrantForm(user=user, initial={"obtained_on": today}),
        "can_revoke": user.has_perm("staff.change_certification")
        and person.pk != user.pk
        and unit_in_scope(user, person.org_unit),
        "training": training.training_status(person),
        "competencies": services.competency_matrix(person),
        "rating_form": forms.RatingForm(),
        "enrolments": Enrolment.objects.filter(person=person)
        .select_related("session__course")
        .order_by("-session__starts_at")[:50],
        "attempts": Attempt.objects.filter(person=person)
        .select_related("exam")
        .order_by("-started_at")[:50],
        "certifications": Certification.objects.filter(person=person)
        .select_related("cert_type")
        .order_by("-expires_on"),
        "scorecards": Scorecard.objects.filter(person=person).order_by("-period")[:12],
        "rewards": RewardPenalty.objects.filter(person=person)
        .exclude(status=ApprovalStatus.REJECTED)
        .order_by("-created_at")[:50],
        "today": today,
        "is_self": person.pk == user.pk,
    }
    return render(request, "staff/person_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm("staff.change_staffprofile"):
        raise PermissionDenied
    person = fetch(visible_people(user), pk)
    profile = StaffProfile.objects.filter(user=person).first()
    form = forms.ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_profile(person, actor=user, **form.profile_values())
        except (DomainError, ValidationError) as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff_person_detail", pk=person.pk)
    return render(request, "staff/profile_form.html", {"form": form, "person": person})


@login_required
@require_POST
def profile_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    if field not in REVEALABLE:
        raise Http404
    person = fetch(visible_people(request.user), pk)
    profile = StaffProfile.objects.filter(user=person).first()
    if profile is None:
        raise Http404
    value = reveal(profile, field, actor=request.user)  # PermissionDenied without the right
    return render(request, "staff/_revealed.html", {"value": value})


@login_required
@require_POST
def competency_rate(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm("staff.change_staffprofile"):
        raise PermissionDenied
    person = fetch(visible_people(user), pk)
    form = forms.RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_competency(person, actor=user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Name the skill and choose a level from 1 to 5."))
    return redirect("staff_person_detail", pk=person.pk)


@login_required
@require_POST
def certification_grant(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm("staff.add_certification"):
        raise PermissionDenied
    person = fetch(visible_people(user), pk)
    form = forms.GrantForm(request.POST, user=user)
    if form.is_valid():
        services.grant_certification(
            person,
            form.cleaned_data["cert_type"],
            actor=user,
            obtained_on=form.cleaned_data["obtained_on"],
        )
        messages.success(request, _("Certification recorded."))
    else:
        messages.error(request, _("Choose a certification and a date."))
    return redirect("staff_person_detail", pk=person.pk)


@login_required
@require_POST
def certification_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certification = fetch(Certification.objects.visible_to(request.user), pk)
    try:
        services.revoke_certification(
            certification, actor=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Certification revoked."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("staff_person_detail", pk=certification.person_id)


# --- training -------------------------------------------------------------------------------


@permission_view("staff.add_enrolment")
@require_POST
def session_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    session = fetch(TrainingSession.objects.visible_to(request.user), pk)
    form = forms.EnrolForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            training.enrol(session, form.cleaned_data["person"], actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Enrolled."))
    else:
        messages.error(request, _("Choose a trainee in your scope."))
    return redirect("staff_session_detail", pk=session.pk)


@permission_view("staff.change_enrolment")
@require_POST
def enrolment_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = fetch(Enrolment.objects.in_scope_of(request.user).select_related("session"), pk)
    training.record_attendance(enrolment, request.POST.get("attended") == "yes", actor=request.user)
    return redirect("staff_session_detail", pk=enrolment.session_id)


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = fetch(
        Enrolment.objects.filter(person=request.user.pk).select_related("session__course"), pk
    )
    form = forms.FeedbackForm(
        request.POST or None,
        initial={
            "feedback_rating": enrolment.feedback_rating,
            "feedback_comment": enrolment.feedback_comment,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            training.submit_feedback(
                enrolment,
                actor=request.user,
                rating=form.cleaned_data["feedback_rating"],
                comment=form.cleaned_data["feedback_comment"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("staff_me")
    return render(request, "staff/feedback_form.html", {"form": form, "enrolment": enrolment})


@permission_view("staff.change_trainingplan")
@require_POST
def plan_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = fetch(TrainingPlan.objects.editable_by(request.user), pk)
    form = forms.PlanItemForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            create_record(PlanItem, actor=request.user, plan=plan, **form.cleaned_data)
        except PermissionDenied:
            raise
        except (DomainError, ValidationError) as error:
            messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.error(request, _("Check the course and the numbers."))
    return redirect("staff_plan_detail", pk=plan.pk)


@permission_view("staff.change_trainingplan")
@require_POST
def plan_item_remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    plan = fetch(TrainingPlan.objects.editable_by(request.user), pk)
    row = fetch(plan.items.all(), item)
    delete_record(row, actor=request.user)
    return redirect("staff_plan_detail", pk=plan.pk)


@permission_view("staff.view_enrolment")
def overdue(request: HttpRequest) -> HttpResponse:
    rows = training.overdue_training(visible_people(request.user))
    return render(request, "staff/overdue.html", {"rows": rows, "today": timezone.localdate()})
