"""Counter visits (取号 → 叫号 → 办理 → 结束, or leaving before service): the services that move
a visit along, and the waiting and handling times read from it."""

from datetime import datetime
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.masking import validate_phone_number
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_in_scope, unit_scope_filter
from sqms.customers.services import find_customer
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import CounterVisit, Ticket, TicketEvent

VISIT_FIELDS = [
    "org_unit",
    "queue_number",
    "counter",
    "ticket",
    "arrived_at",
    "called_at",
    "service_started_at",
    "service_ended_at",
    "abandoned_at",
    "served_by",
]
QUEUE_NUMBER_MAX = CounterVisit._meta.get_field("queue_number").max_length or 20


class VisitState:
    """Where a visit stands; derived from its timestamps, never stored twice."""

    WAITING = "waiting"
    CALLED = "called"
    IN_SERVICE = "in_service"
    SERVED = "served"
    ABANDONED = "abandoned"


def visit_state(visit: CounterVisit) -> str:
    if visit.abandoned_at:
        return VisitState.ABANDONED
    if visit.service_ended_at:
        return VisitState.SERVED
    if visit.service_started_at:
        return VisitState.IN_SERVICE
    if visit.called_at:
        return VisitState.CALLED
    return VisitState.WAITING


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def waiting_seconds(visit: CounterVisit) -> int | None:
    """Arrival → call (平均等候时间); for a customer who left unserved, arrival → leaving."""
    return _seconds(visit.arrived_at, visit.called_at or visit.abandoned_at)


def handling_seconds(visit: CounterVisit) -> int | None:
    """Service start → end (办理时长); None until the service has ended."""
    return _seconds(visit.service_started_at, visit.service_ended_at)


def all_visits() -> QuerySet[CounterVisit]:
    # The default manager, typed for this model (the inherited ScopedModel manager is typed
    # for the abstract base).
    return cast("QuerySet[CounterVisit]", CounterVisit._default_manager.all())


def visible_visits(user: Any) -> QuerySet[CounterVisit]:
    """Visits of the units in the user's scope (the one scoping rule)."""
    return all_visits().filter(unit_scope_filter(user, "org_unit"))


def open_visits(queryset: QuerySet[CounterVisit]) -> QuerySet[CounterVisit]:
    """Visits still in the hall: not ended and not abandoned."""
    return queryset.filter(service_ended_at__isnull=True, abandoned_at__isnull=True)


def _locked(visit: CounterVisit) -> CounterVisit:
    # Two agents pressing "call" on the same number at once: the row lock makes the second
    # see the first one's call and be refused, instead of both succeeding.
    return all_visits().select_for_update().get(pk=visit.pk)


def _record(visit: CounterVisit, before: dict[str, Any], *, actor: Any, action: str) -> None:
    old, new = audit.changes(before, audit.snapshot(visit, VISIT_FIELDS))
    audit.record(action, visit, actor=actor, before=old, after=new)


def _sync(target: CounterVisit, source: CounterVisit) -> None:
    """Copy the saved state back into the caller's instance, so it sees what was stored."""
    for field in CounterVisit._meta.concrete_fields:
        if field.name in VISIT_FIELDS:
            setattr(target, field.attname, getattr(source, field.attname))


def record_arrival(
    *,
    actor: Any,
    org_unit: OrgUnit,
    queue_number: str,
    arrived_at: datetime | None = None,
    customer_phone: str = "",
) -> CounterVisit:
    """A customer takes a number (取号) at a hall; a phone number given identifies the customer,
    so the visit shows in that customer's history (an unknown number is not an error: walk-ins
    need not be customers on file)."""
    queue_number = (queue_number or "").strip()
    if not queue_number:
        raise DomainError(_("Enter the customer's queue number."), field="queue_number")
    if len(queue_number) > QUEUE_NUMBER_MAX:
        raise DomainError(
            _("A queue number has at most %(max)d characters.") % {"max": QUEUE_NUMBER_MAX},
            field="queue_number",
        )
    if org_unit is None or not unit_in_scope(actor, org_unit):
        raise DomainError(_("This org unit is outside your scope."), field="org_unit")
    customer = None
    if (customer_phone or "").strip():
        try:
            validate_phone_number(customer_phone.strip())
        except ValidationError as error:
            raise DomainError(error.messages[0], field="customer_phone") from error
        customer = find_customer(phone=customer_phone.strip())
    now = timezone.now()
    arrived_at = arrived_at or now
    if arrived_at > now:
        raise DomainError(_("The arrival time cannot be in the future."), field="arrived_at")
    with transaction.atomic():
        # Numbers restart every day, so only a number still in the hall is a duplicate.
        if (
            open_visits(all_visits().filter(org_unit=org_unit))
            .filter(queue_number=queue_number)
            .exists()
        ):
            raise DomainError(
                _("Queue number %(number)s is already waiting in this hall.")
                % {"number": queue_number},
                field="queue_number",
            )
        visit = all_visits().create(
            org_unit=org_unit,
            customer=customer,
            queue_number=queue_number,
            arrived_at=arrived_at,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            AuditAction.CREATE, visit, actor=actor, after=audit.snapshot(visit, VISIT_FIELDS)
        )
    return visit


