"""Staff pages of surveys: results dashboard, comments, follow-ups, templates and versions,
invitation rules, campaigns, Excel exports.

Views stay thin: permission, a scoped fetch (404 outside the scope), a form, a service call.
"""

import datetime
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.views import paginate, permission_view
from sqms.servicedesk.choices import Channel, TicketKind
from sqms.surveys import access, results, services
from sqms.surveys.choices import FollowUpStatus
from sqms.surveys.forms import (
    CampaignForm,
    CommentFilterForm,
    FollowUpForm,
    QuestionForm,
    ResultsFilterForm,
    RuleForm,
)
from sqms.surveys.models import Answer, Question

RESULTS = "surveys.view_surveyresponse"
EXPORT = "surveys.export_surveyresponse"
EXPORT_LIMIT = 20_000


def _filters(form: ResultsFilterForm) -> results.Filters:
    if not form.is_valid():
        today = timezone.localdate()
        return results.Filters(start=today - datetime.timedelta(days=89), end=today)
    data = form.cleaned_data
    today = timezone.localdate()
    start = data.get("start") or today - datetime.timedelta(days=89)
    end = data.get("end") or today
    return results.Filters(
        start=start,
        end=end,
        unit=data.get("unit"),
        channel=data.get("channel") or "",
        kind=data.get("kind") or "",
        template_id=data["template"].pk if data.get("template") else None,
    )


def _labelled(rows: list[dict[str, Any]], slice_name: str) -> list[dict[str, Any]]:
    """Names for the keys of a slice (one query for units or staff)."""
    keys = [row["key"] for row in rows if row["key"] is not None]
    names: dict[Any, str] = {}
    if slice_name == "org_unit":
        from sqms.core.models import OrgUnit

        names = {u.pk: u.display_name for u in OrgUnit.objects.filter(pk__in=keys)}
    elif slice_name == "staff":
        from sqms.core.models import User

        names = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=keys)}
    elif slice_name == "channel":
        names = {k: str(v) for k, v in Channel.choices}
    elif slice_name == "kind":
        names = {k: str(v) for k, v in TicketKind.choices}
    for row in rows:
        row["label"] = names.get(row["key"], row["key"] or "—")
    return rows


def dashboard_data(user: Any, filters: results.Filters) -> dict[str, Any]:
    responses = results.completed(user, filters)
    return {
        "summary": results.summary(responses),
        "rate": results.response_rate(user, filters),
        "trend": results.trend(responses),
        "by_unit": _labelled(results.by_slice(responses, "org_unit"), "org_unit"),
        "by_channel": _labelled(results.by_slice(responses, "channel"), "channel"),
        "by_kind": _labelled(results.by_slice(responses, "kind"), "kind"),
        "by_staff": _labelled(results.by_slice(responses, "staff"), "staff"),
        "dimensions": results.dimension_means(responses),
        "gaps": results.servqual_gaps(responses),
    }


@permission_view(RESULTS)
@require_GET
def survey_dashboard(request: HttpRequest) -> HttpResponse:
    form = ResultsFilterForm(request.GET or None, user=request.user)
    filters = _filters(form)
    follow_ups = access.visible_follow_ups(request.user).filter(status=FollowUpStatus.OPEN)
    context = {
        "form": form,
        "filters": filters,
        **dashboard_data(request.user, filters),
        "follow_ups": list(follow_ups.order_by("due_at", "id")[:10]),
        "may_export": request.user.has_perm(EXPORT),
    }
    return render(request, "surveys/dashboard.html", context)


@permission_view(RESULTS)
@require_GET
def survey_comments(request: HttpRequest) -> HttpResponse:
    form = CommentFilterForm(request.GET or None, user=request.user)
    filters = _filters(form)
    responses = results.completed(request.user, filters).exclude(comment="")
    if form.is_valid():
        if form.cleaned_data.get("q"):
            responses = responses.filter(comment__icontains=form.cleaned_data["q"])
        if form.cleaned_data.get("max_score"):
            responses = responses.filter(overall__lte=form.cleaned_data["max_score"])
    responses = responses.select_related("org_unit", "ticket", "staff").order_by(
        "-completed_at", "-id"
    )
    return render(
        request, "surveys/comments.html", {"form": form, "page": paginate(request, responses)}
    )


