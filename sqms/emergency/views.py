"""UI views of emergency response: incidents from report to review, plans and their versions,
critical services, drills, the dashboard, PDFs and the public service-status page.

Views stay thin: they fetch through sqms.emergency.access (404 outside the user's scope),
validate a form and call a service; a refusal comes back as a form error or a message.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms as dj_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error, style_widgets
from sqms.core.scope import unit_in_scope
from sqms.core.views import permission_view
from sqms.emergency import access, dashboard, documents, forms, services
from sqms.emergency.choices import (
    LEVEL_COLOURS,
    PUBLIC_STATUSES,
    STATUS_COLOURS,
    IncidentStatus,
    NoticeAudience,
    Phase,
    PlanStatus,
)
from sqms.emergency.filtersets import DrillFilterSet, IncidentFilterSet, PlanFilterSet
from sqms.emergency.models import (
    Incident,
    IncidentNotice,
    IncidentReview,
    IncidentTask,
    PlanVersion,
    ReviewAction,
)
from sqms.emergency.transitions import (
    LEVEL_CHANGE_STATUSES,
    NOTICE_STATUSES,
    TIMELINE_STATUSES,
    allowed_actions,
)

PAGE_SIZE = 25
VIEW_INCIDENT = "emergency.view_incident"
ADD_INCIDENT = "emergency.add_incident"
CHANGE_INCIDENT = "emergency.change_incident"
VIEW_PLAN = "emergency.view_emergencyplan"
VIEW_DRILL = "emergency.view_drill"
FLOW = [
    "reported",
    "assessed",
    "activated",
    "responding",
    "informing",
    "restored",
    "reviewing",
    "closed",
]


def paginate(request: HttpRequest, queryset: QuerySet) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- incidents -----------------------------------------------------------------------------------


@permission_view(VIEW_INCIDENT)
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = access.visible_incidents(request.user).select_related(
        "org_unit", "plan_version__plan"
    )
    filterset = IncidentFilterSet(request.GET, queryset=incidents, request=request)
    style_widgets(filterset.form)
    queryset = filterset.qs if filterset.is_valid() else incidents.none()
    page = paginate(request, queryset.order_by("-reported_at", "-id"))
    return render(
        request,
        "emergency/incident_list.html",
        {
            "filter": filterset,
            "page": page,
            "status_colours": STATUS_COLOURS,
            "level_colours": LEVEL_COLOURS,
        },
    )


@permission_view(ADD_INCIDENT)
@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest) -> HttpResponse:
    form = forms.ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.report_incident(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Incident %(number)s reported.") % {"number": incident.number}
            )
            return redirect("emergency:incident_detail", incident.pk)
    return render(request, "emergency/incident_form.html", {"form": form})


def _plan_preview(incident: Incident) -> Any:
    """The version the assessment would freeze, for showing its grading criteria."""
    if incident.plan_version_id:
        return incident.plan_version
    if not incident.event_type:
        return None
    plan = services.plan_for(incident.event_type, incident.org_unit)
    return services.current_version(plan) if plan else None


def _notice_initial(incident: Incident) -> dict[str, Any]:
    version = incident.plan_version
    audience = NoticeAudience.PUBLIC if incident.customer_facing else NoticeAudience.STAFF
    for template in version.templates if version else []:
        if template.get("audience") == audience:
            return {"audience": audience, "title": template["title"], "body": template["body"]}
    return {"audience": audience}


def _action_forms(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    user = request.user
    start = timezone.localtime(incident.detected_at).strftime(forms.LOCAL_INPUT)
    return {
        "assess": forms.AssessForm(
            initial={
                "event_type": incident.event_type,
                "level": incident.level or 4,
                "customer_facing": incident.customer_facing,
            }
        ),
        "level": forms.LevelForm(initial={"level": incident.level}),
        "respond": forms.NoteForm(),
        "restore": forms.RestoreForm(),
        "timeline": forms.TimelineForm(),
        "notice": forms.NoticeForm(initial=_notice_initial(incident)),
        "link": forms.LinkTicketsForm(user=user, initial={"start": start}),
        "dismiss": forms.ReasonForm(),
        "close": forms.NoteForm(),
        "review": None,
        "review_action": forms.ReviewActionForm(user=user),
    }


def _activation_form(
    request: HttpRequest, incident: Incident, data: Any = None
) -> dj_forms.Form | None:
    version = incident.plan_version
    if version is None:
        return None
    people = forms.people_for(request.user)
    form = dj_forms.Form(data)
    for role in version.roles:
        form.fields[f"role_{role['code']}"] = forms.PersonField(
            label=role["name"],
            queryset=people,
            required=False,
            help_text=role.get("position", ""),
        )
    style_widgets(form)
    return form


def _detail_context(
    request: HttpRequest, incident: Incident, failed: tuple[str, Any] | None = None
) -> dict[str, Any]:
    action_forms = _action_forms(request, incident)
    review = IncidentReview.objects.filter(incident=incident).first()
    if review is not None:
        action_forms["review"] = forms.ReviewForm(
            initial={key: getattr(review, key) for key in forms.ReviewForm.base_fields}
        )
    activation = _activation_form(request, incident)
    if failed is not None:
        if failed[0] == "activate":
            activation = failed[1]
        else:
            action_forms[failed[0]] = failed[1]
    tasks = list(incident.tasks.select_related("assignee", "done_by"))
    now = timezone.now()
    for task in tasks:
        task.overdue = task.done_at is None and task.due_at < now  # type: ignore[attr-defined]
    status = incident.status
    user = request.user
    return {
        "incident": incident,
        "status_colours": STATUS_COLOURS,
        "level_colours": LEVEL_COLOURS,
        "flow": [
            (
                s,
                IncidentStatus(s).label,
                FLOW.index(s) <= FLOW.index(status) if status in FLOW else False,
            )
            for s in FLOW
        ],
        "allowed": allowed_actions(status),
        "can_change": user.has_perm(CHANGE_INCIDENT),
        "can_level": status in LEVEL_CHANGE_STATUSES,
        "can_notice": status in NOTICE_STATUSES,
        "can_log": status in TIMELINE_STATUSES,
        "preview": _plan_preview(incident),
        "forms": action_forms,
        "activation": activation,
        "roles": incident.roles.select_related("user"),
        "tasks": tasks,
        "phases": dict(Phase.choices),
        "timeline": incident.events.select_related("actor").order_by("-occurred_at", "-id"),
        "notices": incident.notices.all(),
        "impact": services.impact(incident),
        "links": incident.ticket_links.select_related("ticket")[:50],
        "review": review,
        "review_actions": review.actions.select_related("owner", "plan_version") if review else [],
        "drill": getattr(incident, "drill", None) if incident.is_drill else None,
        "user_id": user.pk,
    }


@permission_view(VIEW_INCIDENT)
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access.access_incident(request.user, pk)
    return render(request, "emergency/incident_detail.html", _detail_context(request, incident))


def _activate(request: HttpRequest, incident: Incident) -> tuple[Any, Callable[[], Any]]:
    form = _activation_form(request, incident, request.POST)
    if form is None:
        raise DomainError(_("Assess the incident first."))
    form.is_valid()
    assignments = {
        name[5:]: value
        for name, value in form.cleaned_data.items()
        if name.startswith("role_") and value is not None
    }
    return form, lambda: services.activate_incident(
        incident, actor=request.user, assignments=assignments
    )


def _build(request: HttpRequest, incident: Incident, name: str) -> tuple[Any, Callable[[], Any]]:
    """The bound form of an action and the service call it makes."""
    user = request.user
    post = request.POST
    if name == "activate":
        return _activate(request, incident)
    simple: dict[str, tuple[str, Any, Callable[[dict[str, Any]], Any]]] = {
        "assess": (
            "assess",
            forms.AssessForm,
            lambda v: services.assess_incident(incident, actor=user, **v),
        ),
        "respond": (
            "respond",
            forms.NoteForm,
            lambda v: services.start_response(incident, actor=user, **v),
        ),
        "restore": (
            "restore",
            forms.RestoreForm,
            lambda v: services.restore_service(incident, actor=user, **v),
        ),
        "change_level": (
            "level",
            forms.LevelForm,
            lambda v: services.change_level(incident, actor=user, **v),
        ),
        "timeline": (
            "timeline",
            forms.TimelineForm,
            lambda v: services.add_timeline_entry(incident, actor=user, **v),
        ),
        "notice": (
            "notice",
            forms.NoticeForm,
            lambda v: services.publish_notice(incident, actor=user, **v),
        ),
        "dismiss": (
            "dismiss",
            forms.ReasonForm,
            lambda v: services.dismiss_incident(incident, actor=user, **v),
        ),
        "start_review": (
            "close",
            forms.NoteForm,
            lambda v: services.start_review(incident, actor=user),
        ),
        "review": (
            "review",
            forms.ReviewForm,
            lambda v: services.update_review(incident, actor=user, **v),
        ),
        "complete_review": (
            "close",
            forms.NoteForm,
            lambda v: services.complete_review(incident, actor=user),
        ),
        "close": (
            "close",
            forms.NoteForm,
            lambda v: services.close_incident(incident, actor=user, **v),
        ),
    }
    if name == "link":
        link_form = forms.LinkTicketsForm(post, user=user)
        return ("link", link_form), lambda: services.link_tickets(
            incident, actor=user, **link_form.cleaned_data
        )
    if name == "review_action":
        action_form = forms.ReviewActionForm(post, user=user)
        return ("review_action", action_form), lambda: services.add_review_action(
            incident, actor=user, **action_form.cleaned_data
        )
    if name not in simple:
        raise PermissionDenied
    key, form_class, call = simple[name]
    form = form_class(post)
    return (key, form), lambda: call(form.cleaned_data)


DONE_MESSAGES: dict[str, Any] = {
    "assess": gettext_lazy("Assessed; the plan version is frozen on the incident."),
    "activate": gettext_lazy("Plan activated: roles assigned and tasks created."),
    "notice": gettext_lazy("Notice released."),
    "restore": gettext_lazy("Service marked restored."),
    "link": gettext_lazy("Tickets linked."),
    "complete_review": gettext_lazy("Review completed."),
    "close": gettext_lazy("Incident closed."),
}


@permission_view(VIEW_INCIDENT)
@require_POST
def incident_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    incident = access.access_incident(request.user, pk)
    if not request.user.has_perm(CHANGE_INCIDENT):
        raise PermissionDenied
    try:
        built, call = _build(request, incident, name)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("emergency:incident_detail", incident.pk)
    key, form = built if isinstance(built, tuple) else ("activate", built)
    if form.is_valid():
        try:
            call()
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, str(DONE_MESSAGES.get(name, _("Saved."))))
            return redirect("emergency:incident_detail", incident.pk)
    messages.error(request, _("The action was not taken; see the form below."))
    context = _detail_context(request, incident, failed=(key, form))
    context["open_panel"] = key
    return render(request, "emergency/incident_detail.html", context)


@permission_view(VIEW_INCIDENT)
@require_POST
def task_done(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    incident = access.access_incident(request.user, pk)
    task = IncidentTask.objects.filter(incident=incident, pk=task_pk).first()
    if task is None:
        return redirect("emergency:incident_detail", incident.pk)
    try:
        services.complete_task(task, actor=request.user, note=request.POST.get("note", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Task done."))
    return redirect("emergency:incident_detail", incident.pk)


@permission_view(VIEW_INCIDENT)
@require_POST
def notice_withdraw(request: HttpRequest, pk: int, notice_pk: int) -> HttpResponse:
    incident = access.access_incident(request.user, pk)
    notice = IncidentNotice.objects.filter(incident=incident, pk=notice_pk).first()
    if notice is not None:
        try:
            services.withdraw_notice(notice, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("emergency:incident_detail", incident.pk)


@permission_view(VIEW_INCIDENT)
@require_POST
def review_action_remove(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    incident = access.access_incident(request.user, pk)
    action = ReviewAction.objects.filter(review__incident=incident, pk=action_pk).first()
    if action is not None:
        try:
            services.remove_review_action(action, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("emergency:incident_detail", incident.pk)


@permission_view(VIEW_INCIDENT)
@require_GET
def review_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access.access_incident(request.user, pk)
    review = IncidentReview.objects.filter(incident=incident).first()
    if review is None:
        messages.error(request, _("This incident has no review yet."))
        return redirect("emergency:incident_detail", incident.pk)
    context = {
        "review": review,
        "actions": review.actions.select_related("owner", "plan_version"),
        "roles": incident.roles.select_related("user"),
        "tasks": incident.tasks.all(),
        "timeline": incident.events.order_by("occurred_at", "id"),
        "impact": services.impact(incident),
    }
    return _pdf_response(documents.review_pdf(incident, context), f"review-{incident.number}.pdf")


# --- plans ---------------------------------------------------------------------------------------


def _current_subquery() -> Subquery:
    return Subquery(
        PlanVersion.objects.filter(
            plan=OuterRef("pk"),
            status=PlanStatus.APPROVED,
            effective_on__lte=timezone.localdate(),
        )
        .order_by("-number")
        .values("number")[:1]
    )


@permission_view(VIEW_PLAN)
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = (
        access.visible_plans(request.user)
        .select_related("org_unit", "owner")
        .annotate(
            current_number=_current_subquery(),
            drafts=Count("versions", filter=Q(versions__status=PlanStatus.DRAFT)),
        )
    )
    filterset = PlanFilterSet(request.GET, queryset=plans, request=request)
    style_widgets(filterset.form)
    queryset = filterset.qs if filterset.is_valid() else plans.none()
    page = paginate(request, queryset.order_by("code"))
    services_list = access.visible_services(request.user).order_by("code")[:50]
    return render(
        request,
        "emergency/plan_list.html",
        {"filter": filterset, "page": page, "critical_services": services_list},
    )


@permission_view(VIEW_PLAN)
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk)
    version_pk = request.GET.get("version")
    versions = list(plan.versions.select_related("approved_by").order_by("-number"))
    current = services.current_version(plan)
    shown = (
        next((v for v in versions if str(v.pk) == version_pk), None)
        or current
        or (versions[0] if versions else None)
    )
    return render(
        request,
        "emergency/plan_detail.html",
        {
            "plan": plan,
            "versions": versions,
            "current": current,
            "shown": shown,
            "phases": dict(Phase.choices),
            "critical_services": plan.critical_services.all(),
            "programmes": plan.programmes.select_related("owner"),
            "level_colours": LEVEL_COLOURS,
            "can_edit": request.user.has_perm("emergency.change_emergencyplan")
            and unit_in_scope(request.user, plan.org_unit),
        },
    )


@permission_view("emergency.add_emergencyplan")
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    form = forms.PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("emergency:plan_detail", plan.pk)
    return render(
        request,
        "emergency/simple_form.html",
        {"form": form, "title": _("New emergency plan"), "back": "emergency:plan_list"},
    )


@permission_view(VIEW_PLAN, "emergency.change_emergencyplan")
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk)
    initial = {
        key: getattr(plan, key) for key in ("code", "title", "event_type", "review_interval_months")
    }
    initial.update(org_unit=plan.org_unit_id, owner=plan.owner_id)
    form = forms.PlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(plan, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("emergency:plan_detail", plan.pk)
    return render(
        request,
        "emergency/simple_form.html",
        {"form": form, "title": plan.title, "back": "emergency:plan_list"},
    )


@permission_view(VIEW_PLAN, "emergency.change_criticalservice")
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = access.access_service(request.user, pk)
    plans = access.visible_plans(request.user).order_by("code")
    initial = {
        key: getattr(service, key)
        for key in ("code", "name", "description", "mtpd_minutes", "rto_minutes")
    }
    initial.update(
        org_unit=service.org_unit_id,
        plans=list(service.plans.values_list("pk", flat=True)),
        dependencies="\n".join(f"{d['kind']} | {d['name']}" for d in service.dependencies),
    )
    form = forms.CriticalServiceForm(
        request.POST or None, user=request.user, plans=plans, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            services.save_critical_service(
                service, actor=request.user, plans=list(values.pop("plans")), **values
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("emergency:plan_list")
    return render(
        request,
        "emergency/simple_form.html",
        {"form": form, "title": service.name, "back": "emergency:plan_list"},
    )


@permission_view(VIEW_PLAN)
@require_POST
def plan_new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk)
    version = services.new_draft(plan, actor=request.user)
    return redirect("emergency:version_edit", version.pk)


def _version(request: HttpRequest, pk: int) -> PlanVersion:
    plans = access.visible_plans(request.user)
    version = PlanVersion.objects.filter(pk=pk, plan__in=plans).select_related("plan").first()
    if version is None:
        from django.http import Http404

        raise Http404(_("No such plan version."))
    return version


@permission_view(VIEW_PLAN, "emergency.change_emergencyplan")
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    if version.is_frozen:
        messages.error(request, _("An approved version is frozen; open a new draft."))
        return redirect("emergency:plan_detail", version.plan_id)
    form = forms.VersionForm(request.POST or None, initial=forms.VersionForm.initial_for(version))
    approve = forms.ApproveForm(initial={"next_review_on": version.next_review_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_version(version, actor=request.user, **form.values())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("emergency:version_edit", version.pk)
    return render(
        request,
        "emergency/version_form.html",
        {"form": form, "version": version, "approve": approve},
    )


@permission_view(VIEW_PLAN, "emergency.approve_planversion")
@require_POST
def version_approve(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    form = forms.ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.approve_version(version, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("emergency:version_edit", version.pk)
        messages.success(request, _("Version approved."))
        return redirect("emergency:plan_detail", version.plan_id)
    messages.error(request, _("Give valid dates."))
    return redirect("emergency:version_edit", version.pk)


@permission_view(VIEW_PLAN)
@require_GET
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    return _pdf_response(
        documents.plan_pdf(version), f"plan-{version.plan.code}-v{version.number}.pdf"
    )


@permission_view(VIEW_PLAN, "emergency.add_criticalservice")
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    plans = access.visible_plans(request.user).order_by("code")
    form = forms.CriticalServiceForm(request.POST or None, user=request.user, plans=plans)
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            services.save_critical_service(
                None, actor=request.user, plans=list(values.pop("plans")), **values
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("emergency:plan_list")
    return render(
        request,
        "emergency/simple_form.html",
        {"form": form, "title": _("New critical service"), "back": "emergency:plan_list"},
    )


# --- drills ---------------------------------------------------------------------------------


@permission_view(VIEW_DRILL)
@require_GET
def drill_list(request: HttpRequest) -> HttpResponse:
    drills = access.visible_drills(request.user).select_related("plan", "incident", "org_unit")
    filterset = DrillFilterSet(request.GET, queryset=drills, request=request)
    style_widgets(filterset.form)
    queryset = filterset.qs if filterset.is_valid() else drills.none()
    page = paginate(request, queryset.order_by("-started_at", "-id"))
    programmes = access.visible_programmes(request.user).select_related("plan", "owner")
    return render(
        request,
        "emergency/drill_list.html",
        {
            "filter": filterset,
            "page": page,
            "programmes": programmes.order_by("next_due_on")[:50],
            "today": timezone.localdate(),
        },
    )


@permission_view(VIEW_DRILL, "emergency.add_drill")
@require_http_methods(["GET", "POST"])
def drill_create(request: HttpRequest) -> HttpResponse:
    plans = access.visible_plans(request.user).order_by("code")
    programmes = access.visible_programmes(request.user)
    initial = {}
    programme = programmes.filter(pk=request.GET.get("programme") or 0).first()
    if programme is not None:
        initial = {
            "programme": programme.pk,
            "plan": programme.plan_id,
            "drill_type": programme.drill_type,
            "org_unit": programme.org_unit_id,
        }
    form = forms.DrillForm(
        request.POST or None, user=request.user, plans=plans, programmes=programmes, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            drill = services.start_drill(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Drill started: run it like an incident."))
            assert drill.incident is not None  # noqa: S101 - start_drill always makes one
            return redirect("emergency:incident_detail", drill.incident.pk)
    return render(
        request,
        "emergency/simple_form.html",
        {"form": form, "title": _("Start a drill"), "back": "emergency:drill_list"},
    )


@permission_view(VIEW_DRILL)
@require_GET
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drill = access.access_drill(request.user, pk)
    return render(
        request,
        "emergency/drill_detail.html",
        {
            "drill": drill,
            "evaluation": services.evaluation(drill),
            "review": IncidentReview.objects.filter(incident=drill.incident).first()
            if drill.incident
            else None,
        },
    )


@permission_view("emergency.view_drillprogramme")
@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = (
        access.visible_programmes(request.user)
        .select_related("plan", "owner", "org_unit")
        .order_by("next_due_on", "id")
    )
    return render(
        request,
        "emergency/programme_list.html",
        {"page": paginate(request, programmes), "today": timezone.localdate()},
    )


def _programme_form(request: HttpRequest, programme: Any = None) -> HttpResponse:
    plans = access.visible_plans(request.user).order_by("code")
    initial = None
    if programme is not None:
        initial = {
            key: getattr(programme, key)
            for key in ("title", "drill_type", "interval_months", "next_due_on", "is_active")
        }
        initial.update(
            plan=programme.plan_id, owner=programme.owner_id, org_unit=programme.org_unit_id
        )
    form = forms.ProgrammeForm(
        request.POST or None, user=request.user, plans=plans, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_programme(programme, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("emergency:programme_list")
    return render(
        request,
        "emergency/simple_form.html",
        {
            "form": form,
            "back": "emergency:programme_list",
            "title": _("Edit drill programme") if programme else _("New drill programme"),
        },
    )


@permission_view("emergency.view_drillprogramme", "emergency.add_drillprogramme")
@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest) -> HttpResponse:
    return _programme_form(request)


@permission_view("emergency.view_drillprogramme", "emergency.change_drillprogramme")
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _programme_form(request, access.access_programme(request.user, pk))


@permission_view("emergency.view_drillprogramme", "emergency.delete_drillprogramme")
@require_http_methods(["GET", "POST"])
def programme_delete(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access.access_programme(request.user, pk)
    if request.method == "POST":
        services.delete_programme(programme, actor=request.user)
        messages.success(request, _("Programme deleted."))
        return redirect("emergency:programme_list")
    return render(
        request,
        "emergency/confirm_delete.html",
        {"object": programme, "back": "emergency:programme_list"},
    )


# --- dashboard and the public status page ---------------------------------------------------------


@permission_view(VIEW_INCIDENT)
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    result = dashboard.figures(
        access.visible_incidents(user), access.visible_drills(user), access.visible_programmes(user)
    )
    chart = dashboard.chart_data(
        result,
        {
            "levels": _("Open incidents by level"),
            "drills": _("Drills this year"),
            "done": _("Done"),
            "planned": _("Planned"),
        },
    )
    open_incidents = (
        access.visible_incidents(user)
        .filter(
            status__in=list(PUBLIC_STATUSES | {"reported", "assessed", "reviewing"}), is_drill=False
        )
        .select_related("org_unit")
        .order_by("level", "-reported_at")[:20]
    )
    return render(
        request,
        "emergency/dashboard.html",
        {
            "result": result,
            "chart": chart,
            "open_incidents": open_incidents,
            "status_colours": STATUS_COLOURS,
            "level_colours": LEVEL_COLOURS,
        },
    )


def public_notices() -> QuerySet[IncidentNotice]:
    """Public notices of real, customer-facing incidents: while the outage lasts, and for a day
    after recovery the notices released since (such as "service restored")."""
    now = timezone.now()
    ongoing = Q(incident__status__in=list(PUBLIC_STATUSES - {IncidentStatus.RESTORED}))
    recovered = Q(
        incident__status=IncidentStatus.RESTORED,
        incident__restored_at__gte=now - timedelta(hours=24),
        published_at__gte=F("incident__restored_at"),
    )
    return (
        IncidentNotice.objects.filter(
            ongoing | recovered,
            audience=NoticeAudience.PUBLIC,
            withdrawn_at__isnull=True,
            incident__is_drill=False,
            incident__customer_facing=True,
        )
        .select_related("incident__org_unit")
        .order_by("-published_at")
    )


@never_cache
@xframe_options_sameorigin
@require_GET
def service_status(request: HttpRequest) -> HttpResponse:
    """The public service-status page: no log-in, only what was published for customers."""
    notices = list(public_notices()[:20])
    template = (
        "emergency/status_embed.html" if request.GET.get("embed") else "emergency/status.html"
    )
    return render(request, template, {"notices": notices, "checked_at": timezone.localtime()})