def call_visit(visit: CounterVisit, *, actor: Any, counter: OrgUnit | None = None) -> CounterVisit:
    """Call the number to a counter (叫号)."""
    with transaction.atomic():
        current = _locked(visit)
        state = visit_state(current)
        if state != VisitState.WAITING:
            raise ConflictError(_("Only a waiting customer can be called."))
        if counter is not None and not counter.path.startswith(current.org_unit.path):
            raise DomainError(_("Choose a counter of this hall."), field="counter")
        before = audit.snapshot(current, VISIT_FIELDS)
        current.called_at = timezone.now()
        current.counter = counter
        current.save(update_fields=["called_at", "counter", "updated_at"])
        _record(current, before, actor=actor, action=AuditAction.TRANSITION)
    _sync(visit, current)
    return visit


def start_service(visit: CounterVisit, *, actor: Any) -> CounterVisit:
    """The customer sits down at the counter: handling time starts."""
    with transaction.atomic():
        current = _locked(visit)
        if visit_state(current) != VisitState.CALLED:
            raise ConflictError(_("Service can start only after the customer has been called."))
        before = audit.snapshot(current, VISIT_FIELDS)
        current.service_started_at = timezone.now()
        current.served_by = actor
        current.save(update_fields=["service_started_at", "served_by", "updated_at"])
        _record(current, before, actor=actor, action=AuditAction.TRANSITION)
    _sync(visit, current)
    return visit


def end_service(visit: CounterVisit, *, actor: Any, ticket: Ticket | None = None) -> CounterVisit:
    """The service ends; the visit may be linked to the ticket it produced (on its timeline)."""
    with transaction.atomic():
        current = _locked(visit)
        if visit_state(current) != VisitState.IN_SERVICE:
            raise ConflictError(_("Only a visit in service can end."))
        if ticket is not None:
            if not unit_in_scope(actor, ticket.org_unit):
                raise DomainError(_("This ticket is outside your scope."), field="ticket")
            if all_visits().filter(ticket=ticket).exclude(pk=current.pk).exists():
                raise DomainError(
                    _("This ticket is already linked to another visit."), field="ticket"
                )
        before = audit.snapshot(current, VISIT_FIELDS)
        current.service_ended_at = timezone.now()
        current.ticket = ticket
        if current.customer_id is None and ticket is not None:
            # The ticket identified the customer at the counter: the visit joins their history.
            current.customer_id = ticket.customer_id
        current.save(update_fields=["service_ended_at", "ticket", "customer", "updated_at"])
        _record(current, before, actor=actor, action=AuditAction.TRANSITION)
        if ticket is not None:
            TicketEvent.objects.create(
                ticket=ticket,
                actor=actor,
                event_type=EventType.VISIT,
                message=_("Served at the counter (queue number %(number)s).")
                % {"number": current.queue_number},
                data={
                    "visit": current.pk,
                    "queue_number": current.queue_number,
                    "waiting_seconds": waiting_seconds(current),
                    "handling_seconds": handling_seconds(current),
                },
            )
    _sync(visit, current)
    return visit


def abandon_visit(visit: CounterVisit, *, actor: Any) -> CounterVisit:
    """The customer left before being served (过号/弃号)."""
    with transaction.atomic():
        current = _locked(visit)
        if visit_state(current) not in (VisitState.WAITING, VisitState.CALLED):
            raise ConflictError(_("Only a customer not yet in service can be marked as gone."))
        before = audit.snapshot(current, VISIT_FIELDS)
        current.abandoned_at = timezone.now()
        current.save(update_fields=["abandoned_at", "updated_at"])
        _record(current, before, actor=actor, action=AuditAction.TRANSITION)
    _sync(visit, current)
    return visit


def served_between(
    queryset: QuerySet[CounterVisit], start: datetime, end: datetime
) -> QuerySet[CounterVisit]:
    """Visits that arrived in [start, end) and are finished (served or gone)."""
    return queryset.filter(arrived_at__gte=start, arrived_at__lt=end).filter(
        Q(service_ended_at__isnull=False) | Q(abandoned_at__isnull=False)
    )
