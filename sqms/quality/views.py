"""UI views of the quality app: dashboard, indicator pages, catalogue and targets, alerts,
evaluation reports.

Every page reads the rollups (never raw records) through sqms.quality.indicators, scoped to
the user's units; views parse input, fetch through sqms.quality.access and call services.
"""

import datetime
import statistics
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Sum
from django.db.models.functions import Substr
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.models import OrgUnit, User
from sqms.core.scope import unit_scope_filter
from sqms.core.views import permission_view
from sqms.quality import services
from sqms.quality.access import (
    access_alert,
    access_indicator,
    access_report,
    default_unit,
    visible_alerts,
    visible_reports,
    visible_targets,
)
from sqms.quality.catalogue import BY_CODE
from sqms.quality.charts import sparkline
from sqms.quality.choices import BAND_COLOURS, SEVERITY_COLOURS, AlertStatus, Band, Granularity
from sqms.quality.forms import (
    AlertCloseForm,
    AlertLinkForm,
    PeriodForm,
    ReportForm,
    SliceForm,
    TargetForm,
)
from sqms.quality.indicators import (
    IndicatorValue,
    SliceFilter,
    daily_series,
    evaluate,
    grouped_measures,
    series_by_period,
    unit_table,
    values_for,
)
from sqms.quality.models import DailyFact, Indicator
from sqms.quality.periods import Period, periods_back
from sqms.quality.sources import day_start
from sqms.servicedesk.choices import Channel, TicketKind
from sqms.servicedesk.models import Category

VIEW = "quality.view_indicator"
TREND_PERIODS = 12
RANKING_SIZE = 20


# --- shared ---------------------------------------------------------------------------------


def _picker(request: HttpRequest) -> tuple[PeriodForm, Period, OrgUnit | None]:
    user: Any = request.user
    unit = default_unit(user)
    data = request.GET.copy() if request.GET else None
    if data is not None and "unit" not in data and unit is not None:
        data["unit"] = str(unit.pk)  # the picker shows the unit the page shows
    form = PeriodForm(data, user=user, initial={"unit": unit})
    if form.is_bound:
        form.is_valid()
        if request.GET.get("unit"):
            # A unit outside the user's scope (or unknown) is not shown: 404, as for records.
            if "unit" in form.errors:
                raise Http404
            unit = form.cleaned_data.get("unit")
    return form, form.period(), unit


def _query(request: HttpRequest, **changes: Any) -> str:
    params = {k: v for k, v in request.GET.items() if k != "page"}
    params.update(dict(changes.items()))
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if unit != "percent" else f"{value:.1f}%"


def _decorate(
    indicators: list[Indicator], values: dict[str, IndicatorValue]
) -> list[dict[str, Any]]:
    rows = []
    for indicator in indicators:
        value = values.get(indicator.code)
        if value is None:
            continue
        rows.append(
            {
                "indicator": indicator,
                "value": value,
                "shown": _fmt(value.value, indicator.value_unit),
                "colour": BAND_COLOURS.get(Band(value.band), "secondary"),
                "band_label": Band(value.band).label,
            }
        )
    return rows


def _children(unit: OrgUnit | None, user: Any) -> list[OrgUnit]:
    if unit is None:
        roots = OrgUnit.objects.visible_to(user).filter(depth=1)
        return list(roots)
    return list(
        OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1, is_active=True)
    )


def _ticket_link(unit: OrgUnit | None, period: Period, sl: SliceFilter, kind: str = "") -> str:
    params: dict[str, Any] = sl.as_query()
    if kind and not params.get("kind"):
        params["kind"] = kind
    params["created_after"] = day_start(period.start).strftime("%Y-%m-%d %H:%M")
    params["created_before"] = day_start(period.end + datetime.timedelta(days=1)).strftime(
        "%Y-%m-%d %H:%M"
    )
    return f"{reverse('ticket_list')}?{urlencode(params)}"


# --- dashboard ------------------------------------------------------------------------------


