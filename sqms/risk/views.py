"""UI views of the risk register: the list with its filters and quality checks, the Excel
export, raising and editing a risk, the risk page with controls, acceptances, reviews and
history, the heat map and the trend.

Views stay thin: they check the permission, fetch through sqms.risk.access (404 outside the
user's scope), validate a form and call a service; a refusal comes back as a form error.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.views import paginate, permission_view
from sqms.risk import exports, reports, services
from sqms.risk.access import access_risk, visible_risks
from sqms.risk.filtersets import RiskFilterSet
from sqms.risk.flags import annotate_flags, flags_of
from sqms.risk.forms import (
    AcceptanceForm,
    ControlForm,
    ControlUpdateForm,
    ReasonForm,
    ReviewForm,
    RiskForm,
)
from sqms.risk.matrices import default_matrix
from sqms.risk.models import Risk, RiskControl, RiskMatrix, localised

VIEW = "risk.view_risk"
ADD = "risk.add_risk"
CHANGE = "risk.change_risk"
EXPORT = "risk.export_risk"
PAGE_SIZE = 50


def level_badge(matrix: RiskMatrix, code: str) -> dict[str, Any]:
    for level in matrix.risk_levels:
        if level["code"] == code:
            return {"code": code, "name": localised(level), "colour": level.get("colour", "")}
    return {"code": code, "name": code, "colour": ""}


def decorate(risk: Risk) -> None:
    """Per-row values the templates show, from loaded rows (no queries)."""
    risk.flags = flags_of(risk)  # type: ignore[attr-defined]
    for rating in ("inherent", "current", "residual"):
        setattr(risk, f"{rating}_badge", level_badge(risk.matrix, getattr(risk, f"{rating}_level")))


def filtered(request: HttpRequest) -> tuple[RiskFilterSet, Any]:
    queryset = annotate_flags(visible_risks(request.user), timezone.localdate())
    risk_filter = RiskFilterSet(request.GET or None, queryset=queryset, user=request.user)
    if risk_filter.is_bound and not risk_filter.is_valid():
        return risk_filter, queryset.none()
    return risk_filter, risk_filter.qs


@require_GET
@permission_view(VIEW)
def risk_list(request: HttpRequest) -> HttpResponse:
    risk_filter, risks = filtered(request)
    page = paginate(request, risks, PAGE_SIZE)
    for risk in page.object_list:
        decorate(risk)
    return render(
        request,
        "risk/risk_list.html",
        {"filter": risk_filter, "page": page, "query": request.GET.urlencode()},
    )


@require_GET
@permission_view(VIEW, EXPORT)
def risk_export(request: HttpRequest) -> HttpResponse:
    _filter, risks = filtered(request)
    content = exports.register_workbook(risks, actor=request.user, today=timezone.localdate())
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"risk-register-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _risk_values(form: RiskForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["annual_probability"] = data.get("annual_probability")
    return data


@require_http_methods(["GET", "POST"])
@permission_view(VIEW, ADD)
def risk_create(request: HttpRequest) -> HttpResponseBase:
    code = request.POST.get("matrix") or request.GET.get("matrix")
    matrix = (RiskMatrix.objects.filter(code=code).first() if code else None) or default_matrix()
    if matrix is None:
        raise PermissionDenied(_("No risk matrix is defined."))
    initial = {"owner": request.user.pk, "org_unit": getattr(request.user, "org_unit_id", None)}
    form = RiskForm(request.POST or None, user=request.user, matrix=matrix, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _risk_values(form)
        affected = values.pop("affected_units", [])
        try:
            risk = services.raise_risk(
                actor=request.user, matrix=matrix, affected_units=affected, **values
            )
        except (DomainError, ValidationError) as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Risk %(number)s raised.") % {"number": risk.number})
            return redirect("risk_detail", risk.pk)
    return render(
        request,
        "risk/risk_form.html",
        {"form": form, "matrix": matrix, "matrices": RiskMatrix.objects.all(), "risk": None},
    )


@require_http_methods(["GET", "POST"])
@permission_view(VIEW, CHANGE)
def risk_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    risk = access_risk(request.user, pk)
    form = RiskForm(
        request.POST or None,
        user=request.user,
        matrix=risk.matrix,
        initial=RiskForm.initial_for(risk),
    )
    if request.method == "POST" and form.is_valid():
        values = _risk_values(form)
        affected = values.pop("affected_units", [])
        try:
            services.update_risk(risk, actor=request.user, affected_units=affected, **values)
        except (DomainError, ValidationError) as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Risk %(number)s saved.") % {"number": risk.number})
            return redirect("risk_detail", risk.pk)
    return render(
        request, "risk/risk_form.html", {"form": form, "matrix": risk.matrix, "risk": risk}
    )


def _detail_context(request: HttpRequest, risk: Risk, **forms: Any) -> dict[str, Any]:
    annotated = annotate_flags(
        visible_risks(request.user).filter(pk=risk.pk), timezone.localdate()
    ).prefetch_related(
        Prefetch("controls", queryset=RiskControl.objects.select_related("owner")),
        "acceptances__approver",
        "reviews__reviewer",
        "affected_units",
    )
    risk = annotated.get()
    decorate(risk)
    history = list(risk.history.select_related("actor")[:100])
    for line in history:
        line.residual_badge = level_badge(risk.matrix, line.residual_level)  # type: ignore[attr-defined]
    can_change = request.user.has_perm(CHANGE) and risk.is_open
    return {
        "risk": risk,
        "history": history,
        "controls": [
            (control, forms.get(f"control_{control.pk}") or ControlUpdateForm(
                initial={"status": control.status, "effectiveness": control.effectiveness,
                         "due_date": control.due_date},
                prefix=f"c{control.pk}"))
            for control in risk.controls.all()
        ],
        "can_change": can_change,
        "control_form": forms.get("control") or ControlForm(
            user=request.user, initial={"owner": request.user.pk}
        ),
        "acceptance_form": forms.get("acceptance") or AcceptanceForm(user=request.user),
        "review_form": forms.get("review") or ReviewForm(
            matrix=risk.matrix,
            initial={
                name: getattr(risk, name)
                for name in ("current_probability", "current_impact", "residual_probability",
                             "residual_impact")
            },
        ),
        "reason_form": forms.get("reason") or ReasonForm(),
        "actions": linked_actions(request.user, risk),
        "can_open_action": can_change and services.improvement_available()
        and request.user.has_perm("improvement.add_improvementaction"),
    }  # fmt: skip


def linked_actions(user: Any, risk: Risk) -> list[Any]:
    """Improvement actions opened from this risk that the user may see (none when the
    improvement app is absent)."""
    try:
        from sqms.improvement.access import visible_actions
    except ImportError:
        return []
    from django.contrib.contenttypes.models import ContentType

    risk_type = ContentType.objects.get_for_model(Risk)
    return list(
        visible_actions(user)
        .filter(source_type=risk_type, source_id=str(risk.pk))
        .order_by("-pk")[:20]
    )


@require_GET
@permission_view(VIEW)
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = access_risk(request.user, pk)
    return render(request, "risk/risk_detail.html", _detail_context(request, risk))


def _act(
    request: HttpRequest, risk: Risk, key: str, form: Any, call: Any, done: str
) -> HttpResponseBase:
    """Run a service for a valid form and go back to the risk; else show the form's errors."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except (DomainError, ValidationError) as error:
            add_domain_error(form, error)
        else:
            messages.success(request, done)
            return redirect("risk_detail", risk.pk)
    messages.error(request, _("The change was not saved; see the form below."))
    return render(request, "risk/risk_detail.html", _detail_context(request, risk, **{key: form}))


