"""Permission- and scope-checked fetches of inspections, findings, plans and reviews."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.inspections.models import (
    ChecklistItem,
    ChecklistVersion,
    Finding,
    Inspection,
    InspectionScore,
    SamplingPlan,
    TicketReview,
)

VIEW = "inspections.view_inspection"
VIEW_FINDING = "inspections.view_finding"
VIEW_TEMPLATE = "inspections.view_checklisttemplate"
MANAGE_TEMPLATES = "inspections.change_checklisttemplate"
VIEW_PLAN = "inspections.view_samplingplan"
VIEW_REVIEW = "inspections.view_ticketreview"

INSPECTION_RELATED = ("org_unit", "version__template", "inspector", "inspected_staff")
REVIEW_RELATED = ("org_unit", "ticket", "agent", "reviewer", "plan")


def _allowed(user: Any, permission: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(permission))


def _get(queryset: QuerySet, pk: Any, missing: str) -> Any:
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as error:
        raise Http404(missing) from error


def visible_inspections(user: Any) -> QuerySet[Inspection]:
    if not _allowed(user, VIEW):
        return Inspection.objects.none()
    return Inspection.objects.visible_to(user).select_related(*INSPECTION_RELATED)


def with_detail(queryset: QuerySet[Inspection]) -> QuerySet[Inspection]:
    return queryset.select_related("reviewed_by").prefetch_related(
        Prefetch("scores", queryset=InspectionScore.objects.all()),
        "photos",
        Prefetch(
            "findings",
            queryset=Finding.objects.select_related("responsible", "item", "improvement_action"),
        ),
    )


def access_inspection(user: Any, pk: Any, *, detail: bool = False) -> Inspection:
    if not _allowed(user, VIEW):
        raise PermissionDenied(_("You may not view inspections."))
    queryset = visible_inspections(user)
    if detail:
        queryset = with_detail(queryset)
    return _get(queryset, pk, _("No such inspection."))


def visible_findings(user: Any) -> QuerySet[Finding]:
    if not _allowed(user, VIEW_FINDING):
        return Finding.objects.none()
    return Finding.objects.visible_to(user).select_related(
        "org_unit", "inspection", "item", "responsible", "improvement_action"
    )


def access_finding(user: Any, pk: Any) -> Finding:
    if not _allowed(user, VIEW_FINDING):
        raise PermissionDenied(_("You may not view findings."))
    return _get(visible_findings(user), pk, _("No such finding."))


def visible_versions(user: Any) -> QuerySet[ChecklistVersion]:
    """Published and retired versions for readers; drafts too for checklist managers."""
    if not _allowed(user, VIEW_TEMPLATE):
        return ChecklistVersion.objects.none()
    versions = ChecklistVersion.objects.select_related("template")
    if not user.has_perm(MANAGE_TEMPLATES):
        versions = versions.exclude(status="draft")
    return versions


def version_with_items(queryset: QuerySet[ChecklistVersion]) -> QuerySet[ChecklistVersion]:
    return queryset.prefetch_related(
        "sections",
        Prefetch("items", queryset=ChecklistItem.objects.select_related("section")),
    )


def access_version(user: Any, pk: Any) -> ChecklistVersion:
    if not _allowed(user, VIEW_TEMPLATE):
        raise PermissionDenied(_("You may not view checklists."))
    return _get(version_with_items(visible_versions(user)), pk, _("No such checklist."))


def visible_plans(user: Any) -> QuerySet[SamplingPlan]:
    if not _allowed(user, VIEW_PLAN):
        return SamplingPlan.objects.none()
    return SamplingPlan.objects.visible_to(user).select_related("org_unit")


def access_plan(user: Any, pk: Any) -> SamplingPlan:
    if not _allowed(user, VIEW_PLAN):
        raise PermissionDenied(_("You may not view sampling plans."))
    return _get(visible_plans(user), pk, _("No such sampling plan."))


def visible_reviews(user: Any) -> QuerySet[TicketReview]:
    if not _allowed(user, VIEW_REVIEW):
        return TicketReview.objects.none()
    return TicketReview.objects.visible_to(user).select_related(*REVIEW_RELATED)


def access_review(user: Any, pk: Any, *, detail: bool = False) -> TicketReview:
    if not _allowed(user, VIEW_REVIEW):
        raise PermissionDenied(_("You may not view ticket reviews."))
    queryset = visible_reviews(user).select_related("version__template")
    if detail:
        queryset = queryset.prefetch_related("scores")
    return _get(queryset, pk, _("No such ticket review."))
