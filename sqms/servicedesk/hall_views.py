"""The hall queue page (叫号台): customers waiting, called and in service, with the buttons that
move them on, and today's finished visits with their waiting and handling times."""

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sqms.core.choices import OrgUnitKind
from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.models import OrgUnit
from sqms.core.views import permission_view
from sqms.servicedesk import visits
from sqms.servicedesk.access import visible_tickets
from sqms.servicedesk.document_forms import HALL_KINDS, ArrivalForm, CallForm
from sqms.servicedesk.models import CounterVisit

VIEW = "servicedesk.view_countervisit"
ADD = "servicedesk.add_countervisit"
CHANGE = "servicedesk.change_countervisit"
PAGE_SIZE = 25
OPEN_LIMIT = 200
VISIT_RELATED = ("org_unit", "counter", "served_by", "ticket")
DONE_MESSAGES = {
    "call": gettext_lazy("Number %(number)s was called."),
    "start": gettext_lazy("Service for number %(number)s started."),
    "end": gettext_lazy("Service for number %(number)s ended."),
    "abandon": gettext_lazy("Number %(number)s was marked as gone."),
}


def hall_units(user: Any) -> QuerySet[OrgUnit]:
    """Halls (and counters) in the user's scope; the user's own unit when there is none."""
    units = OrgUnit.objects.visible_to(user).filter(kind__in=HALL_KINDS, is_active=True)
    if not units.exists() and user.org_unit_id:
        units = OrgUnit.objects.filter(pk=user.org_unit_id)
    return units


def _today_bounds() -> tuple[datetime, datetime]:
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time(0)))
    return start, start + timedelta(days=1)


def _selected_unit(request: HttpRequest) -> OrgUnit | None:
    raw = request.GET.get("unit") or request.POST.get("unit") or ""
    if not raw.isdigit():
        return None
    return OrgUnit.objects.visible_to(request.user).filter(pk=int(raw)).first()


def _queue_url(unit: OrgUnit | None) -> str:
    url = reverse("hall_queue")
    return f"{url}?{urlencode({'unit': unit.pk})}" if unit is not None else url


def duration_text(seconds: int | None) -> str:
    """12 → 0:12, 754 → 12:34, 4000 → 1:06:40; an em dash when unknown."""
    if seconds is None:
        return "—"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _seconds_avg(queryset: QuerySet[CounterVisit], start: str, end: str) -> int | None:
    span = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    value = queryset.filter(**{f"{start}__isnull": False, f"{end}__isnull": False}).aggregate(
        avg=Avg(span)
    )["avg"]
    return int(value.total_seconds()) if value is not None else None


@require_http_methods(["GET", "POST"])
@permission_view(VIEW)
def hall_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    unit = _selected_unit(request)
    scope = visits.visible_visits(user)
    if unit is not None:
        scope = scope.filter(org_unit__path__startswith=unit.path)
    units = hall_units(user)
    arrival = None
    status = 200
    if user.has_perm(ADD):
        own_unit = getattr(user, "org_unit", None)
        default_unit = own_unit if units.filter(pk=getattr(own_unit, "pk", None)).exists() else None
        initial = {"org_unit": unit or default_unit}
        arrival = ArrivalForm(units=units, initial=initial)
        if request.method == "POST":
            arrival = ArrivalForm(request.POST, units=units)
            if arrival.is_valid():
                try:
                    visit = visits.record_arrival(
                        actor=user,
                        org_unit=arrival.cleaned_data["org_unit"],
                        queue_number=arrival.cleaned_data["queue_number"],
                        customer_phone=arrival.cleaned_data["customer_phone"],
                    )
                except DomainError as error:
                    add_domain_error(arrival, error)
                else:
                    messages.success(
                        request,
                        _("Number %(number)s is waiting.") % {"number": visit.queue_number},
                    )
                    return redirect(_queue_url(unit))
            status = 400
    elif request.method == "POST":
        return HttpResponse(status=403)

    in_hall = list(
        visits.open_visits(scope)
        .select_related(*VISIT_RELATED)
        .order_by("arrived_at", "pk")[:OPEN_LIMIT]
    )
    start, end = _today_bounds()
    finished = visits.served_between(scope, start, end)
    summary = finished.aggregate(
        served=Count("pk", filter=Q(service_ended_at__isnull=False)),
        abandoned=Count("pk", filter=Q(abandoned_at__isnull=False)),
    )
    page = Paginator(
        finished.select_related(*VISIT_RELATED).order_by("-arrived_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = [
        (
            visit,
            duration_text(visits.waiting_seconds(visit)),
            duration_text(visits.handling_seconds(visit)),
        )
        for visit in page
    ]
    now = timezone.now()
    counters = list(
        OrgUnit.objects.visible_to(user).filter(kind=OrgUnitKind.COUNTER, is_active=True)
    )
    return render(
        request,
        "servicedesk/hall_queue.html",
        {
            "unit": unit,
            "units": units,
            "arrival_form": arrival,
            "waiting": [
                (
                    v,
                    duration_text(int((now - v.arrived_at).total_seconds())),
                    [c for c in counters if c.path.startswith(v.org_unit.path)],
                )
                for v in in_hall
                if visits.visit_state(v) == visits.VisitState.WAITING
            ],
            "called": [v for v in in_hall if visits.visit_state(v) == visits.VisitState.CALLED],
            "in_service": [
                v for v in in_hall if visits.visit_state(v) == visits.VisitState.IN_SERVICE
            ],
            "page": page,
            "rows": rows,
            "served_today": summary["served"],
            "abandoned_today": summary["abandoned"],
            "average_waiting": duration_text(_seconds_avg(finished, "arrived_at", "called_at")),
            "average_handling": duration_text(
                _seconds_avg(finished, "service_started_at", "service_ended_at")
            ),
            "may_change": user.has_perm(CHANGE),
        },
        status=status,
    )


@require_POST
@permission_view(VIEW, CHANGE)
def visit_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    try:
        visit = visits.visible_visits(user).select_related("org_unit").get(pk=pk)
    except CounterVisit.DoesNotExist as missing:
        raise Http404(_("No such visit.")) from missing
    unit = _selected_unit(request)
    if action not in DONE_MESSAGES:
        raise Http404(_("No such action."))
    try:
        if action == "call":
            counters = OrgUnit.objects.visible_to(user).filter(kind=OrgUnitKind.COUNTER)
            form = CallForm(request.POST, counters=counters)
            if not form.is_valid():
                raise DomainError(_("Choose a counter of this hall."), field="counter")
            visits.call_visit(visit, actor=user, counter=form.cleaned_data["counter"])
        elif action == "start":
            visits.start_service(visit, actor=user)
        elif action == "end":
            number = (request.POST.get("ticket_number") or "").strip()
            ticket = None
            if number:
                ticket = visible_tickets(user).filter(number=number).first()
                if ticket is None:
                    raise DomainError(_("No ticket %(number)s in your scope.") % {"number": number})
            visits.end_service(visit, actor=user, ticket=ticket)
        else:
            visits.abandon_visit(visit, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, DONE_MESSAGES[action] % {"number": visit.queue_number})
    return redirect(_queue_url(unit))
