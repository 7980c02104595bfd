"""Every change to customer records: create, edit, delete, link to tickets, detect and merge
duplicates, consent, legal hold and audited reveal. Retention and erasure are in retention.py.

Each change runs in one transaction, takes the acting user as `actor` and leaves an audit
event whose values are masked (the encrypted fields carry their masker).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.fields import blind_index_for
from sqms.core.masking import normalise_email, normalise_id_number, normalise_phone
from sqms.core.models import OrgUnit
from sqms.core.numbering import next_number
from sqms.core.reveal import can_reveal, reveal
from sqms.core.scope import unit_in_scope
from sqms.customers.choices import (
    Classification,
    ConsentChannel,
    ConsentPurpose,
    Gender,
    PreferredChannel,
    Segment,
)
from sqms.customers.models import Consent, Customer
from sqms.customers.models.customers import PERSONAL_FIELDS
from sqms.customers.validators import (
    EARLIEST_BIRTH_YEAR,
    birth_year_from_id,
    gender_from_id,
    validate_phone,
    validate_resident_id,
)

NUMBER_PREFIX = "CU"
ADD = "customers.add_customer"
CHANGE = "customers.change_customer"
DELETE = "customers.delete_customer"
MERGE = "customers.merge_customer"
HOLD = "customers.hold_customer"
CHANGE_CONSENT = "customers.change_consent"
ADD_CONSENT = "customers.add_consent"

PROFILE_FIELDS = [
    "name",
    "phone",
    "phone_alt",
    "id_number",
    "email",
    "address",
    "gender",
    "birth_year",
    "occupation",
    "segment",
    "preferred_channel",
    "service_needs",
    "habits",
    "notes",
    "classification",
]
AUDIT_FIELDS = ["number", "org_unit", *PROFILE_FIELDS, "legal_hold", "anonymised_at"]
_CHOICES: dict[str, Any] = {
    "gender": Gender,
    "segment": Segment,
    "preferred_channel": PreferredChannel,
    "classification": Classification,
}


def _require(actor: Any, *permissions: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perms(permissions):
        raise PermissionDenied(_("You are not allowed to do this."))


def _check_unit(actor: Any, unit: Any) -> OrgUnit:
    if unit is None:
        raise DomainError(_("Choose the org unit the customer belongs to."), field="org_unit")
    if not isinstance(unit, OrgUnit) or not unit_in_scope(actor, unit):
        raise DomainError(_("This org unit is outside your scope."), field="org_unit")
    return unit


def _max_length(field: str) -> int | None:
    return getattr(Customer._meta.get_field(field), "max_length", None)


def clean_profile(values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise profile values; raise DomainError naming the first bad field."""
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name not in PROFILE_FIELDS:
            raise DomainError(_("Unknown field."), field=name)
        if name in _CHOICES:
            if value not in _CHOICES[name].values:
                raise DomainError(_("Choose one of the offered values."), field=name)
            cleaned[name] = value
            continue
        if name == "birth_year":
            if value in (None, ""):
                cleaned[name] = None
                continue
            try:
                year = int(value)
            except (TypeError, ValueError):
                raise DomainError(_("Enter a year such as 1985."), field=name) from None
            if year < EARLIEST_BIRTH_YEAR or year > timezone.localdate().year:
                raise DomainError(
                    _("Enter a birth year between %(first)d and this year.")
                    % {"first": EARLIEST_BIRTH_YEAR},
                    field=name,
                )
            cleaned[name] = year
            continue
        text = str(value or "").strip()
        limit = _max_length(name)
        if limit and len(text) > limit:
            raise DomainError(_("At most %(max)d characters.") % {"max": limit}, field=name)
        try:
            if name in ("phone", "phone_alt"):
                validate_phone(text)
                text = normalise_phone(text)
            elif name == "id_number":
                validate_resident_id(text)
                text = normalise_id_number(text)
            elif name == "email" and text:
                from django.core.validators import validate_email

                validate_email(normalise_email(text))
                text = normalise_email(text)
        except ValidationError as error:
            raise DomainError(error.messages[0], field=name) from error
        cleaned[name] = text
    return cleaned


def _derive_from_id(values: dict[str, Any]) -> None:
    """Fill birth year and gender from the ID number when they were not given."""
    number = values.get("id_number")
    if not number:
        return
    if not values.get("birth_year"):
        values["birth_year"] = birth_year_from_id(number)
    if values.get("gender", Gender.UNKNOWN) == Gender.UNKNOWN:
        values["gender"] = gender_from_id(number) or Gender.UNKNOWN


