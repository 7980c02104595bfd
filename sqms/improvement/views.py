"""UI views of improvement actions: the PDCA board, the list with filters and Excel export,
opening an action (also from a ticket), its page with timeline, plan, steps, progress and
the effectiveness check.

Views stay thin: they check permission, fetch within the user's scope (404 outside it),
validate a form and call a service from sqms.improvement.services.
"""

from io import BytesIO
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error, style_widgets
from sqms.core.views import paginate, permission_view
from sqms.improvement import checks, services
from sqms.improvement.access import access_action, resolve_source, visible_actions
from sqms.improvement.choices import BOARD_STAGES, FISHBONE_CATEGORIES, Stage
from sqms.improvement.filtersets import ImprovementActionFilterSet
from sqms.improvement.forms import CheckForm, OpenActionForm, PlanForm, ProgressForm, StepForm
from sqms.improvement.indicators import indicator_choices
from sqms.improvement.transitions import STEP_LABELS, allowed_steps

VIEW = services.VIEW
ADD = services.ADD
CHANGE = services.CHANGE
EXPORT = "improvement.export_improvementaction"
BOARD_CARDS = 30
EXPORT_LIMIT = 10_000
MAIN_FILTERS = ("q", "org_unit", "status")


def _filtered(request: HttpRequest) -> tuple[ImprovementActionFilterSet, Any]:
    actions = visible_actions(request.user)
    filterset = ImprovementActionFilterSet(request.GET, queryset=actions, request=request)
    style_widgets(filterset.form)
    for name in ("source", "stage"):
        filterset.form.fields[name].widget.attrs["size"] = 4
    filterset.form.fields["deadline_before"].widget.input_type = "date"
    queryset = filterset.qs if filterset.is_valid() else actions.none()
    return filterset, queryset


def _filter_context(filterset: ImprovementActionFilterSet) -> dict[str, Any]:
    form = filterset.form
    return {
        "filter": filterset,
        "main_fields": [form[name] for name in MAIN_FILTERS],
        "more_fields": [field for field in form.visible_fields() if field.name not in MAIN_FILTERS],
    }


# --- board and list -------------------------------------------------------------------------


@permission_view(VIEW)
@require_GET
def improvement_board(request: HttpRequest) -> HttpResponse:
    """The open actions by PDCA stage, the most urgent (earliest deadline) first."""
    filterset, queryset = _filtered(request)
    columns = []
    for stage in BOARD_STAGES:
        in_stage = queryset.filter(stage=stage).order_by("deadline", "id")
        cards = list(in_stage[:BOARD_CARDS])
        columns.append(
            {
                "stage": stage,
                "label": Stage(stage).label,
                "cards": cards,
                "count": len(cards) if len(cards) < BOARD_CARDS else in_stage.count(),
            }
        )
    context = {**_filter_context(filterset), "columns": columns, "today": timezone.localdate()}
    return render(request, "improvement/board.html", context)


@permission_view(VIEW)
@require_GET
def improvement_action_list(request: HttpRequest) -> HttpResponse:
    filterset, queryset = _filtered(request)
    page = paginate(request, queryset)
    context = {
        **_filter_context(filterset),
        "page": page,
        "may_export": request.user.has_perm(EXPORT),
    }
    return render(request, "improvement/action_list.html", context)


