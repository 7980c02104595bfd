"""UI views of Monte Carlo runs: the list, a new run, and a run's figures and charts."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.views import paginate, permission_view
from sqms.risk import simulation
from sqms.risk.access import access_run, visible_risks, visible_runs
from sqms.risk.choices import RiskStatus, RunStatus
from sqms.risk.filtersets import MonteCarloRunFilterSet
from sqms.risk.forms import SimulationForm

VIEW = "risk.view_montecarlorun"
ADD = "risk.add_montecarlorun"


@require_GET
@permission_view(VIEW)
def run_list(request: HttpRequest) -> HttpResponse:
    run_filter = MonteCarloRunFilterSet(request.GET or None, queryset=visible_runs(request.user))
    runs = (
        run_filter.qs
        if not run_filter.is_bound or run_filter.is_valid()
        else visible_runs(request.user).none()
    )
    page = paginate(request, runs, 50)
    return render(request, "risk/montecarlo_list.html", {"filter": run_filter, "page": page})


def simulable_risks(user: Any) -> Any:
    return (
        visible_risks(user)
        .filter(
            status=RiskStatus.OPEN,
            annual_probability__isnull=False,
            loss_low__isnull=False,
            loss_high__isnull=False,
        )
        .order_by("number")
    )


@require_http_methods(["GET", "POST"])
@permission_view(VIEW, ADD, "risk.view_risk")
def run_create(request: HttpRequest) -> HttpResponseBase:
    initial = {"org_unit": getattr(request.user, "org_unit_id", None)}
    picked = request.GET.getlist("risk")
    if picked:
        initial["risks"] = picked
    form = SimulationForm(
        request.POST or None,
        user=request.user,
        risks=simulable_risks(request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = simulation.request_run(
                actor=request.user,
                title=data["title"],
                risks=list(data["risks"]),
                org_unit=data["org_unit"],
                iterations=data["iterations"],
                seed=data["seed"],
                frequency_model=data["frequency_model"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Simulation queued; the figures appear when it is done."))
            return redirect("montecarlo_detail", run.pk)
    return render(request, "risk/montecarlo_form.html", {"form": form})


@require_GET
@permission_view(VIEW)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = access_run(request.user, pk)
    results = run.results or {}
    chart: dict[str, Any] = {}
    if run.status == RunStatus.DONE and results:
        chart = {
            "lec": results.get("lec", []),
            "histogram": results.get("histogram", {}),
            "var95": results.get("var95"),
            "var99": results.get("var99"),
            "mean": results.get("mean"),
            "labels": {
                "lec": _("Loss-exceedance curve"),
                "loss": _("Yearly loss"),
                "probability": _("Probability of exceeding"),
                "histogram": _("Distribution of yearly loss"),
                "years": _("Simulated years"),
                "mean": _("Mean"),
            },
        }
    return render(
        request,
        "risk/montecarlo_detail.html",
        {
            "run": run,
            "results": results,
            "chart": chart,
            "pending": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
        },
    )
