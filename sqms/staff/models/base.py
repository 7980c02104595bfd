"""Querysets of the staff app: catalogue rows seen down the tree, personal rows by scope or self."""

from typing import Any

from django.db import models

from sqms.core.models import ScopedQuerySet
from sqms.core.scope import NOTHING, sees_all_units, unit_scope_filter


def ancestor_paths(path: str, steplen: int = 4) -> list[str]:
    """The materialised paths of a unit and every unit above it."""
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


class CatalogueQuerySet(ScopedQuerySet):
    """Courses, question banks, exams, certificate types and plans: defined by a unit for the
    units below it, so a user sees those of their own subtree and of every unit above it."""

    def visible_to(self, user: Any) -> "CatalogueQuerySet":
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_all_units(user):
            return self.all()
        unit = user.org_unit
        if unit is None:
            return self.filter(NOTHING)
        above = models.Q(org_unit__path__in=ancestor_paths(unit.path, type(unit).steplen))
        return self.filter(unit_scope_filter(user, self.scope_field) | above)

    def editable_by(self, user: Any) -> "CatalogueQuerySet":
        """Only a unit's own subtree may change what it defined."""
        return self.filter(unit_scope_filter(user, self.scope_field))


class PersonalQuerySet(ScopedQuerySet):
    """Records about one person: seen within the org-unit scope, and always by that person."""

    person_field = "person"

    def visible_to(self, user: Any) -> "PersonalQuerySet":
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(
            unit_scope_filter(user, self.scope_field) | models.Q(**{self.person_field: user.pk})
        )

    def in_scope_of(self, user: Any) -> "PersonalQuerySet":
        """The org-unit rule alone (for managers' lists, which never widen to 'self')."""
        return self.filter(unit_scope_filter(user, self.scope_field))
