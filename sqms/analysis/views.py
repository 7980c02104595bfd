"""UI pages of the analyses: the overview, and for hot-spots, segments, association rules and
forecasts a list of stored results with a recompute form and a page per result.

Views stay thin: they fetch within the user's scope through access.py, validate a form and call
a service from sqms.analysis.services.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sqms.analysis import charts, services
from sqms.analysis.access import (
    RECOMPUTE,
    VIEW_ANY,
    VIEW_ASSOCIATIONS,
    VIEW_FORECASTS,
    VIEW_HOTSPOTS,
    VIEW_SEGMENTS,
    access,
    visible,
)
from sqms.analysis.choices import SatisfactionSource
from sqms.analysis.filtersets import (
    AssociationRuleFilterSet,
    AssociationRunFilterSet,
    ForecastRunFilterSet,
    HotspotReportFilterSet,
    SegmentationRunFilterSet,
)
from sqms.analysis.forms import AssociationForm, ForecastForm, HotspotForm, SegmentationForm
from sqms.analysis.models import AssociationRun, ForecastRun, HotspotReport, SegmentationRun
from sqms.analysis.presenters import (
    forecast_rows,
    latest_per_channel,
    per_agent_day,
    rule_rows,
    segment_rows,
    staffing,
)
from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error, style_widgets
from sqms.core.views import paginate, permission_view

OVERVIEW_RULES = 5


def _list(
    request: HttpRequest,
    model: type[Model],
    filterset_class: Any,
    form: Any,
    template: str,
    status: int = 200,
) -> HttpResponse:
    queryset = visible(request.user, model)
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    style_widgets(filterset.form)
    results = filterset.qs if filterset.is_valid() else queryset.none()
    context = {
        "filter": filterset,
        "page": paginate(request, results),
        "form": form if request.user.has_perm(RECOMPUTE) else None,
    }
    return render(request, template, context, status=status)


def _recompute(
    request: HttpRequest,
    form_class: Any,
    compute: Any,
    model: type[Model],
    filterset_class: Any,
    template: str,
) -> HttpResponseBase:
    if not request.user.has_perm(RECOMPUTE):
        raise PermissionDenied
    form = form_class(request.POST, user=request.user)
    if form.is_valid():
        try:
            result = compute(request.user, form.cleaned_data)
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            messages.success(request, _("The analysis was recomputed."))
            return redirect(result.get_absolute_url())
    return _list(request, model, filterset_class, form, template, status=400)


def _unit_of(request: HttpRequest) -> Any:
    return getattr(request.user, "org_unit", None)


# --- overview ---------------------------------------------------------------------------------


def _latest(user: Any, model: type[Model], **filters: Any) -> Any:
    """The newest result of the user's own unit, else the newest of the highest unit in scope."""
    queryset = visible(user, model).filter(**filters)
    unit = getattr(user, "org_unit", None)
    own = queryset.filter(org_unit=unit).order_by("-computed_at").first() if unit else None
    return own or queryset.order_by("org_unit__depth", "-computed_at").first()


@login_required
@require_GET
def analysis_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not any(user.has_perm(p) for p in VIEW_ANY):
        raise PermissionDenied
    hotspot = _latest(user, HotspotReport, period_kind="month")
    segmentation = _latest(user, SegmentationRun)
    association = _latest(user, AssociationRun)
    forecast = _latest(user, ForecastRun, channel="")
    context = {
        "hotspot": hotspot,
        "segmentation": segmentation,
        "segments": segment_rows(segmentation) if segmentation else [],
        "satisfaction_known": bool(
            segmentation and segmentation.satisfaction_source == SatisfactionSource.SURVEYS
        ),
        "association": association,
        "rules": rule_rows(association, association.rules.all()[:OVERVIEW_RULES])
        if association
        else [],
        "forecast": forecast,
        "weekly": forecast.weekly if forecast else [],
        "forecast_chart": charts.forecast_chart(forecast) if forecast else "",
    }
    return render(request, "analysis/home.html", context)


# --- hot-spots --------------------------------------------------------------------------------


def _hotspots(actor: Any, data: dict[str, Any]) -> HotspotReport:
    return services.compute_hotspots(
        actor=actor,
        unit=data["org_unit"],
        period_kind=data["period_kind"],
        day=data.get("day"),
        baseline_periods=data["baseline_periods"],
    )


@permission_view(VIEW_HOTSPOTS)
@require_GET
def hotspot_list(request: HttpRequest) -> HttpResponse:
    form = HotspotForm(user=request.user, initial={"org_unit": _unit_of(request)})
    return _list(request, HotspotReport, HotspotReportFilterSet, form, "analysis/hotspot_list.html")


@permission_view(VIEW_HOTSPOTS)
@require_POST
def hotspot_recompute(request: HttpRequest) -> HttpResponseBase:
    return _recompute(
        request,
        HotspotForm,
        _hotspots,
        HotspotReport,
        HotspotReportFilterSet,
        "analysis/hotspot_list.html",
    )


