"""REST endpoints of the surveys app, mounted at /api/surveys/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from sqms.surveys.api import views

router = DefaultRouter()
router.register("templates", views.SurveyTemplateViewSet, basename="surveytemplate")
router.register("versions", views.SurveyVersionViewSet, basename="surveyversion")
router.register("questions", views.QuestionViewSet, basename="question")
router.register("rules", views.InvitationRuleViewSet, basename="invitationrule")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("responses", views.SurveyResponseViewSet, basename="surveyresponse")
router.register("follow-ups", views.FollowUpViewSet, basename="followup")

urlpatterns: list[URLPattern | URLResolver] = [
    path("results/", views.ResultsView.as_view(), name="survey_results_api"),
    *router.urls,
]
