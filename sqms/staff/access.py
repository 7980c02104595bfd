"""Permission- and scope-checked fetches for the staff app's views and API."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.core.models import User
from sqms.core.scope import unit_scope_filter

TAKE_EXAM = "staff.take_exam"


def visible_people(user: Any) -> QuerySet[User]:
    """Active staff in the user's org-unit scope."""
    return User.objects.filter(unit_scope_filter(user, "org_unit"), is_active=True)


def fetch(queryset: QuerySet, pk: Any) -> Any:
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("Not found.")) from missing


def access(
    model: type[Model], user: Any, pk: Any, *, action: str = "view", related: tuple = ()
) -> Any:
    """One record the user may see (404 outside the scope), with `action` permission (403).
    Catalogue records are changed only by their own unit's subtree."""
    if not user.has_perm(f"staff.{action}_{model._meta.model_name}"):
        raise PermissionDenied
    queryset = model.objects.visible_to(user)  # type: ignore[attr-defined]
    if action != "view" and hasattr(queryset, "editable_by"):
        queryset = queryset.editable_by(user)
    elif action != "view" and hasattr(queryset, "in_scope_of"):
        queryset = queryset.in_scope_of(user)
    return fetch(queryset.select_related(*related), pk)


def visible_exams(user: Any) -> QuerySet:
    """Exams the user manages (view permission) or may sit (published ones)."""
    from sqms.staff.models import Exam

    exams = Exam.objects.visible_to(user)
    if user.has_perm("staff.view_exam"):
        return exams
    if user.has_perm(TAKE_EXAM):
        return exams.filter(is_published=True)
    return exams.none()


def visible_attempts(user: Any) -> QuerySet:
    """A manager's scope with the view permission; otherwise one's own attempts."""
    from sqms.staff.models import Attempt

    attempts = Attempt.objects.all()
    if user.has_perm("staff.view_attempt"):
        return attempts.visible_to(user)
    if user.has_perm(TAKE_EXAM):
        return attempts.filter(person=user.pk)
    return attempts.none()