@permission_view(VIEW)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """A unit's overview: every indicator against its target with a trend sparkline, the
    units below it (drill down), the staff ranking and the complaint heat map."""
    user: Any = request.user
    form, period, unit = _picker(request)
    indicators = list(Indicator.objects.filter(is_active=True))
    if period.granularity != Granularity.CUSTOM:
        trend_periods = periods_back(period, TREND_PERIODS)
    elif period.days <= 92:
        # A custom period's sparkline goes day by day.
        trend_periods = [
            Period(d, d, Granularity.DAY)
            for d in (period.start + datetime.timedelta(days=i) for i in range(period.days))
        ]
    else:
        trend_periods = _months(period)
    sl = SliceFilter(unit=unit)
    series = series_by_period(trend_periods, sl, [i.code for i in indicators])
    # The period itself with its quantiles (the trend query leaves the histograms out).
    values = values_for(grouped_measures(period, sl)[None], [i.code for i in indicators])
    by_code = {i.code: i for i in indicators}
    targets = services.targets_in_force(unit, period.end)
    services.apply_targets(values, by_code, targets)
    rows = _decorate(indicators, values)
    # A custom period's sparkline is day by day, so its previous period needs a query.
    previous_values = (
        values_for(grouped_measures(period.previous(), sl)[None], list(by_code))
        if period.granularity == Granularity.CUSTOM
        else None
    )
    for row in rows:
        points = [v.value for v in series[row["indicator"].code]]
        row["sparkline"] = mark_safe(sparkline(points))  # noqa: S308 - built from numbers only
        if previous_values is not None:
            previous = previous_values[row["indicator"].code].value
        else:
            previous = points[-2] if len(points) > 1 else None
        row["previous"] = _fmt(previous, row["indicator"].value_unit)

    children = _children(unit, user)
    key_codes = [
        c
        for c in (
            "complaint_handling_rate",
            "avg_response_minutes",
            "sla_rate",
            "service_error_rate",
            "fcr_rate",
        )
        if c in by_code
    ]
    child_rows = []
    child_targets = services.targets_in_force_many(list(children), period.end) if children else {}
    for child in unit_table(period, unit, children) if children else []:
        services.apply_targets(child.values, by_code, child_targets[child.unit.pk])
        child_rows.append(
            {
                "unit": child.unit,
                "tickets": child.measures["tickets"],
                "cells": _decorate([by_code[c] for c in key_codes], child.values),
                "link": f"?{_query(request, unit=child.unit.pk)}",
            }
        )

    staff_rows = _staff_ranking(period, sl, "avg_response_minutes") if not children else []
    heat = _heat_map(period, unit, children)
    parents = (
        list(
            OrgUnit.objects.filter(
                unit_scope_filter(user, None),
                path__in=services.ancestor_paths(unit)[:-1],
            )
        )
        if unit is not None
        else []
    )
    return render(
        request,
        "quality/dashboard.html",
        {
            "form": form,
            "period": period,
            "unit": unit,
            "parents": parents,
            "rows": rows,
            "key_indicators": [by_code[c] for c in key_codes],
            "child_rows": child_rows,
            "staff_rows": staff_rows,
            "heat": heat,
            "query": _query(request),
        },
    )


def _staff_ranking(
    period: Period, sl: SliceFilter, code: str, value_unit: str = ""
) -> list[dict[str, Any]]:
    per_staff = grouped_measures(period, sl, group_by="staff")
    definition = BY_CODE[code]
    users = User.objects.in_bulk([pk for pk in per_staff if pk is not None])
    rows: list[dict[str, Any]] = []
    for pk, measures in per_staff.items():
        if pk is None or pk not in users:
            continue
        value = evaluate(definition, measures)
        rows.append(
            {
                "staff": users[pk],
                "tickets": measures["tickets"],
                "value": value.value,
                "shown": _fmt(value.value, value_unit),
                "sla": _fmt(evaluate(BY_CODE["sla_rate"], measures).value, "percent"),
                "fcr": _fmt(evaluate(BY_CODE["fcr_rate"], measures).value, "percent"),
            }
        )
    lower_better = not Indicator.objects.filter(code=code, direction="higher").exists()
    rows.sort(
        key=lambda r: (r["value"] is None, r["value"] if lower_better else -(r["value"] or 0))
    )
    return rows[:RANKING_SIZE]


