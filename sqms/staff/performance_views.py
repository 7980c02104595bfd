"""UI pages of performance: monthly scorecards with the service stars, rewards and penalties."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.views import permission_view
from sqms.staff import forms, rewards, scoring
from sqms.staff.access import fetch
from sqms.staff.choices import ApprovalStatus
from sqms.staff.models import (
    RewardPenalty,
    Scorecard,
)

PAGE_SIZE = 50


# --- scorecards -----------------------------------------------------------------------------


def month_start(value: str | None) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in (value or "").split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@permission_view("staff.view_scorecard")
def scorecard_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    month = month_start(request.GET.get("month"))
    cards = (
        Scorecard.objects.in_scope_of(user)
        .filter(period=month)
        .select_related("person", "org_unit")
        .order_by("org_unit__path", "rank_in_unit")
    )
    unit = request.GET.get("unit", "")
    if unit.isdigit():
        cards = cards.filter(org_unit=int(unit))
    page = Paginator(cards, PAGE_SIZE).get_page(request.GET.get("page"))
    compute_form = forms.ComputeForm(
        user=user, initial={"org_unit": user.org_unit_id, "period": month.strftime("%Y-%m")}
    )
    stars = list(cards.filter(is_service_star=True))
    return render(
        request,
        "staff/scorecard_list.html",
        {
            "page": page,
            "month": month,
            "stars": stars,
            "compute_form": compute_form,
            "can_compute": user.has_perm("staff.add_scorecard"),
        },
    )


@permission_view("staff.add_scorecard")
@require_POST
def scorecard_compute(request: HttpRequest) -> HttpResponse:
    form = forms.ComputeForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a unit in your scope and a month."))
        return redirect("staff_scorecard_list")
    period = form.cleaned_data["period"]
    try:
        cards = scoring.compute_scorecards(
            form.cleaned_data["org_unit"], period, actor=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)s scorecards computed.") % {"count": len(cards)})
    return redirect(f"{reverse('staff_scorecard_list')}?month={period:%Y-%m}")


# --- rewards and penalties ------------------------------------------------------------------


@permission_view("staff.view_rewardpenalty")
def reward_list(request: HttpRequest) -> HttpResponse:
    records = RewardPenalty.objects.in_scope_of(request.user).select_related("person", "org_unit")
    status = request.GET.get("status", "")
    if status in ApprovalStatus.values:
        records = records.filter(status=status)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/reward_list.html",
        {"page": page, "status": status, "statuses": ApprovalStatus.choices},
    )


@permission_view("staff.add_rewardpenalty")
@require_http_methods(["GET", "POST"])
def reward_create(request: HttpRequest) -> HttpResponse:
    return _reward_form(request, None)


@permission_view("staff.change_rewardpenalty")
@require_http_methods(["GET", "POST"])
def reward_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _reward_form(request, fetch(RewardPenalty.objects.in_scope_of(request.user), pk))


def _reward_form(request: HttpRequest, record: RewardPenalty | None) -> HttpResponse:
    initial = {}
    person = request.GET.get("person", "")
    if record is None and person.isdigit():
        initial["person"] = person
    form = forms.RewardPenaltyForm(
        request.POST or None, instance=record, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            if record is None:
                record = rewards.propose(actor=request.user, **form.cleaned_data)
            else:
                values = dict(form.cleaned_data)
                values.pop("person", None)
                record = rewards.change(record, actor=request.user, **values)
        except (DomainError, ValidationError) as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff_reward_detail", pk=record.pk)
    return render(request, "staff/reward_form.html", {"form": form, "object": record})


@permission_view("staff.view_rewardpenalty")
def reward_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    record = fetch(
        RewardPenalty.objects.in_scope_of(user).select_related(
            "person", "evidence_ticket", "decided_by", "created_by"
        ),
        pk,
    )
    pending = record.status == ApprovalStatus.PENDING
    return render(
        request,
        "staff/reward_detail.html",
        {
            "object": record,
            "can_decide": pending
            and user.has_perm(rewards.APPROVE)
            and user.pk not in (record.person_id, record.created_by_id),
            "can_change": pending and record.created_by_id == user.pk,
        },
    )


@permission_view("staff.delete_rewardpenalty")
@require_http_methods(["GET", "POST"])
def reward_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = fetch(RewardPenalty.objects.in_scope_of(request.user), pk)
    if request.method == "POST":
        try:
            rewards.withdraw(record, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("staff_reward_detail", pk=record.pk)
        messages.success(request, _("Withdrawn."))
        return redirect("staff_reward_list")
    return render(request, "staff/reward_confirm_delete.html", {"object": record})


@permission_view(rewards.APPROVE)
@require_POST
def reward_decide(request: HttpRequest, pk: int) -> HttpResponse:
    record = fetch(RewardPenalty.objects.in_scope_of(request.user), pk)
    form = forms.DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        rewards.decide(
            record, actor=request.user, approve=request.POST.get("decision") == "approve", note=note
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("staff_reward_detail", pk=record.pk)
