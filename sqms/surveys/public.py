"""Answering a survey: the public page of a signed link, the counter tablet (kiosk) and phone
entry by an agent.

Kiosk mode without a middleware: starting it logs the agent out and sets a signed cookie
naming the agent, the unit and (optionally) the ticket. The tablet then has no staff session,
so every other page of the system answers with the log-in page; the kiosk page itself has no
links, resets after each submission, and leaving it needs the agent's password (which logs
the agent back in and drops the cookie).
"""

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.models import OrgUnit, User
from sqms.core.scope import unit_in_scope
from sqms.core.views import permission_view
from sqms.surveys import links, services
from sqms.surveys.access import visible_ticket
from sqms.surveys.choices import InvitationStatus, QuestionType, ResponseMode
from sqms.surveys.forms import KioskExitForm, KioskStartForm
from sqms.surveys.models import Invitation, SurveyResponse, SurveyTemplate, SurveyVersion
from sqms.surveys.seed import POST_SERVICE

KIOSK_COOKIE = "sqms_kiosk"
KIOSK_SALT = "sqms.surveys.kiosk"
KIOSK_MAX_AGE = 12 * 60 * 60
LANGUAGES = ("zh-hans", "en")


# --- shared rendering ---


def _values_from(post: QueryDict, version: SurveyVersion) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for question in version.questions.all():
        key = f"q_{question.code}"
        if question.qtype == QuestionType.MULTIPLE:
            if key in post or f"{key}_present" in post:
                values[question.code] = post.getlist(key)
        elif key in post:
            values[question.code] = post.get(key)
    return values


def _current(response: SurveyResponse | None) -> dict[int, Any]:
    if response is None:
        return {}
    return {a.question_id: a for a in response.answers.all()}


