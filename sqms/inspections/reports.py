"""The results page (average score by unit and item, pass rate, weakest items) and the Excel
exports of inspections (with every item score) and of ticket reviews."""

import datetime
from collections import defaultdict
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.db.models import Avg, Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.views import permission_view
from sqms.inspections import access
from sqms.inspections.choices import COMPLETED_STATUSES
from sqms.inspections.models import InspectionScore
from sqms.inspections.review_views import EXPORT_REVIEWS, filtered_reviews
from sqms.inspections.views import EXPORT, VIEW, filter_context, filtered_inspections

EXPORT_LIMIT = 10_000
WEAKEST = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value: Any) -> Any:
    # A leading = + - @ would make Excel evaluate user-typed text as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _local(value: datetime.datetime | None) -> Any:
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None)


def _result(passed: bool | None) -> str:
    if passed is None:
        return ""
    return _("Passed") if passed else _("Failed")


def _pct(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


# --- results --------------------------------------------------------------------------------


@permission_view(VIEW)
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """Completed inspections of the filter: per unit the count, mean score and pass rate; per
    item the share of points earned, weakest first."""
    filterset, queryset = filtered_inspections(request)
    done = queryset.filter(status__in=list(COMPLETED_STATUSES), score__isnull=False).order_by()
    by_unit = list(
        done.values("org_unit__name", "org_unit__path")
        .annotate(n=Count("id"), mean=Avg("score"), passed=Count("id", filter=Q(passed=True)))
        .order_by("org_unit__path")
    )
    for row in by_unit:
        row["pass_rate"] = 100.0 * row["passed"] / row["n"] if row["n"] else None
    totals = done.aggregate(
        n=Count("id"), mean=Avg("score"), passed=Count("id", filter=Q(passed=True))
    )
    pass_rate = 100.0 * totals["passed"] / totals["n"] if totals["n"] else None
    # Per item: points earned over points possible (N/A excluded), across the inspections.
    earned: dict[int, list[Any]] = defaultdict(lambda: [Decimal(0), 0, None])
    scores = (
        InspectionScore.objects.filter(
            inspection__in=done.values("pk"), not_applicable=False, score__isnull=False
        )
        .select_related("item__section", "item__version__template")
        .only(
            "score",
            "item__text",
            "item__text_en",
            "item__scoring",
            "item__max_score",
            "item__section__title",
            "item__section__title_en",
            "item__version__number",
            "item__version__template__name",
            "item__version__template__name_en",
        )
    )
    for row in scores.iterator(chunk_size=2000):
        entry = earned[row.item_id]
        entry[0] += Decimal(row.score or 0) / Decimal(row.item.top_score)
        entry[1] += 1
        entry[2] = row.item
    items = sorted(
        (
            {"item": item, "n": n, "share": float(total * 100 / n)}
            for total, n, item in earned.values()
            if n
        ),
        key=lambda row: (row["share"], -row["n"]),
    )
    context = {
        **filter_context(filterset, ("org_unit", "kind", "performed_after", "performed_before")),
        "by_unit": by_unit,
        "totals": totals,
        "pass_rate": pass_rate,
        "weakest": items[:WEAKEST],
        "items": items,
    }
    return render(request, "inspections/results.html", context)


# --- exports --------------------------------------------------------------------------------


def _workbook_response(book: Any, name: str) -> HttpResponse:
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _sheet(book: Any, title: str, headers: list[str]) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return sheet


@permission_view(VIEW, EXPORT)
@require_GET
def inspection_export(request: HttpRequest) -> HttpResponse:
    """The filtered inspections, and every item score of them on a second sheet (audited)."""
    from openpyxl import Workbook

    _filterset, queryset = filtered_inspections(request)
    rows = list(queryset.order_by("number")[:EXPORT_LIMIT])
    book = Workbook(write_only=True)
    sheet = _sheet(
        book,
        _("Inspections"),
        [
            _("Number"),
            _("Kind"),
            _("Checklist"),
            _("Org unit"),
            _("Inspector"),
            _("Inspected staff"),
            _("Inspected at"),
            _("Status"),
            _("Score (%)"),
            _("Result"),
            _("Critical item failed"),
            _("Visit scenario"),
            _("Waiting (minutes)"),
            _("Handling (minutes)"),
            _("Summary"),
        ],
    )
    for inspection in rows:
        result = (
            "" if inspection.passed is None else (_("Passed") if inspection.passed else _("Failed"))
        )
        sheet.append(
            [
                inspection.number,
                inspection.get_kind_display(),
                str(inspection.version),
                inspection.org_unit.display_name,
                str(inspection.inspector),
                str(inspection.inspected_staff or ""),
                _local(inspection.performed_at),
                inspection.get_status_display(),
                _pct(inspection.score),
                result,
                _("Yes") if inspection.critical_failed else _("No"),
                _text(inspection.scenario),
                inspection.waiting_minutes,
                inspection.handling_minutes,
                _text(inspection.summary),
            ]
        )
    scores = _sheet(
        book,
        _("Item scores"),
        [
            _("Number"),
            _("Section"),
            _("Item"),
            _("Weight"),
            _("Critical"),
            _("Score"),
            _("Maximum score"),
            _("N/A"),
            _("Comment"),
        ],
    )
    score_rows = (
        InspectionScore.objects.filter(inspection__in=[i.pk for i in rows])
        .select_related("inspection", "item__section")
        .order_by("inspection__number", "item__section__position", "item__position")
    )
    for row in score_rows.iterator(chunk_size=2000):
        scores.append(
            [
                row.inspection.number,
                row.item.section.display_title,
                row.item.display_text,
                row.item.weight,
                _("Yes") if row.item.critical else _("No"),
                row.score,
                row.item.top_score,
                _("Yes") if row.not_applicable else _("No"),
                _text(row.comment),
            ]
        )
    audit.record(
        AuditAction.EXPORT,
        actor=request.user,
        object_type="inspections.inspection",
        object_repr=_("Inspections export"),
        after={"rows": len(rows), "filter": request.GET.urlencode()},
    )
    return _workbook_response(book, f"inspections-{timezone.localdate():%Y%m%d}.xlsx")


@permission_view(access.VIEW_REVIEW, EXPORT_REVIEWS)
@require_GET
def review_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    _filterset, queryset = filtered_reviews(request)
    rows = list(queryset.order_by("-created_at", "-id")[:EXPORT_LIMIT])
    book = Workbook(write_only=True)
    sheet = _sheet(
        book,
        _("Ticket reviews"),
        [
            _("Ticket"),
            _("Org unit"),
            _("Reason"),
            _("Agent"),
            _("Reviewer"),
            _("Status"),
            _("Score (%)"),
            _("Result"),
            _("Service error"),
            _("Service error reason"),
            _("Comment"),
            _("Reviewed at"),
        ],
    )
    for review in rows:
        result = _result(review.passed)
        sheet.append(
            [
                review.ticket.number,
                review.org_unit.display_name,
                review.get_reason_display(),
                str(review.agent or ""),
                str(review.reviewer or ""),
                review.get_status_display(),
                _pct(review.score),
                result,
                _("Yes") if review.service_error else _("No"),
                _text(review.service_error_reason),
                _text(review.comment),
                _local(review.reviewed_at),
            ]
        )
    audit.record(
        AuditAction.EXPORT,
        actor=request.user,
        object_type="inspections.ticketreview",
        object_repr=_("Ticket reviews export"),
        after={"rows": len(rows), "filter": request.GET.urlencode()},
    )
    return _workbook_response(book, f"ticket-reviews-{timezone.localdate():%Y%m%d}.xlsx")
