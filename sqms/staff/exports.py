"""Excel exports: training plans, exam results and scorecards (each export is audited)."""

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.views import permission_view
from sqms.staff import training
from sqms.staff.access import fetch, visible_attempts, visible_exams, visible_people
from sqms.staff.models import PlanItem, Scorecard
from sqms.staff.performance_views import month_start

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_response(
    request: HttpRequest, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.title = name[:31]
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        # A leading "=" would make Excel run the cell as a formula.
        sheet.append([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
        count += 1
    buffer = BytesIO()
    book.save(buffer)
    audit.record(
        AuditAction.EXPORT,
        None,
        actor=request.user,
        object_type="staff.export",
        object_id=name,
        object_repr=name,
        after={"rows": count},
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response


@permission_view("staff.view_trainingplan")
def export_plans(request: HttpRequest) -> HttpResponse:
    from sqms.staff.models import TrainingPlan

    plans = TrainingPlan.objects.visible_to(request.user)
    items = (
        PlanItem.objects.filter(plan__in=plans)
        .select_related("plan", "plan__org_unit", "course")
        .order_by("plan__position", "plan__name", "course__code")
    )
    return workbook_response(
        request,
        "training-plans",
        [
            pgettext("training", "Plan"),
            _("Position"),
            _("Org unit"),
            _("Course code"),
            _("Course"),
            _("Due within (days)"),
            _("Repeat every (months)"),
        ],
        (
            [
                i.plan.name,
                i.plan.position,
                i.plan.org_unit.display_name,
                i.course.code,
                i.course.title,
                i.due_within_days,
                i.recurrence_months,
            ]
            for i in items
        ),
    )


@permission_view("staff.view_attempt")
def export_results(request: HttpRequest, pk: int) -> HttpResponse:
    exam = fetch(visible_exams(request.user), pk)
    attempts = (
        visible_attempts(request.user)
        .filter(exam=exam)
        .select_related("person", "org_unit")
        .order_by("person__username", "number")
    )
    return workbook_response(
        request,
        f"exam-{exam.pk}-results",
        [
            _("Candidate"),
            pgettext("person", "Name"),
            _("Org unit"),
            _("Attempt"),
            _("Started at"),
            _("Submitted at"),
            _("Late"),
            _("Score"),
            _("Maximum score"),
            _("Percent"),
            _("Status"),
        ],
        (
            [
                a.person.username,
                a.person.get_full_name(),
                a.org_unit.display_name,
                a.number,
                timezone.localtime(a.started_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(a.submitted_at).strftime("%Y-%m-%d %H:%M")
                if a.submitted_at
                else "",
                _("Yes") if a.is_late else _("No"),
                float(a.score),
                a.max_score,
                float(a.percent) if a.percent is not None else None,
                a.get_status_display(),
            ]
            for a in attempts
        ),
    )


@permission_view("staff.view_scorecard")
def export_scorecards(request: HttpRequest) -> HttpResponse:
    month = month_start(request.GET.get("month"))
    cards = (
        Scorecard.objects.in_scope_of(request.user)
        .filter(period=month)
        .select_related("person", "org_unit", "weights")
        .order_by("org_unit__path", "rank_in_unit")
    )
    names = ["volume", "response", "sla", "satisfaction", "error", "fcr", "inspection", "exam"]
    return workbook_response(
        request,
        f"scorecards-{month:%Y-%m}",
        [
            _("Staff member"),
            pgettext("person", "Name"),
            _("Org unit"),
            _("Month"),
            *names,
            _("Total score"),
            _("Rank in unit"),
            _("Service star"),
            _("Weights"),
        ],
        (
            [
                c.person.username,
                c.person.get_full_name(),
                c.org_unit.display_name,
                f"{c.period:%Y-%m}",
                *[c.components.get(n) for n in names],
                float(c.total),
                c.rank_in_unit,
                _("Yes") if c.is_service_star else "",
                str(c.weights),
            ]
            for c in cards
        ),
    )


@permission_view("staff.view_enrolment")
def export_overdue(request: HttpRequest) -> HttpResponse:
    rows = training.overdue_training(visible_people(request.user))
    return workbook_response(
        request,
        "overdue-training",
        [
            _("Staff member"),
            _("Username"),
            _("Position"),
            _("Org unit"),
            _("Course code"),
            _("Course"),
            _("Last completed"),
            _("Due"),
        ],
        (
            [
                r.person.get_full_name() or r.person.username,
                r.person.username,
                r.person.position,
                r.person.org_unit.display_name if r.person.org_unit else "",
                r.item.course.code,
                r.item.course.title,
                r.last_completed,
                r.due_on,
            ]
            for r in rows
        ),
    )
