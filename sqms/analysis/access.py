"""Permission- and scope-checked fetches of stored analysis results."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.analysis.models import AssociationRun, ForecastRun, HotspotReport, SegmentationRun

VIEW_HOTSPOTS = "analysis.view_hotspotreport"
VIEW_SEGMENTS = "analysis.view_segmentationrun"
VIEW_ASSOCIATIONS = "analysis.view_associationrun"
VIEW_FORECASTS = "analysis.view_forecastrun"
RECOMPUTE = "analysis.recompute_analysis"
VIEW_ANY = (VIEW_HOTSPOTS, VIEW_SEGMENTS, VIEW_ASSOCIATIONS, VIEW_FORECASTS)

_PERMISSIONS: dict[type[Model], str] = {
    HotspotReport: VIEW_HOTSPOTS,
    SegmentationRun: VIEW_SEGMENTS,
    AssociationRun: VIEW_ASSOCIATIONS,
    ForecastRun: VIEW_FORECASTS,
}


def visible(user: Any, model: type[Model]) -> QuerySet:
    """The stored results of `model` whose unit lies in the user's scope (none without the
    view permission)."""
    manager: Any = model._default_manager
    if not user.is_authenticated or not user.has_perm(_PERMISSIONS[model]):
        return manager.none()
    return manager.visible_to(user).select_related("org_unit")


def access(user: Any, model: type[Model], pk: Any) -> Any:
    """One stored result in the user's scope; 403 without the permission, 404 outside scope."""
    if not user.is_authenticated or not user.has_perm(_PERMISSIONS[model]):
        raise PermissionDenied(_("You may not view these analyses."))
    try:
        return visible(user, model).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as missing:  # type: ignore[attr-defined]
        raise Http404(_("No such analysis result.")) from missing
