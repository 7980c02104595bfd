"""UI views of ticket review: sampling plans with "draw this month", the review queue and
the review form (checklist scores and the service-error flag)."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.views import paginate, permission_view
from sqms.inspections import access, reviews
from sqms.inspections.choices import ReviewStatus
from sqms.inspections.filtersets import ReviewFilterSet
from sqms.inspections.forms import DrawForm, PlanForm, ReviewSubmitForm, ScoreForm
from sqms.inspections.views import filter_context

EXPORT_REVIEWS = "inspections.export_ticketreview"


# --- plans ----------------------------------------------------------------------------------


@permission_view(reviews.VIEW_PLAN)
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = access.visible_plans(request.user).order_by("name", "id")
    context = {
        "page": paginate(request, plans),
        "may_add": request.user.has_perm(reviews.ADD_PLAN),
    }
    return render(request, "inspections/plan_list.html", context)


def _plan_values(form: PlanForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


@permission_view(reviews.VIEW_PLAN, reviews.ADD_PLAN)
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PlanForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        values = _plan_values(form)
        values.pop("is_active", None)
        try:
            plan = reviews.create_plan(actor=user, **values)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Sampling plan created."))
            return redirect("inspections_plan_detail", pk=plan.pk)
    return render(request, "inspections/plan_form.html", {"form": form, "plan": None})


@permission_view(reviews.VIEW_PLAN, reviews.CHANGE_PLAN)
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = access.access_plan(user, pk)
    if request.method == "POST":
        form = PlanForm(request.POST, user=user)
        if form.is_valid():
            try:
                reviews.update_plan(plan, actor=user, **_plan_values(form))
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Sampling plan saved."))
                return redirect("inspections_plan_detail", pk=plan.pk)
    else:
        form = PlanForm(
            user=user,
            initial={
                "name": plan.name,
                "org_unit": plan.org_unit,
                "share_percent": plan.share_percent,
                "include_low_satisfaction": plan.include_low_satisfaction,
                "kinds": plan.kinds,
                "seed": plan.seed,
                "is_active": plan.is_active,
            },
        )
    return render(request, "inspections/plan_form.html", {"form": form, "plan": plan})


@permission_view(reviews.VIEW_PLAN, reviews.DELETE_PLAN)
@require_http_methods(["GET", "POST"])
def plan_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    plan = access.access_plan(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            reviews.delete_plan(plan, actor=request.user)
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(request, _("Sampling plan deleted."))
            return redirect("inspections_plan_list")
    return render(request, "inspections/plan_delete.html", {"plan": plan, "error": error})


def _plan_page(request: HttpRequest, pk: int, draw_form: DrawForm | None = None) -> HttpResponse:
    plan = access.access_plan(request.user, pk)
    today = timezone.localdate()
    context = {
        "plan": plan,
        "draws": list(plan.draws.all()),
        "draw_form": draw_form or DrawForm(initial={"month": today.replace(day=1)}),
        "may_draw": request.user.has_perm(reviews.DRAW) and plan.is_active,
        "may_change": request.user.has_perm(reviews.CHANGE_PLAN),
    }
    return render(request, "inspections/plan_detail.html", context)


@permission_view(reviews.VIEW_PLAN)
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, pk)


@permission_view(reviews.VIEW_PLAN, reviews.DRAW)
@require_POST
def plan_draw(request: HttpRequest, pk: int) -> HttpResponseBase:
    plan = access.access_plan(request.user, pk)
    form = DrawForm(request.POST)
    if form.is_valid():
        try:
            draw = reviews.draw_sample(
                plan, form.cleaned_data["month"], actor=request.user, seed=form.cleaned_data["seed"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Drawn: %(sampled)d sampled and %(low)d low-satisfaction tickets of %(n)d.")
                % {"sampled": draw.sampled, "low": draw.low_satisfaction, "n": draw.closed_tickets},
            )
            return redirect("inspections_plan_detail", pk=plan.pk)
    return _plan_page(request, pk, draw_form=form)


# --- reviews --------------------------------------------------------------------------------


def filtered_reviews(request: HttpRequest) -> tuple[ReviewFilterSet, Any]:
    queryset = access.visible_reviews(request.user).order_by("status", "-created_at", "-id")
    data = request.GET.copy()
    if not data and request.user.has_perm(reviews.DO_REVIEW):
        # An inspector's first view is their queue.
        data.update({"mine": "true", "status": ReviewStatus.QUEUED})
    filterset = ReviewFilterSet(data, queryset=queryset, request=request)
    for name in ("reviewed_after", "reviewed_before"):
        filterset.form.fields[name].widget.input_type = "date"
    return filterset, filterset.qs if filterset.is_valid() else queryset.none()


@permission_view(reviews.VIEW_REVIEW)
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    filterset, queryset = filtered_reviews(request)
    context = {
        **filter_context(filterset, ("mine", "status", "org_unit", "service_error")),
        "page": paginate(request, queryset),
        "may_export": request.user.has_perm(EXPORT_REVIEWS),
    }
    return render(request, "inspections/review_list.html", context)


@permission_view(reviews.VIEW_REVIEW)
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request.user
    review = access.access_review(user, pk, detail=True)
    items = list(review.version.items.select_related("section"))
    may_review = (
        review.status == ReviewStatus.QUEUED
        and user.has_perm(reviews.DO_REVIEW)
        and review.reviewer_id in (None, user.pk)
    )
    if request.method == "POST":
        if not may_review:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form: ScoreForm = ReviewSubmitForm(request.POST, items=items)
        if form.is_valid():
            try:
                reviews.submit_review(
                    review,
                    actor=user,
                    scores=form.score_inputs(),
                    comment=form.cleaned_data.get("review_comment", ""),
                    service_error=form.cleaned_data.get("service_error", False),
                    service_error_reason=form.cleaned_data.get("service_error_reason", ""),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Review submitted."))
                return redirect("inspections_review_detail", pk=review.pk)
    else:
        form = ReviewSubmitForm(items=items, initial=ScoreForm.initial_from(review.scores.all()))
    scores = {row.item_id: row for row in review.scores.all()}
    done_sections: list[dict[str, Any]] = []
    for item in items:
        if not done_sections or done_sections[-1]["section"].pk != item.section_id:
            done_sections.append({"section": item.section, "rows": []})
        done_sections[-1]["rows"].append({"item": item, "score": scores.get(item.pk)})
    context = {
        "review": review,
        "form": form,
        "sections": form.rows(),
        "done_sections": done_sections,
        "may_review": may_review,
        "ticket_url": _ticket_url(review.ticket),
    }
    return render(request, "inspections/review_detail.html", context)


def _ticket_url(ticket: Any) -> str:
    try:
        from sqms.servicedesk.services import ticket_url

        return str(ticket_url(ticket))
    except Exception:
        return ""