@permission_view(RESULTS)
@require_GET
def survey_response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    queryset = access.visible_responses(request.user).prefetch_related(
        Prefetch("answers", queryset=Answer.objects.select_related("question"))
    )
    response = access.fetch(queryset, request.user, RESULTS, pk)
    return render(request, "surveys/response_detail.html", {"response": response})


# --- exports ---


def _workbook_response(book: Any, name: str) -> HttpResponse:
    buffer = BytesIO()
    book.save(buffer)
    reply = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    reply["Content-Disposition"] = f'attachment; filename="{name}"'
    return reply


def answers_workbook(user: Any, filters: results.Filters) -> Any:
    """One sheet per template version, one row per response, one column per question."""
    from openpyxl import Workbook

    responses = list(
        results.completed(user, filters)
        .select_related("org_unit", "ticket", "version__template", "staff")
        .order_by("version_id", "completed_at", "id")[:EXPORT_LIMIT]
    )
    version_ids = sorted({r.version_id for r in responses})
    questions: dict[int, list[Question]] = {v: [] for v in version_ids}
    for question in Question.objects.filter(version_id__in=version_ids).order_by("position", "id"):
        questions[question.version_id].append(question)
    answers: dict[tuple[int, int], Answer] = {
        (a.response_id, a.question_id): a
        for a in Answer.objects.filter(response__in=[r.pk for r in responses])
    }
    book = Workbook(write_only=True)
    sheets: dict[int, Any] = {}
    for response in responses:
        sheet = sheets.get(response.version_id)
        if sheet is None:
            title = f"{response.version.template.code} v{response.version.number}"[:31]
            sheet = sheets[response.version_id] = book.create_sheet(title)
            sheet.append(
                [
                    _("Response"),
                    _("Completed at"),
                    _("Org unit"),
                    _("Ticket"),
                    _("Channel"),
                    _("Kind"),
                    _("Answered by"),
                    *[q.code for q in questions[response.version_id]],
                ]
            )
        row: list[Any] = [
            response.pk,
            timezone.localtime(response.completed_at).strftime("%Y-%m-%d %H:%M"),
            response.org_unit.code,
            response.ticket.number if response.ticket else "",
            response.channel,
            response.kind,
            response.mode,
        ]
        for question in questions[response.version_id]:
            answer = answers.get((response.pk, question.pk))
            if answer is None:
                row.append(None)
            elif answer.number is not None:
                row.append(answer.number)
            elif answer.choices:
                row.append(",".join(answer.choices))
            else:
                row.append(answer.text)
        sheet.append(row)
    if not sheets:
        book.create_sheet(_("Answers")[:31]).append([_("No answers match.")])
    return book


@permission_view(RESULTS, EXPORT)
@require_GET
def survey_export_answers(request: HttpRequest) -> HttpResponse:
    form = ResultsFilterForm(request.GET or None, user=request.user)
    filters = _filters(form)
    book = answers_workbook(request.user, filters)
    audit.record(
        AuditAction.EXPORT,
        actor=request.user,
        object_type="surveys.surveyresponse",
        object_repr=f"answers {filters.start}..{filters.end}",
    )
    return _workbook_response(book, "survey-answers.xlsx")


