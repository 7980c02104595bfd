"""Permission- and scope-checked fetches of improvement actions for views, the API and exports."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.core.models import User
from sqms.improvement.models import ActionEvent, ImprovementAction, ImprovementActionQuerySet

VIEW = "improvement.view_improvementaction"

# What a list row shows: one join per column instead of a query per row.
LIST_RELATED = ("org_unit", "owner", "source_type")


def visible_actions(user: Any) -> ImprovementActionQuerySet:
    """The actions `user` may see (none without the view permission), ready for a list."""
    if not user.is_authenticated or not user.has_perm(VIEW):
        return ImprovementAction.objects.none()
    return ImprovementAction.objects.visible_to(user).select_related(*LIST_RELATED)


def with_detail(queryset: ImprovementActionQuerySet) -> ImprovementActionQuerySet:
    """Add what an action's page shows: team, timeline with actors, checks."""
    return queryset.prefetch_related(
        Prefetch("team", queryset=User.objects.order_by("username")),
        Prefetch("events", queryset=ActionEvent.objects.select_related("actor")),
        "checks__checked_by",
    )


def access_action(user: Any, pk: Any, *, detail: bool = False) -> ImprovementAction:
    """One action in the user's scope; 404 outside it, 403 without the view permission."""
    if not user.is_authenticated or not user.has_perm(VIEW):
        raise PermissionDenied(_("You may not view improvement actions."))
    queryset = visible_actions(user)
    if detail:
        queryset = with_detail(queryset)
    try:
        return queryset.get(pk=pk)
    except (ImprovementAction.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such improvement action.")) from missing


def resolve_source(user: Any, source_type: str, source_id: str) -> Any:
    """The source record named by "app_label.model" and its id, if the user may see it.

    Only scoped records (whose manager offers visible_to) can be named, so the API cannot be
    used to probe arbitrary tables; anything else is "not found".
    """
    from django.apps import apps

    try:
        model = apps.get_model(source_type)
    except (LookupError, ValueError):
        return None
    manager = model._default_manager
    if not hasattr(manager.all(), "visible_to"):
        return None
    try:
        return manager.all().visible_to(user).filter(pk=source_id).first()
    except (ValueError, TypeError):
        return None