def _heat_map(period: Period, unit: OrgUnit | None, children: list[OrgUnit]) -> dict[str, Any]:
    """Complaints by problem type × unit below (one grouped query)."""
    columns = list(children)
    labels = [str(c) for c in columns]
    if unit is not None:
        # Records of the unit itself (not of a unit below) get their own column, last.
        columns.append(unit)
        labels.append(_("%(unit)s itself") % {"unit": unit} if children else str(unit))
    facts = DailyFact.objects.filter(
        day__gte=period.start, day__lte=period.end, complaints__gt=0
    ).order_by()
    if unit is not None:
        facts = facts.filter(org_unit__path__startswith=unit.path)
    # Summed per column in the database: a row's column is the unit one level below `unit`
    # that its path starts with (the first steps of the path), else `unit` itself.
    depth = unit.depth + 1 if unit is not None else 1
    rows = (
        facts.annotate(head=Substr("org_unit__path", 1, depth * OrgUnit.steplen))
        .values("head", "category_id")
        .annotate(n=Sum("complaints"))
    )
    column_of = {column.path: i for i, column in enumerate(children)}
    own_column = len(columns) - 1 if unit is not None else None
    cells: dict[tuple[int, int | None], int] = {}
    for row in rows:
        i = column_of.get(row["head"], own_column)
        if i is not None:
            key = (i, row["category_id"])
            cells[key] = cells.get(key, 0) + row["n"]
    used = sorted({i for i, _c in cells})
    if unit is not None and len(columns) - 1 not in used and children:
        columns, labels = columns[:-1], labels[:-1]
    category_ids = sorted({c for _i, c in cells}, key=lambda c: (c is None, c or 0))
    row_of = {c: j for j, c in enumerate(category_ids)}
    names = {c.pk: str(c) for c in Category.objects.filter(pk__in=[c for c in category_ids if c])}
    return {
        "units": labels,
        "categories": [
            names.get(c, _("(no problem type)")) if c else _("(no problem type)")
            for c in category_ids
        ],
        "data": [[i, row_of[c], n] for (i, c), n in cells.items()],
        "total": sum(cells.values()),
    }


# --- one indicator --------------------------------------------------------------------------