def _new_customer(
    actor: Any, unit: OrgUnit, values: dict[str, Any], number: str | None = None
) -> Customer:
    customer = Customer(
        number=number or next_number(NUMBER_PREFIX),
        org_unit=unit,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **values,
    )
    customer.save()
    audit.record(
        AuditAction.CREATE, customer, actor=actor, after=audit.snapshot(customer, AUDIT_FIELDS)
    )
    return customer


def create_customer(*, actor: Any, org_unit: Any = None, **values: Any) -> Customer:
    """A new customer record in `org_unit` (default: the actor's unit)."""
    _require(actor, ADD)
    unit = _check_unit(actor, org_unit if org_unit is not None else actor.org_unit)
    cleaned = clean_profile(values)
    _derive_from_id(cleaned)
    with transaction.atomic():
        return _new_customer(actor, unit, cleaned)


def _locked(customer: Customer | int) -> Customer:
    pk = customer.pk if isinstance(customer, Customer) else customer
    return Customer.objects.select_for_update().get(pk=pk)


def _check_in_scope(actor: Any, customer: Customer) -> None:
    if not unit_in_scope(actor, customer.org_unit):
        raise PermissionDenied(_("This record is outside your scope."))


def update_customer(
    customer: Customer, *, actor: Any, org_unit: Any = None, **values: Any
) -> Customer:
    """Change profile fields (only those given); moving to another unit needs it in scope."""
    _require(actor, CHANGE)
    cleaned = clean_profile(values)
    with transaction.atomic():
        locked = _locked(customer)
        _check_in_scope(actor, locked)
        if locked.is_anonymised:
            raise ConflictError(_("An anonymised customer record cannot be edited."))
        before = audit.snapshot(locked, AUDIT_FIELDS)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        if org_unit is not None and org_unit != locked.org_unit:
            locked.org_unit = _check_unit(actor, org_unit)
        locked.save()
        old, new = audit.changes(before, audit.snapshot(locked, AUDIT_FIELDS))
        audit.record(AuditAction.UPDATE, locked, actor=actor, before=old, after=new)
    return locked


def delete_customer(customer: Customer, *, actor: Any) -> None:
    """Delete a record created by mistake; one with tickets or visits is kept (merge or erase
    it instead)."""
    _require(actor, DELETE)
    with transaction.atomic():
        locked = _locked(customer)
        _check_in_scope(actor, locked)
        if locked.legal_hold:
            raise ConflictError(_("This customer is under legal hold."))
        if locked.tickets.exists() or locked.visits.exists():
            raise ConflictError(
                _(
                    "This customer has tickets or visits: merge the record into another one or "
                    "execute an erasure request instead."
                )
            )
        audit.record(
            AuditAction.DELETE, locked, actor=actor, before=audit.snapshot(locked, AUDIT_FIELDS)
        )
        locked.delete()


# --- exact look-up through the blind indexes -------------------------------------------------


def phone_match(phone: str) -> Q:
    digest = blind_index_for(Customer, "phone", phone)
    if digest is None:
        return Q(pk__in=[])
    # Both columns share one index purpose, so one digest serves both.
    return Q(phone_index=digest) | Q(phone_alt_index=digest)


def id_number_match(id_number: str) -> Q:
    digest = blind_index_for(Customer, "id_number", id_number)
    return Q(id_number_index=digest) if digest else Q(pk__in=[])


def email_match(email: str) -> Q:
    digest = blind_index_for(Customer, "email", email)
    return Q(email_index=digest) if digest else Q(pk__in=[])


def lookup_q(*, phone: str = "", id_number: str = "", email: str = "") -> Q:
    """Rows equal to any of the given values (exact, after normalisation)."""
    query = Q(pk__in=[])
    if phone:
        query |= phone_match(phone)
    if id_number:
        query |= id_number_match(id_number)
    if email:
        query |= email_match(email)
    return query


def lookup_customers(
    queryset: QuerySet[Customer], *, phone: str = "", id_number: str = "", email: str = ""
) -> QuerySet[Customer]:
    """Customers of `queryset` (scope it first) with that phone, ID number or e-mail."""
    return queryset.filter(lookup_q(phone=phone, id_number=id_number, email=email))


def find_customer(*, phone: str = "", id_number: str = "") -> Customer | None:
    """The customer with this ID number, else with this phone: one indexed query."""
    if not phone and not id_number:
        return None
    rows = list(
        Customer.objects.filter(lookup_q(phone=phone, id_number=id_number)).order_by("pk")[:10]
    )
    if not rows:
        return None
    id_digest = blind_index_for(Customer, "id_number", id_number) if id_number else None
    for row in rows:
        if id_digest and row.id_number_index == id_digest:
            return row
    return rows[0]


