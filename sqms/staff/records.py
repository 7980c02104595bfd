"""Audited create, update and delete of plain staff records (courses, plans, question bank …).

The domain rules of each model sit in its `clean()`; these functions run them, save inside a
transaction and write the audit event, so the API and the UI share one path for every write.
"""

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.scope import unit_in_scope

M = TypeVar("M", bound=models.Model)


def require(actor: Any, permission: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(permission):
        raise PermissionDenied(_("You are not allowed to do this."))


def perm(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def check_unit(actor: Any, unit: Any) -> None:
    """A record may only be placed in a unit within the actor's scope."""
    if unit is not None and not unit_in_scope(actor, unit):
        raise DomainError(_("This org unit is outside your scope."), field="org_unit")


def _validate(obj: models.Model) -> None:
    try:
        obj.full_clean()
    except ValidationError as error:
        raise error from None


def create_record[M: models.Model](model: type[M], *, actor: Any, **values: Any) -> M:
    require(actor, perm(model, "add"))
    if "org_unit" in values:
        check_unit(actor, values["org_unit"])
    with transaction.atomic():
        obj = model(**values)
        if hasattr(obj, "created_by_id"):
            obj.created_by = actor  # type: ignore[attr-defined]
        _validate(obj)
        obj.save()
        audit.record(AuditAction.CREATE, obj, actor=actor, after=audit.snapshot(obj))
    return obj


def update_record[M: models.Model](obj: M, *, actor: Any, **values: Any) -> M:
    require(actor, perm(type(obj), "change"))
    if "org_unit" in values:
        check_unit(actor, values["org_unit"])
    with transaction.atomic():
        before = audit.snapshot(obj)
        for name, value in values.items():
            setattr(obj, name, value)
        _validate(obj)
        obj.save()
        old, new = audit.changes(before, audit.snapshot(obj))
        audit.record(AuditAction.UPDATE, obj, actor=actor, before=old, after=new)
    return obj


def delete_record(obj: models.Model, *, actor: Any) -> None:
    require(actor, perm(type(obj), "delete"))
    try:
        with transaction.atomic():
            audit.record(AuditAction.DELETE, obj, actor=actor, before=audit.snapshot(obj))
            obj.delete()
    except ProtectedError:
        raise ConflictError(
            _("It is still used by other records, so it cannot be deleted."), code="protected"
        ) from None
