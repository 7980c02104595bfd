"""Minimisation and retention: the periodic job that anonymises (or destroys) what is past its
rule's retention, and a customer's erasure request executed on demand the same way.

Every run writes a DestructionLog entry per rule that touched anything (what, how many, when,
under which rule) and an audit event; a customer under legal hold, and the tickets of such a
customer, are never touched.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.scope import unit_in_scope
from sqms.customers.choices import Gender, RecordType, RetentionAction
from sqms.customers.models import Consent, Customer, DestructionLog, RetentionRule
from sqms.customers.models.retention import MIN_SERVICE_RETENTION_DAYS
from sqms.servicedesk.choices import OPEN_STATUSES, TicketStatus
from sqms.servicedesk.models import CounterVisit, Ticket

ERASE = "customers.erase_customer"
CHANGE_RULE = "customers.change_retentionrule"
BATCH = 500
REFERENCES_KEPT = 1000  # numbers listed in one log entry; the count is always complete

# Seed rules: service records at least two years (DESIGN.md).
DEFAULT_RULES = [
    (RecordType.INACTIVE_CUSTOMER, RetentionAction.ANONYMISE, MIN_SERVICE_RETENTION_DAYS, True),
    (RecordType.TICKET_PERSONAL_DATA, RetentionAction.ANONYMISE, MIN_SERVICE_RETENTION_DAYS, True),
    # Applied once the surveys app registers a handler (see `register_handler`).
    (RecordType.SURVEY_FREE_TEXT, RetentionAction.ANONYMISE, MIN_SERVICE_RETENTION_DAYS, True),
]

# Customer profile values an anonymised record keeps blank.
_CLEARED: dict[str, Any] = {
    "name": "",
    "phone": "",
    "phone_index": None,
    "phone_alt": "",
    "phone_alt_index": None,
    "id_number": "",
    "id_number_index": None,
    "email": "",
    "email_index": None,
    "address": "",
    "gender": Gender.UNKNOWN,
    "birth_year": None,
    "occupation": "",
    "service_needs": "",
    "habits": "",
    "notes": "",
}
_TICKET_CLEARED: dict[str, Any] = {
    "customer_name": "",
    "customer_phone": "",
    "customer_phone_index": None,
}

# A handler finds and treats the expired records of one record type: (rule, cut-off, now) →
# the numbers of the records it changed.
Handler = Callable[[RetentionRule, datetime, datetime], list[str]]
_handlers: dict[str, Handler] = {}


def register_handler(record_type: str, handler: Handler) -> None:
    """For apps owning a record type (the surveys app: survey free text); call from ready()."""
    _handlers[record_type] = handler


def seed_rules(apps: Any = None, schema_editor: Any = None) -> None:
    """Create the default rules that are missing (idempotent; migrations and post_migrate)."""
    model = apps.get_model("customers", "RetentionRule") if apps else RetentionRule
    for record_type, action, days, enabled in DEFAULT_RULES:
        model.objects.get_or_create(
            record_type=record_type,
            defaults={"action": action, "retention_days": days, "enabled": enabled},
        )


def _raw_not_empty(field: str) -> Q:
    # An encrypted column compares only as raw text: empty means nothing is stored.
    raw = Cast(field, output_field=models.TextField())
    return Q(**{f"{field}__isnull": False}) & ~Q(Exact(raw, ""))


def ticket_has_personal_data() -> Q:
    return Q(customer_phone_index__isnull=False) | _raw_not_empty("customer_name")


def _in_batches(queryset: models.QuerySet, treat: Callable[[list[Any]], Any]) -> list[str]:
    """Treat the rows of `queryset` batch by batch; return their numbers."""
    numbers: list[str] = []
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", "number")[:BATCH])
        if not rows:
            return numbers
        treat([pk for pk, _number in rows])
        numbers.extend(number for _pk, number in rows)
        last = rows[-1][0]


def expired_customers(cutoff: datetime) -> models.QuerySet[Customer]:
    """Customers with no activity since `cutoff`: no ticket, visit or consent change since, no
    open ticket, no profile change since; never those under legal hold or already anonymised."""
    recent_ticket = Ticket.objects.filter(customer=OuterRef("pk")).filter(
        Q(created_at__gte=cutoff) | Q(status__in=OPEN_STATUSES)
    )
    recent_visit = CounterVisit.objects.filter(customer=OuterRef("pk"), arrived_at__gte=cutoff)
    recent_consent = Consent.objects.filter(customer=OuterRef("pk")).filter(
        Q(given_at__gte=cutoff) | Q(withdrawn_at__gte=cutoff)
    )
    return Customer.objects.filter(
        anonymised_at__isnull=True,
        legal_hold=False,
        created_at__lt=cutoff,
        updated_at__lt=cutoff,
    ).exclude(Exists(recent_ticket) | Exists(recent_visit) | Exists(recent_consent))


def _anonymise_customers(pks: list[int], now: datetime) -> None:
    Customer.objects.filter(pk__in=pks).update(**_CLEARED, anonymised_at=now)


def _destroy_customers(pks: list[int], now: datetime) -> None:
    # Service records stay (they are kept for their own retention); they lose the link.
    Ticket.objects.filter(customer__in=pks).update(customer=None, **_TICKET_CLEARED)
    CounterVisit.objects.filter(customer__in=pks).update(customer=None)
    Customer.objects.filter(pk__in=pks).delete()


def _inactive_customers(rule: RetentionRule, cutoff: datetime, now: datetime) -> list[str]:
    if rule.action == RetentionAction.DESTROY:
        return _in_batches(expired_customers(cutoff), lambda pks: _destroy_customers(pks, now))
    return _in_batches(expired_customers(cutoff), lambda pks: _anonymise_customers(pks, now))


def expired_ticket_personal_data(cutoff: datetime) -> models.QuerySet[Ticket]:
    return (
        Ticket.objects.filter(status=TicketStatus.CLOSED, closed_at__lt=cutoff)
        .filter(ticket_has_personal_data())
        .exclude(customer__legal_hold=True)
    )


def _ticket_personal_data(rule: RetentionRule, cutoff: datetime, now: datetime) -> list[str]:
    # Both actions erase the same fields: the ticket itself is a service record and stays.
    return _in_batches(
        expired_ticket_personal_data(cutoff),
        lambda pks: Ticket.objects.filter(pk__in=pks).update(**_TICKET_CLEARED),
    )


register_handler(RecordType.INACTIVE_CUSTOMER, _inactive_customers)
register_handler(RecordType.TICKET_PERSONAL_DATA, _ticket_personal_data)


def _log(
    *,
    rule: RetentionRule | None,
    record_type: str,
    action: str,
    numbers: list[str],
    cutoff: datetime | None,
    actor: Any = None,
    erasure: bool = False,
    reason: str = "",
) -> DestructionLog:
    entry = DestructionLog.objects.create(
        rule=rule,
        record_type=record_type,
        action=action,
        affected=len(numbers),
        cutoff=cutoff,
        references=numbers[:REFERENCES_KEPT],
        erasure=erasure,
        reason=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        AuditAction.DELETE if action == RetentionAction.DESTROY else AuditAction.UPDATE,
        entry,
        actor=actor,
        object_repr=f"{record_type} ×{len(numbers)}",
        after={
            "record_type": record_type,
            "action": action,
            "affected": len(numbers),
            "rule": rule.pk if rule else None,
            "erasure": erasure,
        },
    )
    return entry


def run_retention(*, now: datetime | None = None, actor: Any = None) -> list[DestructionLog]:
    """Apply every enabled rule; one transaction per rule, one log entry per rule that changed
    anything. Idempotent: a second run finds nothing more to do."""
    now = now or timezone.now()
    entries = []
    for rule in RetentionRule.objects.filter(enabled=True).order_by("record_type"):
        handler = _handlers.get(rule.record_type)
        if handler is None:
            continue  # the app owning these records is not installed
        cutoff = now - timedelta(days=rule.retention_days)
        with transaction.atomic():
            numbers = handler(rule, cutoff, now)
            if numbers:
                entries.append(
                    _log(
                        rule=rule,
                        record_type=rule.record_type,
                        action=rule.action,
                        numbers=numbers,
                        cutoff=cutoff,
                        actor=actor,
                    )
                )
    return entries


def update_rule(
    rule: RetentionRule,
    *,
    actor: Any,
    retention_days: int,
    action: str,
    enabled: bool,
) -> RetentionRule:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(CHANGE_RULE):
        raise PermissionDenied(_("You are not allowed to do this."))
    if action not in RetentionAction.values:
        raise DomainError(_("Choose one of the offered values."), field="action")
    try:
        days = int(retention_days)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number of days."), field="retention_days") from None
    if days < MIN_SERVICE_RETENTION_DAYS:
        raise DomainError(
            _("Service records are kept at least %(days)d days (two years).")
            % {"days": MIN_SERVICE_RETENTION_DAYS},
            field="retention_days",
        )
    if days > 36500:
        raise DomainError(_("At most 100 years."), field="retention_days")
    with transaction.atomic():
        locked = RetentionRule.objects.select_for_update().get(pk=rule.pk)
        before = {"retention_days": locked.retention_days, "action": locked.action}
        before["enabled"] = locked.enabled
        locked.retention_days, locked.action, locked.enabled = days, action, bool(enabled)
        locked.save()
        after = {"retention_days": days, "action": action, "enabled": bool(enabled)}
        audit.record(AuditAction.UPDATE, locked, actor=actor, before=before, after=after)
    return locked


def erase_customer(
    customer: Customer, *, actor: Any, confirmation: str, reason: str
) -> DestructionLog:
    """A customer's erasure request, on demand: the record is anonymised and the personal
    fields of all their tickets erased. `confirmation` must repeat the customer number."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(ERASE):
        raise PermissionDenied(_("You are not allowed to do this."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say on what request the record is erased."), field="reason")
    if len(reason) > 300:
        raise DomainError(_("At most %(max)d characters.") % {"max": 300}, field="reason")
    if (confirmation or "").strip().upper() != customer.number:
        raise DomainError(
            _("Type the customer number %(number)s to confirm.") % {"number": customer.number},
            field="confirmation",
        )
    now = timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if not unit_in_scope(actor, locked.org_unit):
            raise PermissionDenied(_("This record is outside your scope."))
        if locked.legal_hold:
            raise ConflictError(_("This customer is under legal hold and cannot be erased."))
        if locked.is_anonymised:
            raise ConflictError(_("This customer record was already anonymised."))
        tickets = list(Ticket.objects.filter(customer=locked).values_list("pk", "number"))
        Ticket.objects.filter(pk__in=[pk for pk, _number in tickets]).update(**_TICKET_CLEARED)
        _anonymise_customers([locked.pk], now)
        return _log(
            rule=None,
            record_type=RecordType.INACTIVE_CUSTOMER,
            action=RetentionAction.ANONYMISE,
            numbers=[locked.number, *(number for _pk, number in tickets)],
            cutoff=None,
            actor=actor,
            erasure=True,
            reason=reason,
        )
