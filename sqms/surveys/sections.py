"""The survey card on the ticket page: invitation, score, follow-up, phone entry."""

from typing import Any

from django.http import HttpRequest

from sqms.surveys import links
from sqms.surveys.models import FollowUp, Invitation, SurveyResponse

ENTER = "surveys.enter_surveyresponse"


def ticket_section(request: HttpRequest, ticket: Any) -> dict[str, Any] | None:
    user = request.user
    may_enter = user.has_perm(ENTER)
    may_view = user.has_perm("surveys.view_surveyresponse")
    if not (may_enter or may_view):
        return None
    invitation = Invitation.objects.filter(ticket_id=ticket.pk).order_by("-created_at").first()
    response = (
        SurveyResponse.objects.filter(ticket_id=ticket.pk, completed_at__isnull=False)
        .order_by("-completed_at")
        .first()
    )
    follow_up = (
        FollowUp.objects.filter(ticket_id=ticket.pk)
        .select_related("assignee")
        .order_by("-id")
        .first()
    )
    if invitation is None and response is None and ticket.status != "closed":
        return None
    return {
        "invitation": invitation,
        "link": links.invitation_url(invitation) if invitation and invitation.is_open else "",
        "response": response,
        "follow_up": follow_up,
        "may_enter": may_enter and response is None,
        "ticket": ticket,
    }
