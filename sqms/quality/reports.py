"""The quarterly evaluation (季度服务质量评估) of a unit, as PDF (WeasyPrint, SVG charts drawn
here, Noto CJK fonts) and Excel (openpyxl, write-only). Everything comes from the rollups
and a few aggregate queries; no raw record is loaded into Python."""

import datetime
import io
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sqms.core.models import OrgUnit
from sqms.quality import services
from sqms.quality.charts import bar_chart
from sqms.quality.choices import Band, Granularity, ReportStatus
from sqms.quality.indicators import SliceFilter, series_by_period, unit_table
from sqms.quality.models import Alert, DailyFact, EvaluationReport, Indicator
from sqms.quality.periods import Period, period_containing, quarter
from sqms.servicedesk.models import Category

logger = logging.getLogger(__name__)
FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans CJK', 'Noto Serif CJK SC', sans-serif"
RANKED = ("complaint_handling_rate", "avg_response_minutes", "sla_rate", "service_error_rate")


def _months(period: Period) -> list[Period]:
    months = [period_containing(Granularity.MONTH, period.start)]
    while months[-1].end < period.end:
        months.append(
            period_containing(Granularity.MONTH, months[-1].end + datetime.timedelta(days=1))
        )
    return months


def report_context(report: EvaluationReport) -> dict[str, Any]:
    unit: OrgUnit = report.org_unit
    period = quarter(report.year, report.quarter)
    months = _months(period)
    indicators = list(Indicator.objects.filter(is_active=True))
    by_code = {i.code: i for i in indicators}
    sl = SliceFilter(unit=unit)
    # The quarter's months and the quarter itself, from one query over its days.
    monthly = series_by_period(months, sl, list(by_code))
    whole = series_by_period([period], sl, list(by_code), quantiles=True)
    values = {code: points[0] for code, points in whole.items()}
    targets = services.targets_in_force(unit, period.end)
    services.apply_targets(values, by_code, targets)
    rows: list[dict[str, Any]] = []
    for indicator in indicators:
        v = values[indicator.code]
        rows.append(
            {
                "indicator": indicator,
                "value": v,
                "months": [m.value for m in monthly[indicator.code]],
                "band": Band(v.band).label if v.state != "no_source" else _("No data source yet"),
            }
        )

    children = list(OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1))
    ranking = unit_table(period, unit, children) if children else []
    rankings = []
    for code in RANKED:
        entries = sorted(
            ((r.unit, r.values[code].value) for r in ranking),
            key=lambda e: (
                e[1] is None,
                -(e[1] or 0) if by_code[code].higher_is_better else (e[1] or 0),
            ),
        )
        target = targets.get(by_code[code].pk)
        chart = bar_chart(
            [str(u) for u, _v in entries],
            [v for _u, v in entries],
            target=float(target.target) if target else None,
            title=by_code[code].display_name,
        )
        rankings.append({"indicator": by_code[code], "entries": entries, "chart": chart})

    complaints = (
        DailyFact.objects.filter(
            org_unit__path__startswith=unit.path,
            day__gte=period.start,
            day__lte=period.end,
            complaints__gt=0,
        )
        .order_by()
        .values("category_id")
        .annotate(n=Sum("complaints"), handled=Sum("complaints_handled"))
        .order_by("-n")[:10]
    )
    names = Category.objects.in_bulk([c["category_id"] for c in complaints if c["category_id"]])
    top_complaints = [
        {
            "category": str(names[c["category_id"]])
            if c["category_id"] in names
            else _("(no problem type)"),
            "count": c["n"],
            "handled": c["handled"],
        }
        for c in complaints
    ]
    alerts = list(
        Alert.objects.filter(
            org_unit__path__startswith=unit.path, day__gte=period.start, day__lte=period.end
        ).select_related("org_unit", "owner", "indicator")[:200]
    )
    trend_chart = bar_chart(
        [m.label for m in months],
        [v.value for v in monthly["complaint_handling_rate"]],
        title=by_code["complaint_handling_rate"].display_name,
        target=float(targets[by_code["complaint_handling_rate"].pk].target)
        if by_code["complaint_handling_rate"].pk in targets
        else None,
    )
    return {
        "report": report,
        "unit": unit,
        "period": period,
        "months": months,
        "rows": rows,
        "rankings": rankings,
        "top_complaints": top_complaints,
        "alerts": alerts,
        "trend_chart": trend_chart,
        "font_family": FONT_FAMILY,
        "generated_at": timezone.localtime(),
        "surveys_available": any(
            r["value"].state != "no_source" for r in rows if r["indicator"].source == "surveys"
        ),
        "inspections_available": any(
            r["value"].state != "no_source" for r in rows if r["indicator"].source == "inspections"
        ),
    }


def report_pdf(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string("quality/report_pdf.html", context)
    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())


def _cell(value: float | None) -> Any:
    return None if value is None else round(value, 2)


def report_xlsx(context: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Indicators"))
    months = context["months"]
    sheet.append(
        [
            _("Code"),
            _("Indicator"),
            _("Value"),
            _("Target"),
            _("Status"),
            *[m.label for m in months],
            _("Numerator"),
            _("Denominator"),
        ]
    )
    for row in context["rows"]:
        v = row["value"]
        sheet.append(
            [
                row["indicator"].code,
                row["indicator"].display_name,
                _cell(v.value),
                float(v.target.target) if v.target else None,
                str(row["band"]),
                *[_cell(m) for m in row["months"]],
                _cell(v.numerator),
                _cell(v.denominator),
            ]
        )
    sheet = book.create_sheet(_("Ranking"))
    sheet.append([_("Indicator"), _("Rank"), _("Org unit"), _("Value")])
    for ranking in context["rankings"]:
        for rank, (unit, value) in enumerate(ranking["entries"], start=1):
            sheet.append([ranking["indicator"].display_name, rank, str(unit), _cell(value)])
    sheet = book.create_sheet(_("Complaints"))
    sheet.append([_("Problem type"), _("Complaints"), _("Handled")])
    for c in context["top_complaints"]:
        sheet.append([c["category"], c["count"], c["handled"]])
    sheet = book.create_sheet(_("Alerts"))
    sheet.append(
        [_("Day"), _("Org unit"), _("Alert"), _("Severity"), _("Status"), _("Closing note")]
    )
    for a in context["alerts"]:
        sheet.append(
            [
                a.day,
                str(a.org_unit),
                a.message,
                a.get_severity_display(),
                a.get_status_display(),
                a.close_note,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _progress(report: EvaluationReport, percent: int, status: str = ReportStatus.RUNNING) -> None:
    EvaluationReport.objects.filter(pk=report.pk).update(progress=percent, status=status)


def build_report(report_id: int) -> EvaluationReport:
    report = EvaluationReport.objects.select_related("org_unit").get(pk=report_id)
    _progress(report, 5)
    try:
        with translation.override(report.language):
            context = report_context(report)
            _progress(report, 40)
            pdf = report_pdf(context)
            _progress(report, 80)
            xlsx = report_xlsx(context)
        stem = f"evaluation-{report.org_unit.code}-{report.year}Q{report.quarter}-{report.pk}"
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        report.status = ReportStatus.DONE
        report.progress = 100
        report.finished_at = timezone.now()
        report.save(
            update_fields=["pdf", "xlsx", "status", "progress", "finished_at", "updated_at"]
        )
    except Exception as error:  # the report must end in a state the user sees
        logger.exception("evaluation report %s failed", report_id)
        EvaluationReport.objects.filter(pk=report.pk).update(
            status=ReportStatus.FAILED, error=str(error)[:500]
        )
        raise
    return report
