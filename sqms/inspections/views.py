"""UI views of inspections: the list with filters, planning, the (tablet-friendly) scoring
form, the inspection page with photos and findings, submission and review; findings.

Checklists, sampling plans and ticket reviews are in review_views.py and checklist_views.py;
results and Excel exports in reports.py. Views stay thin: they check permission, fetch within
the user's scope (404 outside it), validate a form and call a service.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error, style_widgets
from sqms.core.views import paginate, permission_view
from sqms.inspections import access, photos, services
from sqms.inspections.choices import InspectionStatus
from sqms.inspections.filtersets import FindingFilterSet, InspectionFilterSet
from sqms.inspections.forms import (
    FindingForm,
    InspectionCreateForm,
    InspectionFieldsForm,
    PhotoForm,
    ReviewDecisionForm,
    ScoreForm,
)
from sqms.inspections.models import InspectionPhoto

VIEW = services.VIEW
ADD = services.ADD
CHANGE = services.CHANGE
DELETE = services.DELETE
REVIEW = services.REVIEW
EXPORT = "inspections.export_inspection"
MAIN_FILTERS = ("q", "org_unit", "kind", "status")


def filter_context(filterset: Any, main: tuple[str, ...]) -> dict[str, Any]:
    form = filterset.form
    style_widgets(form)
    return {
        "filter": filterset,
        "main_fields": [form[name] for name in main if name in form.fields],
        "more_fields": [field for field in form.visible_fields() if field.name not in main],
    }


def filtered_inspections(request: HttpRequest) -> tuple[InspectionFilterSet, Any]:
    inspections = access.visible_inspections(request.user).order_by(
        "-performed_at", "-planned_for", "-id"
    )
    filterset = InspectionFilterSet(request.GET, queryset=inspections, request=request)
    for name in ("performed_after", "performed_before"):
        filterset.form.fields[name].widget.input_type = "date"
    queryset = filterset.qs if filterset.is_valid() else inspections.none()
    return filterset, queryset


@permission_view(VIEW)
@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    filterset, queryset = filtered_inspections(request)
    context = {
        **filter_context(filterset, MAIN_FILTERS),
        "page": paginate(request, queryset),
        "may_add": request.user.has_perm(ADD),
        "may_export": request.user.has_perm(EXPORT),
    }
    return render(request, "inspections/inspection_list.html", context)


@permission_view(VIEW, ADD)
@require_http_methods(["GET", "POST"])
def inspection_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = InspectionCreateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            inspection = services.create_inspection(actor=user, **values)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Inspection %(number)s planned.") % {"number": inspection.number}
            )
            return redirect("inspections_inspection_detail", pk=inspection.pk)
    return render(request, "inspections/inspection_form.html", {"form": form, "inspection": None})


@permission_view(VIEW, CHANGE)
@require_http_methods(["GET", "POST"])
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    inspection = access.access_inspection(user, pk)
    if request.method == "POST":
        form = InspectionFieldsForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.update_inspection(inspection, actor=user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Inspection saved."))
                return redirect("inspections_inspection_detail", pk=inspection.pk)
    else:
        form = InspectionFieldsForm(user=user, initial=InspectionFieldsForm.initial_for(inspection))
    context = {"form": form, "inspection": inspection}
    return render(request, "inspections/inspection_form.html", context)


@permission_view(VIEW, DELETE)
@require_http_methods(["GET", "POST"])
def inspection_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request.user
    inspection = access.access_inspection(user, pk)
    error = ""
    if request.method == "POST":
        try:
            services.delete_inspection(inspection, actor=user)
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(request, _("Inspection deleted."))
            return redirect("inspections_inspection_list")
    context = {"inspection": inspection, "error": error}
    return render(request, "inspections/inspection_delete.html", context)


def _score_sections(inspection: Any) -> list[dict[str, Any]]:
    """Sections with their items and recorded scores, for the inspection page."""
    scores = {row.item_id: row for row in inspection.scores.all()}
    photos_by_item: dict[int | None, list[InspectionPhoto]] = {}
    for photo in inspection.photos.all():
        photos_by_item.setdefault(photo.item_id, []).append(photo)
    sections: list[dict[str, Any]] = []
    for item in inspection.version.items.select_related("section"):
        if not sections or sections[-1]["section"].pk != item.section_id:
            sections.append({"section": item.section, "rows": []})
        sections[-1]["rows"].append(
            {"item": item, "score": scores.get(item.pk), "photos": photos_by_item.get(item.pk, [])}
        )
    return sections


def _page(request: HttpRequest, pk: int, **bound: Any) -> HttpResponse:
    user = request.user
    inspection = access.access_inspection(user, pk, detail=True)
    is_inspector = inspection.inspector_id == user.pk or user.has_perm(REVIEW)
    may_work = inspection.is_open and user.has_perm(CHANGE) and is_inspector
    context = {
        "inspection": inspection,
        "sections": _score_sections(inspection),
        "general_photos": [p for p in inspection.photos.all() if p.item_id is None],
        "findings": list(inspection.findings.all()),
        "may_work": may_work,
        "may_submit": may_work and inspection.status == InspectionStatus.IN_PROGRESS,
        "may_review": inspection.status == InspectionStatus.SUBMITTED
        and user.has_perm(REVIEW)
        and inspection.inspector_id != user.pk,
        "may_delete": inspection.is_open and user.has_perm(DELETE) and is_inspector,
        "may_add_finding": user.has_perm(services.ADD_FINDING),
        "may_open_action": user.has_perm("improvement.add_improvementaction"),
        "finding_form": bound.get("finding_form")
        or FindingForm(user=user, version=inspection.version),
        "photo_form": bound.get("photo_form") or PhotoForm(version=inspection.version),
        "review_form": bound.get("review_form") or ReviewDecisionForm(),
        "submit_error": bound.get("submit_error", ""),
    }
    return render(request, "inspections/inspection_detail.html", context)


@permission_view(VIEW)
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@permission_view(VIEW, CHANGE)
@require_http_methods(["GET", "POST"])
def inspection_score(request: HttpRequest, pk: int) -> HttpResponse:
    """The scoring form: one card per item, large radio buttons (inspectors use tablets)."""
    user = request.user
    inspection = access.access_inspection(user, pk, detail=True)
    items = list(inspection.version.items.select_related("section"))
    if request.method == "POST":
        form = ScoreForm(request.POST, items=items)
        if form.is_valid():
            try:
                services.record_scores(inspection, actor=user, scores=form.score_inputs())
                if request.POST.get("then") == "submit":
                    services.submit_inspection(inspection, actor=user)
                    messages.success(request, _("Inspection submitted for review."))
                else:
                    messages.success(request, _("Scores saved."))
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return redirect("inspections_inspection_detail", pk=inspection.pk)
    else:
        form = ScoreForm(items=items, initial=ScoreForm.initial_from(inspection.scores.all()))
    context = {"inspection": inspection, "form": form, "sections": form.rows()}
    return render(request, "inspections/inspection_score.html", context)


def _after(request: HttpRequest, pk: int, message: str) -> HttpResponseBase:
    messages.success(request, message)
    return redirect("inspections_inspection_detail", pk=pk)


@permission_view(VIEW, CHANGE)
@require_POST
def inspection_start(request: HttpRequest, pk: int) -> HttpResponseBase:
    inspection = access.access_inspection(request.user, pk)
    try:
        services.start_inspection(inspection, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("inspections_inspection_detail", pk=pk)
    return redirect("inspections_inspection_score", pk=pk)


@permission_view(VIEW, CHANGE)
@require_POST
def inspection_submit(request: HttpRequest, pk: int) -> HttpResponseBase:
    inspection = access.access_inspection(request.user, pk)
    try:
        services.submit_inspection(inspection, actor=request.user)
    except DomainError as error:
        return _page(request, pk, submit_error=error.message)
    return _after(request, pk, _("Inspection submitted for review."))


@permission_view(VIEW, REVIEW)
@require_POST
def inspection_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    inspection = access.access_inspection(request.user, pk)
    form = ReviewDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.review_inspection(inspection, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after(request, pk, _("Review recorded."))
    return _page(request, pk, review_form=form)


@permission_view(VIEW, CHANGE)
@require_POST
def photo_upload(request: HttpRequest, pk: int) -> HttpResponseBase:
    inspection = access.access_inspection(request.user, pk)
    form = PhotoForm(request.POST, request.FILES, version=inspection.version)
    if form.is_valid():
        try:
            services.add_photo(
                inspection,
                actor=request.user,
                upload=form.cleaned_data["file"],
                item=form.cleaned_data["item"],
                caption=form.cleaned_data["caption"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after(request, pk, _("Photo uploaded."))
    return _page(request, pk, photo_form=form)


@permission_view(VIEW)
@require_GET
def photo_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A photo, only for users who may see its inspection."""
    photo = InspectionPhoto.objects.select_related("inspection").filter(pk=pk).first()
    if photo is None:
        from django.http import Http404

        raise Http404(_("No such photo."))
    access.access_inspection(request.user, photo.inspection_id)
    return photos.photo_response(photo)


