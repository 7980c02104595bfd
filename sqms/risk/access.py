"""Permission- and scope-checked fetches of risks and Monte Carlo runs."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.risk.models import MonteCarloRun, Risk, RiskMatrix

VIEW_RISK = "risk.view_risk"
VIEW_RUN = "risk.view_montecarlorun"
VIEW_MATRIX = "risk.view_riskmatrix"
LIST_RELATED = ("org_unit", "owner", "matrix")


def visible_risks(user: Any) -> QuerySet[Risk]:
    if not user.is_authenticated or not user.has_perm(VIEW_RISK):
        return Risk.objects.none()
    return Risk.objects.visible_to(user).select_related(*LIST_RELATED)


def access_risk(user: Any, pk: Any) -> Risk:
    """One risk in the user's scope; 404 outside it, 403 without the view permission."""
    if not user.is_authenticated or not user.has_perm(VIEW_RISK):
        raise PermissionDenied(_("You may not view risks."))
    try:
        return visible_risks(user).get(pk=pk)
    except (Risk.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such risk.")) from missing


def visible_runs(user: Any) -> QuerySet[MonteCarloRun]:
    if not user.is_authenticated or not user.has_perm(VIEW_RUN):
        return MonteCarloRun.objects.none()
    return MonteCarloRun.objects.visible_to(user).select_related("org_unit", "created_by")


def access_run(user: Any, pk: Any) -> MonteCarloRun:
    if not user.is_authenticated or not user.has_perm(VIEW_RUN):
        raise PermissionDenied(_("You may not view simulations."))
    try:
        return visible_runs(user).get(pk=pk)
    except (MonteCarloRun.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such simulation.")) from missing


def access_matrix(user: Any, pk: Any) -> RiskMatrix:
    """Matrices are organisation-wide configuration: the view permission is enough."""
    if not user.is_authenticated or not user.has_perm(VIEW_MATRIX):
        raise PermissionDenied(_("You may not view risk matrices."))
    try:
        return RiskMatrix.objects.get(pk=pk)
    except (RiskMatrix.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such matrix.")) from missing