@permission_view(VIEW)
@require_GET
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    """How an indicator is computed, its value and trend with control limits, its breakdown
    by unit, channel, kind and staff, and the records behind the number."""
    user: Any = request.user
    indicator = access_indicator(code)
    definition = BY_CODE.get(code)
    if definition is None:
        raise Http404
    form, period, unit = _picker(request)
    slice_form = SliceForm(request.GET or None)
    filters: dict[str, Any] = {}
    if slice_form.is_valid():
        filters = {
            "channel": slice_form.cleaned_data.get("channel") or "",
            "kind": slice_form.cleaned_data.get("kind") or "",
            "category_id": slice_form.cleaned_data["category"].pk
            if slice_form.cleaned_data.get("category")
            else None,
        }
    sl = SliceFilter(unit=unit, **filters)
    value = evaluate(definition, grouped_measures(period, sl)[None])
    target = services.targets_in_force(unit, period.end).get(indicator.pk)
    value.target = target
    value.band = services.band_of(indicator, value.value, target)

    # Trend: day by day for up to a quarter, else month by month.
    if period.days <= 92:
        points = daily_series(period, sl, code)
        labels = [d.isoformat() for d, _v in points]
        series = [None if v.value is None else round(v.value, 2) for _d, v in points]
    else:
        months = _months(period)
        by_month = series_by_period(months, sl, [code])[code]
        labels = [m.label for m in months]
        series = [None if v.value is None else round(v.value, 2) for v in by_month]
    known = [v for v in series if v is not None]
    mean = statistics.fmean(known) if known else None
    spread = statistics.pstdev(known) if len(known) > 1 else 0.0
    chart = {
        "labels": labels,
        "values": series,
        "mean": None if mean is None else round(mean, 2),
        "ucl": None if mean is None else round(mean + 3 * spread, 2),
        "lcl": None if mean is None else round(max(0.0, mean - 3 * spread), 2),
        "target": float(target.target) if target else None,
        "name": indicator.display_name,
        "mean_label": _("Mean"),
        "ucl_label": _("Upper control limit (3σ)"),
        "lcl_label": _("Lower control limit (3σ)"),
        "target_label": _("Target"),
    }

    children = _children(unit, user)
    unit_rows: list[dict[str, Any]] = []
    if children and not sl.needs_full_grain:
        for row in unit_table(period, unit, children):
            v = row.values[code]
            unit_rows.append(
                {
                    "unit": row.unit,
                    "shown": _fmt(v.value, indicator.value_unit),
                    "value": v.value,
                    "base": v.denominator,
                    "link": f"?{_query(request, unit=row.unit.pk)}",
                }
            )
        unit_rows.sort(
            key=lambda r: (
                r["value"] is None,
                -(r["value"] or 0) if indicator.higher_is_better else (r["value"] or 0),
            )
        )
    breakdowns = []
    for group, labels_map in (
        ("channel", dict(Channel.choices)),
        ("kind", dict(TicketKind.choices)),
    ):
        if group not in indicator.slices:
            continue
        grouped = grouped_measures(period, sl, group_by=group)
        rows: list[dict[str, Any]] = []
        for key, measures in sorted(grouped.items(), key=lambda kv: str(kv[0])):
            v = evaluate(definition, measures)
            if v.value is None:
                continue
            rows.append(
                {
                    "label": labels_map.get(key, key or "—"),
                    "shown": _fmt(v.value, indicator.value_unit),
                    "base": v.denominator,
                    "link": f"?{_query(request, **{group: key})}",
                }
            )
        breakdowns.append({"group": group, "rows": rows})
    staff_rows = (
        _staff_ranking(period, sl, code, indicator.value_unit)
        if "staff" in indicator.slices
        else []
    )
    kind = (
        "complaint"
        if code == "complaint_handling_rate"
        else ("business" if code in ("business_ontime_rate", "avg_handling_minutes") else "")
    )
    return render(
        request,
        "quality/indicator_detail.html",
        {
            "indicator": indicator,
            "definition": definition,
            "form": form,
            "slice_form": slice_form,
            "period": period,
            "unit": unit,
            "value": value,
            "shown": _fmt(value.value, indicator.value_unit),
            "colour": BAND_COLOURS.get(Band(value.band), "secondary"),
            "band_label": Band(value.band).label,
            "chart": chart,
            "unit_rows": unit_rows,
            "breakdowns": breakdowns,
            "staff_rows": staff_rows,
            "tickets_link": _ticket_link(unit, period, sl, kind)
            if definition.source == "tickets"
            else "",
            "query": _query(request),
        },
    )


def _months(period: Period) -> list[Period]:
    from sqms.quality.periods import period_containing

    months = [period_containing(Granularity.MONTH, period.start)]
    while months[-1].end < period.end:
        months.append(
            period_containing(Granularity.MONTH, months[-1].end + datetime.timedelta(days=1))
        )
    return months


# --- catalogue and targets ------------------------------------------------------------------


@permission_view(VIEW)
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    indicators = list(Indicator.objects.filter(is_active=True))
    targets = services.targets_in_force(default_unit(user), datetime.date.today())
    rows = [
        {"indicator": i, "definition": BY_CODE.get(i.code), "target": targets.get(i.pk)}
        for i in indicators
    ]
    return render(request, "quality/catalogue.html", {"rows": rows})