def customer_for_ticket(
    *,
    actor: Any,
    org_unit: OrgUnit,
    customer: Customer | None = None,
    name: str = "",
    phone: str = "",
    id_number: str = "",
) -> Customer | None:
    """The customer a new ticket belongs to: the one given (in the actor's scope), else the one
    with this ID number or phone (one indexed query), else a new record. None for an anonymous
    contact (neither phone nor ID number). Called before the registration's transaction, so a
    new record's number and audit locks are held only for its own short transaction."""
    if customer is not None:
        if not isinstance(customer, Customer) or not unit_in_scope(actor, customer.org_unit):
            raise DomainError(_("This customer is outside your scope."), field="customer")
        return customer
    id_number = (id_number or "").strip()
    if id_number:
        try:
            validate_resident_id(id_number)
        except ValidationError as error:
            raise DomainError(error.messages[0], field="customer_id_number") from error
    if not phone and not id_number:
        return None
    found = find_customer(phone=phone, id_number=id_number)
    if found is not None:
        return found
    values = clean_profile({"name": name, "phone": phone, "id_number": id_number})
    _derive_from_id(values)
    # Registering a contact records its customer: no separate permission is needed for that.
    # Numbered first, as tickets are, so the day's counter row is not held to commit.
    number = next_number(NUMBER_PREFIX)
    with transaction.atomic():
        return _new_customer(actor, org_unit, values, number)


# --- duplicates and merge --------------------------------------------------------------------


def duplicates_of(customer: Customer) -> QuerySet[Customer]:
    """Other records sharing a phone number, ID number or e-mail with `customer`."""
    query = Q(pk__in=[])
    for digest in {customer.phone_index, customer.phone_alt_index} - {None}:
        query |= Q(phone_index=digest) | Q(phone_alt_index=digest)
    if customer.id_number_index:
        query |= Q(id_number_index=customer.id_number_index)
    if customer.email_index:
        query |= Q(email_index=customer.email_index)
    return Customer.objects.filter(query).exclude(pk=customer.pk)


def _relations() -> list[models.ForeignKey]:
    """Every foreign key to Customer (tickets, visits, consents, and whatever later apps add)."""
    return [
        rel.field
        for rel in Customer._meta.related_objects
        if rel.one_to_many and isinstance(rel.field, models.ForeignKey)
    ]


def merge_customers(survivor: Customer, duplicate: Customer, *, actor: Any) -> Customer:
    """Fold `duplicate` into `survivor`: every record pointing to the duplicate (tickets,
    visits, consents, survey answers …) moves to the survivor, fields the survivor lacks are
    taken over, and the duplicate is deleted. Audited on both records."""
    _require(actor, MERGE, CHANGE)
    if survivor.pk == duplicate.pk:
        raise DomainError(_("A record cannot be merged into itself."), field="duplicate")
    with transaction.atomic():
        # Lock in pk order, so two merges of the same pair cannot deadlock.
        rows = {
            row.pk: row
            for row in Customer.objects.select_for_update()
            .filter(pk__in=[survivor.pk, duplicate.pk])
            .order_by("pk")
        }
        if len(rows) != 2:
            raise ConflictError(_("One of the records no longer exists."))
        keep, gone = rows[survivor.pk], rows[duplicate.pk]
        for row in (keep, gone):
            _check_in_scope(actor, row)
        if gone.legal_hold:
            raise ConflictError(
                _("The duplicate is under legal hold; lift the hold before merging.")
            )
        if keep.is_anonymised or gone.is_anonymised:
            raise ConflictError(_("Anonymised records cannot be merged."))
        before = audit.snapshot(keep, AUDIT_FIELDS)
        taken = []
        for name in PROFILE_FIELDS:
            mine, theirs = getattr(keep, name), getattr(gone, name)
            if theirs not in ("", None, Gender.UNKNOWN) and mine in ("", None, Gender.UNKNOWN):
                setattr(keep, name, theirs)
                taken.append(name)
        if not keep.phone_alt and gone.phone and gone.phone != keep.phone:
            keep.phone_alt = gone.phone
            taken.append("phone_alt")
        keep.save()
        moved: dict[str, int] = {}
        for field in _relations():
            count = field.model._base_manager.filter(**{field.name: gone}).update(
                **{field.name: keep}
            )
            if count:
                moved[field.model._meta.label_lower] = count
        gone_snapshot = audit.snapshot(gone, AUDIT_FIELDS)
        old, new = audit.changes(before, audit.snapshot(keep, AUDIT_FIELDS))
        audit.record(
            AuditAction.MERGE,
            keep,
            actor=actor,
            before=old,
            after={**new, "merged_from": gone.number, "moved": moved, "taken_over": taken},
        )
        audit.record(
            AuditAction.DELETE,
            gone,
            actor=actor,
            before=gone_snapshot,
            after={"merged_into": keep.number},
        )
        gone.delete()
    return keep