def question_rows(
    version: SurveyVersion,
    language: str,
    response: SurveyResponse | None = None,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    answers = _current(response)
    rows = []
    for question in version.questions.all():
        answer = answers.get(question.pk)
        value: Any = None
        if posted is not None and question.code in posted:
            value = posted[question.code]
        elif answer is not None:
            value = answer.number if answer.number is not None else (answer.text or answer.choices)
        low, high = question.labels(language)
        chosen = (
            value if isinstance(value, list) else ([str(value)] if value not in (None, "") else [])
        )
        rows.append(
            {
                "q": question,
                "name": f"q_{question.code}",
                "text": question.text(language),
                "low": low,
                "high": high,
                "values": question.scale_values,
                "options": question.option_labels(language),
                "chosen": [str(v) for v in chosen],
                "text_value": value if question.qtype == QuestionType.TEXT and value else "",
                "error": (errors or {}).get(question.code, ""),
                "is_text": question.qtype == QuestionType.TEXT,
                "is_multiple": question.qtype == QuestionType.MULTIPLE,
                "is_single": question.qtype == QuestionType.SINGLE,
                "wide": len(question.scale_values) > 7,
            }
        )
    return rows


def _language(request: HttpRequest, default: str) -> str:
    wanted = (request.GET.get("lang") or request.POST.get("lang") or default or "zh-hans").lower()
    return wanted if wanted in LANGUAGES else "zh-hans"


def _public(
    request: HttpRequest, template: str, context: dict[str, Any], language: str, status: int = 200
) -> HttpResponse:
    with translation.override(language):
        response = render(request, template, {**context, "language": language}, status=status)
    response["Cache-Control"] = "no-store"
    # The token is in the URL: never send it to another site (same-origin keeps the
    # Origin header for the CSRF check; "no-referrer" would make it "null").
    response["Referrer-Policy"] = "same-origin"
    return response


# --- the public answer page ---


def _response_of(invitation: Invitation, language: str) -> SurveyResponse:
    existing = SurveyResponse.objects.filter(invitation=invitation).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return services.start_response(
                version=invitation.version, invitation=invitation, language=language
            )
    except IntegrityError:  # a second tab started it at the same moment
        return SurveyResponse.objects.get(invitation=invitation)


def _closed_page(
    request: HttpRequest, invitation: Invitation | None, language: str
) -> HttpResponse | None:
    if invitation is None:
        return _public(request, "surveys/public/invalid.html", {}, language, status=404)
    if invitation.status == InvitationStatus.ANSWERED:
        return _public(request, "surveys/public/thanks.html", {"again": True}, language)
    if invitation.is_expired:
        return _public(request, "surveys/public/expired.html", {}, language, status=410)
    return None


@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's page: one page of questions; "save" keeps partial answers, "submit"
    completes the response (once)."""
    invitation = links.find_invitation(token)
    language = _language(request, invitation.language if invitation else "zh-hans")
    closed = _closed_page(request, invitation, language)
    if closed is not None or invitation is None:
        return closed  # type: ignore[return-value]
    version = invitation.version
    response = SurveyResponse.objects.filter(invitation=invitation).first()
    errors: dict[str, str] = {}
    posted = None
    saved = False
    if request.method == "POST":
        posted = _values_from(request.POST, version)
        response = _response_of(invitation, language)
        if request.POST.get("action") == "save":
            errors = services.save_answers(response, posted)
            saved = not errors
        else:
            try:
                services.submit(response, posted, actor=None)
            except services.SurveyErrors as refused:
                errors = refused.errors
            except DomainError:
                return _public(request, "surveys/public/thanks.html", {"again": True}, language)
            else:
                return _public(request, "surveys/public/thanks.html", {}, language)
    context = {
        "version": version,
        "intro": version.intro(language),
        "title": version.template.name_en
        if language == "en" and version.template.name_en
        else version.template.name_zh,
        "rows": question_rows(version, language, response, errors, posted),
        "errors": errors,
        "saved": saved,
        "action_url": request.path,
        "autosave_url": reverse("survey_autosave", args=[token]),
        "switch": True,
    }
    return _public(request, "surveys/public/answer.html", context, language)


@require_POST
def survey_autosave(request: HttpRequest, token: str) -> HttpResponse:
    """htmx: keep the answers given so far (partial); answers "saved" or the errors."""
    invitation = links.find_invitation(token)
    language = _language(request, invitation.language if invitation else "zh-hans")
    if invitation is None or not invitation.is_open:
        return HttpResponse(status=410)
    response = _response_of(invitation, language)
    if response.completed_at is not None:
        return HttpResponse(status=410)
    errors = services.save_answers(response, _values_from(request.POST, invitation.version))
    with translation.override(language):
        text = _("Some answers need attention.") if errors else _("Your answers so far are saved.")
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


# --- phone entry ---


def _post_service_version() -> SurveyVersion | None:
    template = SurveyTemplate.objects.filter(code=POST_SERVICE).first()
    return template.current_version() if template else None


@permission_view(services.ENTER)
@require_http_methods(["GET", "POST"])
def survey_phone_entry(request: HttpRequest, ticket_pk: int) -> HttpResponseBase:
    """An agent enters the answers the customer gives on the phone (marked as such)."""
    ticket = visible_ticket(request.user, ticket_pk)
    invitation = (
        Invitation.objects.filter(ticket=ticket, status=InvitationStatus.PENDING)
        .select_related("version")
        .order_by("-created_at")
        .first()
    )
    if SurveyResponse.objects.filter(ticket=ticket, completed_at__isnull=False).exists():
        return redirect("ticket_detail", ticket.pk)
    version = invitation.version if invitation else _post_service_version()
    if version is None:
        raise PermissionDenied(_("No published survey to enter."))
    language = request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "zh-hans"
    errors: dict[str, str] = {}
    posted = None
    if request.method == "POST":
        posted = _values_from(request.POST, version)
        with transaction.atomic():
            response = (
                SurveyResponse.objects.filter(invitation=invitation).first() if invitation else None
            )
            response = response or services.start_response(
                version=version,
                invitation=invitation,
                ticket=ticket,
                mode=ResponseMode.PHONE,
                entered_by=request.user,
                language=getattr(ticket.customer, "language", "zh-hans") or "zh-hans",
            )
            if response.mode != ResponseMode.PHONE:
                SurveyResponse.objects.filter(pk=response.pk).update(
                    mode=ResponseMode.PHONE, entered_by=request.user
                )
                response.mode = ResponseMode.PHONE
            try:
                services.submit(response, posted, actor=request.user)
            except services.SurveyErrors as refused:
                errors = refused.errors
                transaction.set_rollback(True)
            else:
                from django.contrib import messages

                messages.success(request, _("The customer's answers are saved."))
                return redirect("ticket_detail", ticket.pk)
    return render(
        request,
        "surveys/phone_entry.html",
        {
            "ticket": ticket,
            "version": version,
            "rows": question_rows(version, language, None, errors, posted),
            "errors": errors,
        },
    )


# --- counter tablet (kiosk) ---


def _kiosk_state(request: HttpRequest) -> dict[str, Any] | None:
    raw = request.COOKIES.get(KIOSK_COOKIE)
    if not raw:
        return None
    try:
        state = signing.loads(raw, salt=KIOSK_SALT, max_age=KIOSK_MAX_AGE)
    except signing.BadSignature:
        return None
    return state if isinstance(state, dict) else None


def _set_kiosk(response: HttpResponse, state: dict[str, Any]) -> None:
    response.set_cookie(
        KIOSK_COOKIE,
        signing.dumps(state, salt=KIOSK_SALT),
        max_age=KIOSK_MAX_AGE,
        httponly=True,
        samesite="Strict",
        path=reverse("survey_kiosk_start"),
    )


@permission_view(services.ENTER)
def survey_kiosk_start(request: HttpRequest) -> HttpResponseBase:
    """The menu entry: the kiosk of the agent's own unit."""
    unit = request.user.org_unit  # type: ignore[union-attr]
    if unit is None:
        raise PermissionDenied(_("You belong to no org unit."))
    return redirect("survey_kiosk", unit.pk)


@require_http_methods(["GET", "POST"])
def survey_kiosk(request: HttpRequest, unit_pk: int) -> HttpResponseBase:
    """Logged-in agent: pick the ticket (or a walk-in) and hand over. Tablet (kiosk cookie):
    the survey for the next customer, nothing else."""
    state = _kiosk_state(request)
    if state is None or state.get("unit") != unit_pk:
        return _kiosk_hand_over(request, unit_pk)
    agent = User.objects.filter(pk=int(state.get("agent") or 0), is_active=True).first()
    unit = OrgUnit.objects.filter(pk=unit_pk).first()
    version = _post_service_version()
    if agent is None or unit is None or version is None:
        page = render(request, "surveys/public/invalid.html", {"kiosk": True}, status=404)
        page.delete_cookie(KIOSK_COOKIE, path=reverse("survey_kiosk_start"))
        return page
    language = _language(request, "zh-hans")
    errors: dict[str, str] = {}
    posted = None
    exit_form = KioskExitForm()
    if request.method == "POST" and request.POST.get("action") == "exit":
        exit_form = KioskExitForm(request.POST)
        if exit_form.is_valid():
            user = authenticate(
                request, username=agent.get_username(), password=exit_form.cleaned_data["password"]
            )
            if user is not None and user.pk == agent.pk:
                login(request, user)
                done = redirect("survey_kiosk", unit_pk)
                done.delete_cookie(KIOSK_COOKIE, path=reverse("survey_kiosk_start"))
                return done
            exit_form.add_error(
                "password",
                _("That is not the password of the staff member who started the tablet."),
            )
    elif request.method == "POST":
        posted = _values_from(request.POST, version)
        ticket = None
        if state.get("ticket"):
            from sqms.servicedesk.models import Ticket

            ticket = Ticket.objects.filter(pk=state["ticket"]).first()
        with transaction.atomic():
            response = services.start_response(
                version=version,
                ticket=ticket,
                mode=ResponseMode.KIOSK,
                entered_by=agent,
                org_unit=unit,
                language=language,
            )
            try:
                services.submit(response, posted, actor=None)
            except services.SurveyErrors as refused:
                errors = refused.errors
                transaction.set_rollback(True)
        if not errors:
            # Reset for the next customer: the ticket was this customer's only.
            page = _public(
                request,
                "surveys/public/thanks.html",
                {"kiosk_url": request.path, "kiosk": True},
                language,
            )
            _set_kiosk(page, {**state, "ticket": None})
            return page
    context = {
        "version": version,
        "intro": version.intro(language),
        "title": version.template.name_en
        if language == "en" and version.template.name_en
        else version.template.name_zh,
        "rows": question_rows(version, language, None, errors, posted),
        "errors": errors,
        "action_url": request.path,
        "kiosk": True,
        "exit_form": exit_form,
        "unit": unit,
        "switch": True,
    }
    return _public(request, "surveys/public/answer.html", context, language)


def _kiosk_hand_over(request: HttpRequest, unit_pk: int) -> HttpResponseBase:
    """Not (yet) a tablet: the agent's start page."""
    from django.contrib.auth.views import redirect_to_login

    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user.has_perm(services.ENTER):
        raise PermissionDenied
    unit = OrgUnit.objects.filter(pk=unit_pk).first()
    if unit is None or not unit_in_scope(user, unit):
        from django.http import Http404

        raise Http404(_("No such org unit."))
    form = KioskStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["ticket_number"].strip()
        ticket_id = None
        if number:
            from sqms.servicedesk.models import Ticket

            ticket = Ticket.objects.visible_to(user).filter(number=number).first()
            if ticket is None:
                add_domain_error(
                    form, DomainError(_("No such ticket in your units."), field="ticket_number")
                )
            else:
                ticket_id = ticket.pk
        if not form.errors:
            agent_pk = user.pk
            logout(request)
            page = redirect("survey_kiosk", unit_pk)
            _set_kiosk(page, {"agent": agent_pk, "unit": unit_pk, "ticket": ticket_id})
            return page
    return render(request, "surveys/kiosk_start.html", {"form": form, "unit": unit})
