"""Reading an indicator's value for an effectiveness check.

`indicator_value(code, org_unit, start, end)` asks the quality app when it is installed and
offers the same function; otherwise it computes the few ticket-based indicators below straight
from the service desk's tickets (org unit with its subtree, dates inclusive, local time).
"""

import importlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db.models import Avg, Count, F, Q
from django.utils.translation import gettext_lazy as _

from sqms.improvement.choices import Direction

# code: (label, direction) — the indicators this app can compute itself; the codes are the
# quality app's for the same indicators.
LOCAL_INDICATORS: dict[str, tuple[Any, str]] = {
    "complaint_handling_rate": (_("Complaint handling rate (%)"), Direction.HIGHER),
    "sla_rate": (_("SLA attainment (%)"), Direction.HIGHER),
    "service_error_rate": (_("Service error rate (%)"), Direction.LOWER),
    "response_ontime_rate": (_("Response timeliness (%)"), Direction.HIGHER),
    "reopen_rate": (_("Reopen rate (%)"), Direction.LOWER),
    "avg_response_minutes": (_("Mean response time (min)"), Direction.LOWER),
}

_HUNDRED = Decimal(100)
_PLACES = Decimal("0.01")


def _quality_function(name: str) -> Callable[..., Any] | None:
    """A function of the quality app's public modules, if that app is installed and has it."""
    if not apps.is_installed("sqms.quality"):
        return None
    for module_name in ("sqms.quality.api_functions", "sqms.quality.services", "sqms.quality"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, name, None)
        if callable(function):
            return function
    return None


def indicator_choices() -> list[tuple[str, str]]:
    """(code, label) of the indicators a goal may name: the quality app's catalogue when it is
    installed, plus the ones computed here (the codes are the same)."""
    choices: list[tuple[str, str]] = []
    listing = _quality_function("indicator_choices")
    if listing is not None:
        choices = [(code, str(label)) for code, label in listing()]
    known = {code for code, _label in choices}
    for code, (label, _direction) in LOCAL_INDICATORS.items():
        if code not in known:
            choices.append((code, str(label)))
    return choices


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.combine(start, time.min, zone),
        datetime.combine(end + timedelta(days=1), time.min, zone),
    )


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * _HUNDRED / Decimal(whole)).quantize(_PLACES, ROUND_HALF_UP)


def _ticket_indicator(code: str, org_unit: Any, start: date, end: date) -> Decimal | None:
    from sqms.servicedesk.choices import TicketKind
    from sqms.servicedesk.models import Ticket

    low, high = _bounds(start, end)
    tickets = Ticket.objects.all()
    if org_unit is not None:
        tickets = tickets.filter(org_unit__path__startswith=org_unit.path)
    resolved = tickets.filter(resolved_at__gte=low, resolved_at__lt=high)
    if code == "complaint_handling_rate":
        # Complaints due in the period, and how many of them were resolved by the period's end.
        due = tickets.filter(
            kind=TicketKind.COMPLAINT, resolve_due_at__gte=low, resolve_due_at__lt=high
        )
        figures = due.aggregate(whole=Count("pk"), part=Count("pk", filter=Q(resolved_at__lt=high)))
        return _percent(figures["part"], figures["whole"])
    if code == "sla_rate":
        figures = resolved.filter(resolve_due_at__isnull=False).aggregate(
            whole=Count("pk"), part=Count("pk", filter=Q(resolved_at__lte=F("resolve_due_at")))
        )
        return _percent(figures["part"], figures["whole"])
    if code == "service_error_rate":
        figures = resolved.aggregate(
            whole=Count("pk"), part=Count("pk", filter=Q(service_error=True))
        )
        return _percent(figures["part"], figures["whole"])
    if code == "reopen_rate":
        figures = resolved.aggregate(
            whole=Count("pk"), part=Count("pk", filter=Q(reopen_count__gt=0))
        )
        return _percent(figures["part"], figures["whole"])
    responded = tickets.filter(responded_at__gte=low, responded_at__lt=high)
    if code == "response_ontime_rate":
        figures = responded.filter(response_due_at__isnull=False).aggregate(
            whole=Count("pk"), part=Count("pk", filter=Q(responded_at__lte=F("response_due_at")))
        )
        return _percent(figures["part"], figures["whole"])
    if code == "avg_response_minutes":
        mean = responded.filter(response_minutes__isnull=False).aggregate(
            value=Avg("response_minutes")
        )["value"]
        return None if mean is None else Decimal(str(mean)).quantize(_PLACES, ROUND_HALF_UP)
    return None


def indicator_direction(code: str) -> str | None:
    """Whether higher or lower is better for `code`, if known."""
    if code in LOCAL_INDICATORS:
        return LOCAL_INDICATORS[code][1]
    lookup = _quality_function("indicator_direction")
    return lookup(code) if lookup is not None else None


def indicator_value(code: str, org_unit: Any, start: date, end: date) -> Decimal | None:
    """The value of indicator `code` for `org_unit` (and its subtree) over [start, end]; None
    when it is unknown or has no data in the period."""
    external = _quality_function("indicator_value")
    if external is not None:
        try:
            value = external(code, org_unit, start, end)
        except (LookupError, ValueError):
            value = None
        if value is not None:
            return Decimal(str(value)).quantize(_PLACES, ROUND_HALF_UP)
    if code in LOCAL_INDICATORS:
        return _ticket_indicator(code, org_unit, start, end)
    return None