@permission_view(VIEW, "quality.view_target")
@require_http_methods(["GET", "POST"])
def indicator_targets(request: HttpRequest, code: str) -> HttpResponseBase:
    """The target versions of an indicator (who changed what, when and why) and the form to
    add a version."""
    user: Any = request.user
    indicator = access_indicator(code)
    can_change = user.has_perm("quality.add_target")
    form = None
    if can_change:
        form = TargetForm(request.POST if request.method == "POST" else None, user=user)
        if request.method == "POST" and form.is_valid():
            try:
                services.set_target(
                    actor=user,
                    indicator=indicator,
                    org_unit=form.cleaned_data.get("org_unit"),
                    valid_from=form.cleaned_data["valid_from"],
                    target=form.cleaned_data["target"],
                    alarm=form.cleaned_data["alarm"],
                    strict=form.cleaned_data["strict"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The new target version is saved."))
                return redirect("quality_targets", code=code)
    elif request.method == "POST":
        raise PermissionDenied
    versions = (
        visible_targets(user).filter(indicator=indicator).select_related("org_unit", "created_by")
    )
    page = Paginator(versions.order_by("org_unit__path", "-valid_from", "-id"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "quality/targets.html", {"indicator": indicator, "form": form, "page": page}
    )


# --- alerts ---------------------------------------------------------------------------------


@permission_view("quality.view_alert")
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    status = request.GET.get("status", "active")
    alerts = visible_alerts(user).select_related(
        "org_unit", "indicator", "owner", "rule", "category"
    )
    if status == "active":
        alerts = alerts.exclude(status=AlertStatus.CLOSED)
    elif status in AlertStatus.values:
        alerts = alerts.filter(status=status)
    page = Paginator(alerts, 25).get_page(request.GET.get("page"))
    for alert in page.object_list:
        alert.severity_colour = SEVERITY_COLOURS.get(alert.severity, "secondary")  # type: ignore[attr-defined]
    return render(
        request,
        "quality/alert_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [("active", _("Not closed")), *AlertStatus.choices, ("all", _("All"))],
        },
    )


@permission_view("quality.view_alert")
@require_http_methods(["GET", "POST"])
def alert_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    user: Any = request.user
    alert = access_alert(user, pk)
    can_handle = user.has_perm("quality.handle_alert")
    close_form = AlertCloseForm(request.POST if request.POST.get("action") == "close" else None)
    link_form = AlertLinkForm(
        request.POST if request.POST.get("action") == "link" else None,
        initial={"improvement_action": alert.improvement_action_id},
    )
    if request.method == "POST":
        if not can_handle:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "acknowledge":
                services.acknowledge_alert(alert, actor=user)
                messages.success(request, _("Alert acknowledged."))
                return redirect("quality_alert_detail", pk=alert.pk)
            if action == "close" and close_form.is_valid():
                services.close_alert(alert, actor=user, note=close_form.cleaned_data["note"])
                messages.success(request, _("Alert closed."))
                return redirect("quality_alert_detail", pk=alert.pk)
            if action == "link" and link_form.is_valid():
                services.link_improvement_action(
                    alert, _improvement_action(user, link_form), actor=user
                )
                messages.success(request, _("The improvement action is linked."))
                return redirect("quality_alert_detail", pk=alert.pk)
        except DomainError as error:
            target_form = close_form if action == "close" else link_form
            if action == "acknowledge":
                messages.error(request, error.message)
                return redirect("quality_alert_detail", pk=alert.pk)
            add_domain_error(target_form, error)
    return render(
        request,
        "quality/alert_detail.html",
        {
            "alert": alert,
            "can_handle": can_handle,
            "close_form": close_form,
            "link_form": link_form,
            "severity_colour": SEVERITY_COLOURS.get(alert.severity, "secondary"),
        },
    )


def _improvement_action(user: Any, form: AlertLinkForm) -> Any:
    number = form.cleaned_data.get("improvement_action")
    if not number:
        return None
    from sqms.improvement.models import ImprovementAction

    action = ImprovementAction.objects.filter(pk=number).first()
    if action is None:
        raise DomainError(
            _("There is no improvement action with this number."), field="improvement_action"
        )
    return action


# --- reports --------------------------------------------------------------------------------


@permission_view("quality.view_evaluationreport")
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponseBase:
    user: Any = request.user
    can_request = user.has_perm("quality.add_evaluationreport")
    form = (
        ReportForm(request.POST if request.method == "POST" else None, user=user)
        if can_request
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.request_report(actor=user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("The report is being prepared; it appears below when ready.")
                )
                return redirect("quality_report_list")
    page = Paginator(visible_reports(user).select_related("org_unit", "created_by"), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "quality/report_list.html", {"form": form, "page": page})


@permission_view("quality.view_evaluationreport")
@require_GET
def report_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    report = access_report(request.user, pk)
    stored = report.pdf if fmt == "pdf" else report.xlsx if fmt == "xlsx" else None
    if not stored:
        raise Http404
    name = f"evaluation-{report.org_unit.code}-{report.year}Q{report.quarter}.{fmt}"
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name)


@permission_view("quality.view_evaluationreport")
@require_GET
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's row, polled by htmx while it is being built."""
    report = access_report(request.user, pk)
    return render(request, "quality/_report_row.html", {"report": report})