@permission_view(VIEW, EXPORT)
@require_GET
def improvement_action_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as an Excel workbook (audited)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    _filterset, queryset = _filtered(request)
    rows = list(queryset.order_by("number")[:EXPORT_LIMIT])
    # Write-only mode streams rows instead of building a cell object graph: several times faster.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Improvement actions")[:31])
    for column, width in zip("ABCDEFGHIJ", (20, 36, 16, 30, 18, 16, 10, 6, 8, 12), strict=True):
        sheet.column_dimensions[column].width = width
    headers = [
        _("Number"),
        _("Title"),
        _("Source"),
        _("Source record"),
        _("Org unit"),
        _("Owner"),
        _("PDCA stage"),
        _("Cycle"),
        _("Progress (%)"),
        _("Deadline"),
        _("Overdue"),
        _("Problem statement"),
        _("Root cause"),
        _("Goal"),
        _("Indicator"),
        _("Target value"),
        _("Measures"),
        _("Effectiveness check on"),
        _("Outcome"),
        _("Created"),
    ]
    bold = Font(bold=True)
    header_cells = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)

    def text(value: Any) -> Any:
        # A leading = + - @ would make Excel evaluate user-typed text as a formula.
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            return "'" + value
        return value

    today = timezone.localdate()
    yes = _("yes")
    for action in rows:
        overdue = action.is_open and action.deadline is not None and action.deadline < today
        sheet.append(
            [
                text(value)
                for value in (
                    action.number,
                    action.title,
                    action.get_source_display(),
                    action.source_label,
                    action.org_unit.display_name,
                    str(action.owner) if action.owner else "",
                    action.get_stage_display(),
                    action.cycle,
                    action.progress,
                    action.deadline,
                    yes if overdue else "",
                    action.problem,
                    action.root_cause,
                    action.goal,
                    action.indicator_code,
                    float(action.target_value) if action.target_value is not None else None,
                    action.measures,
                    action.check_due_on,
                    action.outcome,
                    timezone.localtime(action.created_at).replace(tzinfo=None),
                )
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    audit.record(
        AuditAction.EXPORT,
        actor=request.user,
        object_type="improvement.improvementaction",
        object_repr=_("%(count)d improvement actions") % {"count": len(rows)},
        after={"filters": request.GET.dict(), "rows": len(rows)},
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="improvement-actions-{stamp}.xlsx"'
    return response


# --- opening --------------------------------------------------------------------------------


@permission_view(VIEW, ADD)
@require_http_methods(["GET", "POST"])
def improvement_action_create(request: HttpRequest) -> HttpResponse:
    """Open an action; ?source=…&source_type=app.model&source_id=… pre-fills it from a record."""
    user: Any = request.user
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {}
    record = None
    source_type = (request.POST or request.GET).get("source_type", "")
    source_id = (request.POST or request.GET).get("source_id", "")
    if source_type and source_id:
        record = resolve_source(user, source_type, source_id)
        if record is None:
            raise PermissionDenied(_("The source record is not available to you."))
        initial = {
            "source_type": source_type,
            "source_id": source_id,
            # Records without a title (an alert, a finding) name themselves in str().
            "title": str(getattr(record, "title", "") or record)[:200],
        }
    if request.GET.get("source"):
        initial["source"] = request.GET["source"]
    form = OpenActionForm(data, user=user, initial=initial)
    if data is not None and form.is_valid():
        values = form.cleaned_data
        try:
            action = services.open_action(
                actor=user,
                source=values["source"],
                source_object=record,
                title=values["title"],
                problem=values["problem"],
                org_unit=values["org_unit"],
                owner=values["owner"],
                deadline=values["deadline"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Improvement action %(number)s opened.") % {"number": action.number}
            )
            return redirect("improvement_action_detail", pk=action.pk)
    return render(request, "improvement/action_form.html", {"form": form, "record": record})


# --- the action's page ----------------------------------------------------------------------


def _page(request: HttpRequest, pk: int, **bound: Any) -> HttpResponse:
    user: Any = request.user
    action = access_action(user, pk, detail=True)
    is_owner = action.owner_id == user.pk
    may_steer = user.has_perm(CHANGE) or is_owner
    team_ids = {member.pk for member in action.team.all()}
    steps = (
        [
            (step, STEP_LABELS[step])
            for step in allowed_steps(action.stage)
            if step != "cancel" or user.has_perm(CHANGE)
        ]
        if may_steer
        else []
    )
    proposal = None
    if action.stage == Stage.CHECK:
        proposal = checks.propose_check(action)
    context = {
        "action": action,
        "pdca": [(stage, Stage(stage).label) for stage in BOARD_STAGES],
        "events": list(action.events.all())[::-1],
        "checks": list(action.checks.all()),
        "fishbone": [(label, getattr(action, name)) for name, label in FISHBONE_CATEGORIES],
        "steps": steps,
        "step_form": bound.get("step_form"),
        "may_steer": may_steer,
        "may_report": (may_steer or user.pk in team_ids)
        and action.stage in {Stage.DO, Stage.CHECK, Stage.ACT},
        "progress_form": bound.get("progress_form") or ProgressForm(),
        "check_form": bound.get("check_form") or CheckForm(),
        "proposal": proposal,
        "check_is_due": action.check_due_on is not None
        and action.check_due_on <= timezone.localdate(),
        "source_url": _source_url(action),
        "indicator_label": dict(indicator_choices()).get(action.indicator_code, "")
        if action.indicator_code
        else "",
    }
    return render(request, "improvement/action_detail.html", context)


def _source_url(action: Any) -> str:
    if action.source_type is None or not action.source_id:
        return ""
    if (action.source_type.app_label, action.source_type.model) == ("servicedesk", "ticket"):
        return reverse("ticket_detail", args=[action.source_id])
    return ""


@permission_view(VIEW)
@require_GET
def improvement_action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@permission_view(VIEW)
@require_http_methods(["GET", "POST"])
def improvement_action_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the plan: analysis, goal, measures, owner, team, dates."""
    user: Any = request.user
    action = access_action(user, pk)
    if not (user.has_perm(CHANGE) or action.owner_id == user.pk):
        raise PermissionDenied
    if request.method == "POST":
        form = PlanForm(request.POST, user=user)
        if form.is_valid():
            values = dict(form.cleaned_data)
            team = values.pop("team")
            try:
                services.update_action(action, actor=user, team=team, **values)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The plan was saved."))
                return redirect("improvement_action_detail", pk=action.pk)
    else:
        form = PlanForm(user=user, initial=PlanForm.initial_for(action))
    context = {"action": action, "form": form}
    return render(request, "improvement/action_plan.html", context)


def _after(request: HttpRequest, pk: int, message: str) -> HttpResponseBase:
    messages.success(request, message)
    return redirect(reverse("improvement_action_detail", args=[pk]) + "#timeline")


@login_required
@require_POST
def improvement_action_step(request: HttpRequest, pk: int) -> HttpResponseBase:
    user: Any = request.user
    action = access_action(user, pk)
    form = StepForm(request.POST)
    if form.is_valid():
        step = form.cleaned_data["step"]
        try:
            services.advance(action, step, actor=user, note=form.cleaned_data["note"])
        except DomainError as error:
            messages.error(request, error.message)
            add_domain_error(form, error)
        else:
            return _after(request, pk, _("%(step)s: done.") % {"step": STEP_LABELS[step]})
    else:
        messages.error(request, _("Choose a step."))
    return _page(request, pk, step_form=form)


@login_required
@require_POST
def improvement_action_progress(request: HttpRequest, pk: int) -> HttpResponseBase:
    user: Any = request.user
    action = access_action(user, pk)
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.add_progress(action, actor=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after(request, pk, _("Progress recorded."))
    return _page(request, pk, progress_form=form)


@login_required
@require_POST
def improvement_action_check(request: HttpRequest, pk: int) -> HttpResponseBase:
    user: Any = request.user
    action = access_action(user, pk)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            checks.record_check(action, actor=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after(request, pk, _("Effectiveness check recorded."))
    return _page(request, pk, check_form=form)