@permission_view(RESULTS, EXPORT)
@require_GET
def survey_export_results(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    form = ResultsFilterForm(request.GET or None, user=request.user)
    filters = _filters(form)
    data = dashboard_data(request.user, filters)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")[:31]
    summary, rate = data["summary"], data["rate"]
    for label, value in (
        (_("From"), str(filters.start)),
        (_("To"), str(filters.end)),
        (_("Responses"), summary["responses"]),
        ("CSAT %", summary["csat"]),
        ("NPS", summary["nps"]),
        ("CES", summary["ces"]),
        (_("Invitations"), rate["invited"]),
        (_("Answered"), rate["answered"]),
        (_("Response rate %"), rate["rate"]),
    ):
        sheet.append([label, value])
    headers = [_("Slice"), _("Responses"), "CSAT %", "NPS", "CES"]
    for key, title in (
        ("trend", _("By month")),
        ("by_unit", _("By org unit")),
        ("by_staff", _("By staff")),
        ("by_channel", _("By channel")),
        ("by_kind", _("By kind")),
    ):
        part = book.create_sheet(title[:31])
        part.append(headers)
        for row in data[key]:
            label = row.get("label") or str(row.get("month", ""))
            part.append([str(label), row["responses"], row["csat"], row["nps"], row["ces"]])
    dims = book.create_sheet(_("Dimensions")[:31])
    dims.append([_("Dimension"), _("Mean"), _("Answers")])
    for row in data["dimensions"]:
        dims.append([str(row["label"]), row["mean"], row["answers"]])
    for row in data["gaps"]:
        dims.append([f"SERVQUAL {row['label']}", row["gap"], row["answers"]])
    audit.record(
        AuditAction.EXPORT,
        actor=request.user,
        object_type="surveys.surveyresponse",
        object_repr=f"results {filters.start}..{filters.end}",
    )
    return _workbook_response(book, "survey-results.xlsx")


# --- follow-ups ---


@permission_view("surveys.view_followup")
@require_GET
def survey_follow_up_list(request: HttpRequest) -> HttpResponse:
    follow_ups = access.visible_follow_ups(request.user)
    status = request.GET.get("status", "open")
    if status in FollowUpStatus.values:
        follow_ups = follow_ups.filter(status=status)
    return render(
        request,
        "surveys/follow_up_list.html",
        {
            "page": paginate(request, follow_ups.order_by("status", "due_at", "id")),
            "status": status,
        },
    )


@permission_view("surveys.view_followup")
@require_http_methods(["GET", "POST"])
def survey_follow_up_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    follow_up = access.fetch(
        access.visible_follow_ups(request.user), request.user, "surveys.view_followup", pk
    )
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "improve":
        try:
            services.open_improvement(follow_up, actor=request.user)
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Improvement action opened."))
        return redirect("survey_follow_up_detail", follow_up.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_follow_up(
                follow_up, actor=request.user, outcome=form.cleaned_data["outcome"]
            )
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            messages.success(request, _("Follow-up done."))
            return redirect("survey_follow_up_detail", follow_up.pk)
    answers = Answer.objects.filter(response=follow_up.response).select_related("question")
    return render(
        request,
        "surveys/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "answers": answers,
            "form": form,
            "may_change": request.user.has_perm(services.CHANGE_FOLLOW_UP),
            "may_improve": request.user.has_perm(services.OPEN_ACTION),
        },
    )


# --- templates and versions ---


@permission_view("surveys.view_surveytemplate")
@require_GET
def survey_template_list(request: HttpRequest) -> HttpResponse:
    templates = access.visible_templates(request.user).prefetch_related("versions")
    return render(request, "surveys/template_list.html", {"page": paginate(request, templates)})


@permission_view("surveys.view_surveytemplate")
@require_http_methods(["GET", "POST"])
def survey_template_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    template = access.fetch(
        access.visible_templates(request.user), request.user, "surveys.view_surveytemplate", pk
    )
    versions = list(template.versions.order_by("-number"))
    chosen = versions[0] if versions else None
    wanted = request.GET.get("version") or request.POST.get("version")
    for version in versions:
        if str(version.pk) == wanted:
            chosen = version
    may_manage = request.user.has_perm(services.MANAGE)
    form = QuestionForm(request.POST if request.POST.get("action") == "question" else None)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "draft":
                chosen = services.new_draft(template, actor=request.user)
                messages.success(request, _("Draft version %(n)s created.") % {"n": chosen.number})
                return redirect(f"{request.path}?version={chosen.pk}")
            if action == "publish" and chosen is not None:
                services.publish_version(chosen, actor=request.user)
                messages.success(request, _("Version published."))
                return redirect(f"{request.path}?version={chosen.pk}")
            if action == "delete_question" and chosen is not None:
                question = chosen.questions.filter(pk=request.POST.get("question")).first()
                if question is not None:
                    services.delete_question(question, actor=request.user)
                return redirect(f"{request.path}?version={chosen.pk}")
            if action == "question" and chosen is not None and form.is_valid():
                question = form.save(commit=False)
                question.version = chosen
                question.options = form.cleaned_data["options_text"]
                services.save_question(question, actor=request.user)
                return redirect(f"{request.path}?version={chosen.pk}")
        except DomainError as refused:
            if action == "question":
                add_domain_error(form, refused)
            else:
                messages.error(request, refused.message)
    questions = list(chosen.questions.all()) if chosen else []
    return render(
        request,
        "surveys/template_detail.html",
        {
            "template": template,
            "versions": versions,
            "version": chosen,
            "questions": questions,
            "may_manage": may_manage,
            "form": form,
        },
    )


# --- rules and campaigns (plain CRUD through a service-like helper) ---


def _save_model_form(form: ModelForm, request: HttpRequest, creating: bool) -> Any:
    from django.db import transaction

    with transaction.atomic():
        before = {} if creating else audit.snapshot(form.instance)
        obj = form.save(commit=False)
        if creating:
            obj.created_by = request.user
        obj.save()
        form.save_m2m()
        after = audit.snapshot(obj)
        if creating:
            audit.record(AuditAction.CREATE, obj, actor=request.user, after=after)
        else:
            old, new = audit.changes(before, after)
            audit.record(AuditAction.UPDATE, obj, actor=request.user, before=old, after=new)
    return obj


@permission_view("surveys.view_invitationrule")
@require_GET
def survey_rule_list(request: HttpRequest) -> HttpResponse:
    rules = access.visible_rules(request.user)
    return render(
        request,
        "surveys/rule_list.html",
        {
            "page": paginate(request, rules),
            "may_add": request.user.has_perm("surveys.add_invitationrule"),
        },
    )


@permission_view("surveys.view_invitationrule", "surveys.change_invitationrule")
@require_http_methods(["GET", "POST"])
def survey_rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    instance = None
    if pk is not None:
        instance = access.fetch(
            access.visible_rules(request.user), request.user, "surveys.view_invitationrule", pk
        )
    elif not request.user.has_perm("surveys.add_invitationrule"):
        raise PermissionDenied
    form = RuleForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        _save_model_form(form, request, creating=instance is None)
        messages.success(request, _("Invitation rule saved."))
        return redirect("survey_rule_list")
    return render(
        request,
        "surveys/form.html",
        {"form": form, "title": _("Invitation rule"), "back": "survey_rule_list"},
    )


@permission_view("surveys.view_campaign")
@require_GET
def survey_campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = access.visible_campaigns(request.user)
    return render(
        request,
        "surveys/campaign_list.html",
        {
            "page": paginate(request, campaigns),
            "may_add": request.user.has_perm("surveys.add_campaign"),
        },
    )


@permission_view("surveys.view_campaign", "surveys.change_campaign")
@require_http_methods(["GET", "POST"])
def survey_campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    instance = None
    if pk is not None:
        instance = access.fetch(
            access.visible_campaigns(request.user), request.user, "surveys.view_campaign", pk
        )
    elif not request.user.has_perm("surveys.add_campaign"):
        raise PermissionDenied
    form = CampaignForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        _save_model_form(form, request, creating=instance is None)
        messages.success(request, _("Campaign saved."))
        return redirect("survey_campaign_list")
    return render(
        request,
        "surveys/form.html",
        {"form": form, "title": _("Campaign"), "back": "survey_campaign_list"},
    )


@permission_view("surveys.view_campaign", "surveys.change_campaign")
@require_POST
def survey_campaign_action(request: HttpRequest, pk: int) -> HttpResponseBase:
    campaign = access.fetch(
        access.visible_campaigns(request.user), request.user, "surveys.view_campaign", pk
    )
    try:
        if request.POST.get("action") == "close":
            services.close_campaign(campaign, actor=request.user)
            messages.success(request, _("Campaign closed."))
        else:
            made = services.generate_campaign(campaign, actor=request.user)
            messages.success(request, _("%(n)s invitations created.") % {"n": made})
    except DomainError as refused:
        messages.error(request, refused.message)
    return redirect("survey_campaign_list")
