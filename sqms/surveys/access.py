"""Permission- and scope-checked fetches for the survey pages and the API."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.surveys.models import (
    Campaign,
    FollowUp,
    Invitation,
    InvitationRule,
    SurveyResponse,
    SurveyTemplate,
)

VIEW_RESPONSES = "surveys.view_surveyresponse"
VIEW_FOLLOW_UPS = "surveys.view_followup"


def visible(model: type[Model], user: Any, permission: str) -> QuerySet:
    if not user.is_authenticated or not user.has_perm(permission):
        return model._default_manager.none()
    return model._default_manager.all().visible_to(user)  # type: ignore[attr-defined]


def fetch(queryset: QuerySet, user: Any, permission: str, pk: Any) -> Any:
    """One row of `queryset` (already scoped); 403 without the permission, 404 outside."""
    if not user.is_authenticated or not user.has_perm(permission):
        raise PermissionDenied(_("You may not view this."))
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("Not found.")) from missing


def visible_templates(user: Any) -> QuerySet:
    return visible(SurveyTemplate, user, "surveys.view_surveytemplate").select_related("org_unit")


def visible_rules(user: Any) -> QuerySet:
    return visible(InvitationRule, user, "surveys.view_invitationrule").select_related(
        "org_unit", "template"
    )


def visible_campaigns(user: Any) -> QuerySet:
    return visible(Campaign, user, "surveys.view_campaign").select_related(
        "org_unit", "version__template"
    )


def visible_invitations(user: Any) -> QuerySet:
    return visible(Invitation, user, "surveys.view_invitation").select_related(
        "org_unit", "version__template", "ticket", "campaign"
    )


def visible_responses(user: Any) -> QuerySet:
    return visible(SurveyResponse, user, VIEW_RESPONSES).select_related(
        "org_unit", "version__template", "ticket", "staff", "entered_by"
    )


def visible_follow_ups(user: Any) -> QuerySet:
    return visible(FollowUp, user, VIEW_FOLLOW_UPS).select_related(
        "org_unit", "ticket", "assignee", "response", "improvement_action"
    )


def visible_ticket(user: Any, pk: Any) -> Any:
    from sqms.servicedesk.models import Ticket

    try:
        return Ticket.objects.visible_to(user).select_related("org_unit", "customer").get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such ticket.")) from missing