@require_POST
@permission_view(VIEW, CHANGE)
def risk_add_control(request: HttpRequest, pk: int) -> HttpResponseBase:
    risk = access_risk(request.user, pk)
    form = ControlForm(request.POST, user=request.user)
    return _act(
        request,
        risk,
        "control",
        form,
        lambda data: services.add_control(risk, actor=request.user, **data),
        _("Control added."),
    )


@require_POST
@permission_view(VIEW, CHANGE)
def risk_update_control(request: HttpRequest, pk: int, control_pk: int) -> HttpResponseBase:
    risk = access_risk(request.user, pk)
    control = risk.controls.filter(pk=control_pk).first()
    if control is None:
        raise Http404(_("No such control."))
    form = ControlUpdateForm(request.POST, prefix=f"c{control.pk}")
    return _act(
        request,
        risk,
        f"control_{control.pk}",
        form,
        lambda data: services.update_control(control, actor=request.user, **data),
        _("Control saved."),
    )


@require_POST
@permission_view(VIEW, CHANGE)
def risk_accept(request: HttpRequest, pk: int) -> HttpResponseBase:
    risk = access_risk(request.user, pk)
    form = AcceptanceForm(request.POST, user=request.user)
    return _act(
        request,
        risk,
        "acceptance",
        form,
        lambda data: services.record_acceptance(risk, actor=request.user, **data),
        _("Acceptance recorded."),
    )


@require_POST
@permission_view(VIEW, CHANGE)
def risk_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    risk = access_risk(request.user, pk)
    form = ReviewForm(request.POST, matrix=risk.matrix)
    return _act(
        request,
        risk,
        "review",
        form,
        lambda data: services.record_review(risk, actor=request.user, **data),
        _("Review recorded."),
    )


@require_POST
@permission_view(VIEW, CHANGE)
def risk_close(request: HttpRequest, pk: int) -> HttpResponseBase:
    risk = access_risk(request.user, pk)
    service = services.close_risk if risk.is_open else services.reopen_risk
    done = _("Risk closed.") if risk.is_open else _("Risk reopened.")
    return _act(
        request,
        risk,
        "reason",
        ReasonForm(request.POST),
        lambda data: service(risk, actor=request.user, reason=data["reason"]),
        done,
    )


@require_POST
@permission_view(VIEW, CHANGE)
def risk_open_action(request: HttpRequest, pk: int) -> HttpResponseBase:
    risk = access_risk(request.user, pk)
    try:
        action = services.open_improvement_action(risk, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("risk_detail", risk.pk)
    messages.success(request, _("Improvement action opened: %(action)s") % {"action": action})
    try:
        return redirect(reverse("improvement_action_detail", args=[action.pk]))
    except NoReverseMatch:
        return redirect("risk_detail", risk.pk)


# --- heat map and trend ---------------------------------------------------------------------


@require_GET
@permission_view(VIEW)
def risk_heatmap(request: HttpRequest) -> HttpResponse:
    matrices = list(RiskMatrix.objects.all())
    code = request.GET.get("matrix")
    matrix = next((m for m in matrices if m.code == code), None) or default_matrix()
    risks = visible_risks(request.user)
    context: dict[str, Any] = {"matrices": matrices, "matrix": matrix}
    if matrix is not None:
        context.update(
            inherent=reports.heat_grid(risks, matrix, "inherent"),
            residual=reports.heat_grid(risks, matrix, "residual"),
            impact_names=[localised(level) for level in matrix.impact_levels],
            probability_names=[localised(level) for level in matrix.probability_levels],
            levels=[level_badge(matrix, level["code"]) for level in matrix.risk_levels],
            trend=reports.trend(risks, matrix),
        )
    return render(request, "risk/heatmap.html", context)