# --- consent ---------------------------------------------------------------------------------


def record_consent(
    customer: Customer,
    *,
    actor: Any,
    purpose: str,
    channel: str,
    given_at: Any = None,
    note: str = "",
) -> Consent:
    _require(actor, ADD_CONSENT)
    if purpose not in ConsentPurpose.values:
        raise DomainError(_("Choose one of the offered values."), field="purpose")
    if channel not in ConsentChannel.values:
        raise DomainError(_("Choose one of the offered values."), field="channel")
    given_at = given_at or timezone.now()
    if given_at > timezone.now():
        raise DomainError(_("A consent cannot be given in the future."), field="given_at")
    note = (note or "").strip()
    if len(note) > 300:
        raise DomainError(_("At most %(max)d characters.") % {"max": 300}, field="note")
    with transaction.atomic():
        locked = _locked(customer)
        _check_in_scope(actor, locked)
        if locked.is_anonymised:
            raise ConflictError(_("An anonymised customer record cannot be edited."))
        if locked.consents.filter(purpose=purpose, withdrawn_at__isnull=True).exists():
            raise ConflictError(
                _("This customer already has an active consent for this purpose."),
                field="purpose",
            )
        consent = Consent.objects.create(
            customer=locked,
            purpose=purpose,
            channel=channel,
            given_at=given_at,
            note=note,
            recorded_by=actor,
        )
        audit.record(
            AuditAction.CREATE,
            consent,
            actor=actor,
            org_unit=locked.org_unit,
            object_repr=f"{locked.number} {purpose}",
            after={"customer": locked.number, "purpose": purpose, "channel": channel},
        )
    return consent


def withdraw_consent(consent: Consent, *, actor: Any) -> Consent:
    _require(actor, CHANGE_CONSENT)
    with transaction.atomic():
        locked = Consent.objects.select_for_update().select_related("customer__org_unit")
        current = locked.get(pk=consent.pk)
        _check_in_scope(actor, current.customer)
        if current.withdrawn_at is not None:
            raise ConflictError(_("This consent was already withdrawn."))
        current.withdrawn_at = timezone.now()
        current.save(update_fields=["withdrawn_at"])
        audit.record(
            AuditAction.UPDATE,
            current,
            actor=actor,
            org_unit=current.customer.org_unit,
            object_repr=f"{current.customer.number} {current.purpose}",
            before={"withdrawn_at": None},
            after={"withdrawn_at": current.withdrawn_at.isoformat()},
        )
    return current


# --- legal hold and reveal -------------------------------------------------------------------


def set_legal_hold(customer: Customer, *, actor: Any, hold: bool, reason: str = "") -> Customer:
    _require(actor, HOLD)
    reason = (reason or "").strip()
    if hold and not reason:
        raise DomainError(_("Say why the record is placed under legal hold."), field="reason")
    if len(reason) > 300:
        raise DomainError(_("At most %(max)d characters.") % {"max": 300}, field="reason")
    with transaction.atomic():
        locked = _locked(customer)
        _check_in_scope(actor, locked)
        before = {"legal_hold": locked.legal_hold, "legal_hold_reason": locked.legal_hold_reason}
        locked.legal_hold = hold
        locked.legal_hold_reason = reason if hold else ""
        locked.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            before=before,
            after={"legal_hold": hold, "legal_hold_reason": locked.legal_hold_reason},
        )
    return locked


REVEALABLE_FIELDS = tuple(PERSONAL_FIELDS)
REASON_MAX = 200


def reveal_field(customer: Customer, field: str, *, actor: Any, reason: str) -> str:
    """The plaintext of one personal field of one customer, for a user with the reveal
    permission and the customer in scope; the reveal and its reason go to the audit log first."""
    if field not in REVEALABLE_FIELDS:
        raise DomainError(_("This field cannot be revealed."), field="field")
    reason = (reason or "").strip()
    # A user who may not reveal at all is refused by reveal() itself, reason or not.
    if can_reveal(actor, customer):
        if not reason:
            raise DomainError(_("Say why you need to see this value."), field="reason")
        if len(reason) > REASON_MAX:
            raise DomainError(
                _("At most %(max)d characters.") % {"max": REASON_MAX}, field="reason"
            )
    return reveal(customer, field, actor=actor, reason=reason)
