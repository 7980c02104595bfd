"""Revealing masked personal data: allowed only with the permission and within scope, and
always written to the audit log (which field, never the value)."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.fields import EncryptedFieldMixin
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_in_scope

REVEAL_PERMISSION = "core.reveal_personal_data"


def _org_unit_of(obj: models.Model) -> OrgUnit | None:
    if isinstance(obj, OrgUnit):
        return obj
    unit = getattr(obj, "org_unit", None)
    return unit if isinstance(unit, OrgUnit) else None


def can_reveal(actor: Any, obj: models.Model) -> bool:
    """Whether `actor` may see the personal data of `obj` unmasked."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(REVEAL_PERMISSION):
        return False
    return unit_in_scope(actor, _org_unit_of(obj))


def reveal(obj: models.Model, field_name: str, *, actor: Any, reason: str = "") -> str:
    """The plaintext of an encrypted field of `obj`, for an actor allowed to see it.

    Raises PermissionDenied without the permission or when the record's org unit is outside
    the actor's scope. The audit event is written before the value is handed back, in the
    same transaction, so no value leaves without its trace.
    """
    try:
        field = obj._meta.get_field(field_name)
    except FieldDoesNotExist:
        raise ValueError(f"{obj._meta.label} has no field {field_name!r}") from None
    if not isinstance(field, EncryptedFieldMixin):
        raise ValueError(f"{obj._meta.label}.{field_name} is not personal data")
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(_("You are not allowed to reveal personal data."))
    if not unit_in_scope(actor, _org_unit_of(obj)):
        raise PermissionDenied(_("This record is outside your scope."))
    with transaction.atomic():
        trace = {"field": field_name, **({"reason": reason} if reason else {})}
        audit.record(AuditAction.REVEAL, obj, actor=actor, after=trace)
        value = getattr(obj, field.attname)
    return value or ""