@permission_view(VIEW, CHANGE)
@require_POST
def photo_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    photo = InspectionPhoto.objects.filter(pk=pk).first()
    if photo is None:
        from django.http import Http404

        raise Http404(_("No such photo."))
    access.access_inspection(request.user, photo.inspection_id)
    try:
        services.delete_photo(photo, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("inspections_inspection_detail", pk=photo.inspection_id)


# --- findings -------------------------------------------------------------------------------


@permission_view(VIEW, services.ADD_FINDING)
@require_POST
def finding_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request.user
    inspection = access.access_inspection(user, pk)
    form = FindingForm(request.POST, user=user, version=inspection.version)
    if form.is_valid():
        try:
            services.add_finding(inspection, actor=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after(request, pk, _("Finding recorded."))
    return _page(request, pk, finding_form=form)


@permission_view(services.VIEW_FINDING)
@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    findings = access.visible_findings(request.user).order_by("-created_at", "-id")
    filterset = FindingFilterSet(request.GET, queryset=findings, request=request)
    queryset = filterset.qs if filterset.is_valid() else findings.none()
    context = {
        **filter_context(filterset, ("org_unit", "severity", "has_action")),
        "page": paginate(request, queryset),
        "may_open_action": request.user.has_perm("improvement.add_improvementaction"),
    }
    return render(request, "inspections/finding_list.html", context)


@permission_view(services.VIEW_FINDING, "improvement.add_improvementaction")
@require_POST
def finding_open_action(request: HttpRequest, pk: int) -> HttpResponseBase:
    finding = access.access_finding(request.user, pk)
    try:
        action = services.open_finding_action(finding, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    except PermissionDenied:
        messages.error(
            request,
            _("The finding's unit lies outside your units; ask a quality manager to open it."),
        )
    else:
        messages.success(
            request, _("Improvement action %(number)s opened.") % {"number": action.number}
        )
    return redirect("inspections_inspection_detail", pk=finding.inspection_id)
