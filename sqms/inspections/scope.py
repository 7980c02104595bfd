"""The inspections app's scope rule: inspectors and the quality department inspect every
unit (they sit in their own department, not under the halls they visit)."""

from typing import Any

from django.db.models import Q

from sqms.core.scope import unit_in_scope, unit_scope_filter

INSPECT_ALL_UNITS = "inspections.inspect_all_units"


def inspects_all_units(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.has_perm(INSPECT_ALL_UNITS)
    )


def inspection_scope_filter(user: Any, field: str | None) -> Q:
    if inspects_all_units(user):
        return Q()
    return unit_scope_filter(user, field)


def unit_in_inspection_scope(user: Any, unit: Any) -> bool:
    if unit is None:
        return False
    return inspects_all_units(user) or unit_in_scope(user, unit)
