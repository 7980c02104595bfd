"""Models of the surveys app."""

from sqms.surveys.models.invitations import Campaign, Invitation, InvitationRule
from sqms.surveys.models.responses import Answer, FollowUp, SurveyResponse
from sqms.surveys.models.templates import Question, SurveyTemplate, SurveyVersion

__all__ = [
    "Answer",
    "Campaign",
    "FollowUp",
    "Invitation",
    "InvitationRule",
    "Question",
    "SurveyResponse",
    "SurveyTemplate",
    "SurveyVersion",
]