@permission_view(VIEW_HOTSPOTS)
@require_GET
def hotspot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = access(request.user, HotspotReport, pk)
    return render(request, "analysis/hotspot_detail.html", {"report": report})


# --- segments ---------------------------------------------------------------------------------


def _segments(actor: Any, data: dict[str, Any]) -> SegmentationRun:
    return services.compute_segments(actor=actor, unit=data["org_unit"], seed=data["seed"])


@permission_view(VIEW_SEGMENTS)
@require_GET
def segmentation_list(request: HttpRequest) -> HttpResponse:
    form = SegmentationForm(user=request.user, initial={"org_unit": _unit_of(request)})
    return _list(
        request, SegmentationRun, SegmentationRunFilterSet, form, "analysis/segmentation_list.html"
    )


@permission_view(VIEW_SEGMENTS)
@require_POST
def segmentation_recompute(request: HttpRequest) -> HttpResponseBase:
    return _recompute(
        request,
        SegmentationForm,
        _segments,
        SegmentationRun,
        SegmentationRunFilterSet,
        "analysis/segmentation_list.html",
    )


@permission_view(VIEW_SEGMENTS)
@require_GET
def segmentation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = access(request.user, SegmentationRun, pk)
    silhouette = sorted((int(k), v) for k, v in run.silhouette.items())
    context = {
        "run": run,
        "segments": segment_rows(run),
        "satisfaction_known": run.satisfaction_source == SatisfactionSource.SURVEYS,
        "silhouette": silhouette,
        "silhouette_chart": charts.silhouette_chart(silhouette, run.k),
    }
    return render(request, "analysis/segmentation_detail.html", context)


# --- association rules ------------------------------------------------------------------------


def _associations(actor: Any, data: dict[str, Any]) -> AssociationRun:
    return services.compute_associations(
        actor=actor,
        unit=data["org_unit"],
        first=data.get("first"),
        last=data.get("last"),
        min_support=data["min_support"],
        min_confidence=data["min_confidence"],
    )


@permission_view(VIEW_ASSOCIATIONS)
@require_GET
def association_list(request: HttpRequest) -> HttpResponse:
    form = AssociationForm(user=request.user, initial={"org_unit": _unit_of(request)})
    return _list(
        request, AssociationRun, AssociationRunFilterSet, form, "analysis/association_list.html"
    )


@permission_view(VIEW_ASSOCIATIONS)
@require_POST
def association_recompute(request: HttpRequest) -> HttpResponseBase:
    return _recompute(
        request,
        AssociationForm,
        _associations,
        AssociationRun,
        AssociationRunFilterSet,
        "analysis/association_list.html",
    )


@permission_view(VIEW_ASSOCIATIONS)
@require_GET
def association_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = access(request.user, AssociationRun, pk)
    filterset = AssociationRuleFilterSet(request.GET, queryset=run.rules.all(), request=request)
    style_widgets(filterset.form)
    rules = filterset.qs if filterset.is_valid() else run.rules.none()
    page = paginate(request, rules)
    context = {
        "run": run,
        "filter": filterset,
        "page": page,
        "rules": rule_rows(run, page.object_list),
    }
    return render(request, "analysis/association_detail.html", context)


# --- forecasts --------------------------------------------------------------------------------


def _forecasts(actor: Any, data: dict[str, Any]) -> ForecastRun:
    runs = services.compute_forecasts(actor=actor, unit=data["org_unit"], weeks=data["weeks"])
    return runs[0]


@permission_view(VIEW_FORECASTS)
@require_GET
def forecast_list(request: HttpRequest) -> HttpResponse:
    form = ForecastForm(user=request.user, initial={"org_unit": _unit_of(request)})
    return _list(request, ForecastRun, ForecastRunFilterSet, form, "analysis/forecast_list.html")


@permission_view(VIEW_FORECASTS)
@require_POST
def forecast_recompute(request: HttpRequest) -> HttpResponseBase:
    return _recompute(
        request,
        ForecastForm,
        _forecasts,
        ForecastRun,
        ForecastRunFilterSet,
        "analysis/forecast_list.html",
    )


@permission_view(VIEW_FORECASTS)
@require_GET
def forecast_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = access(request.user, ForecastRun, pk)
    per_agent = per_agent_day(request.GET.get("per_agent"))
    context = {
        "run": run,
        "chart": charts.forecast_chart(run),
        "days": forecast_rows(run, per_agent),
        "weeks": staffing(run.weekly, per_agent),
        "per_agent": per_agent,
        "siblings": latest_per_channel(
            visible(request.user, ForecastRun).filter(org_unit=run.org_unit)
        ),
    }
    return render(request, "analysis/forecast_detail.html", context)
