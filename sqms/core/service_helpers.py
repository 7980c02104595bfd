"""What every app's services do first: check the actor's permission, and re-read the record
locked inside the transaction within the actor's scope."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _


def require_permission(actor: Any, permissions: Iterable[str], refusal: str) -> None:
    """The actor must be logged in, active, and hold at least one of `permissions`."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("You must be logged in."))
    if not any(actor.has_perm(permission) for permission in permissions):
        raise PermissionDenied(refusal)


def lock_in_scope[M: models.Model](
    model: type[M], record: M | int, actor: Any, *, related: Iterable[str], missing: str
) -> M:
    """The record re-read with SELECT … FOR UPDATE, only if the actor may see it (else 404:
    a record outside the scope is not there for this actor)."""
    pk = record.pk if isinstance(record, model) else record
    try:
        return (
            model.objects.visible_to(actor)  # type: ignore[attr-defined]
            .select_for_update(of=("self",))
            .select_related(*related)
            .get(pk=pk)
        )
    except (ObjectDoesNotExist, ValueError, TypeError) as error:
        raise Http404(missing) from error


def copy_saved_state[M: models.Model](original: Any, changed: M) -> M:
    """Give the caller's instance the saved state, so the object passed in and the result of
    a service agree."""
    if isinstance(original, type(changed)) and original is not changed:
        for field in type(changed)._meta.concrete_fields:
            setattr(original, field.attname, getattr(changed, field.attname))
        original._state.fields_cache = dict(changed._state.fields_cache)
    return changed
