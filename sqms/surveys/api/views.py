"""REST endpoints of surveys: templates, versions, questions, invitation rules, campaigns,
invitations, responses, follow-ups and results. Every queryset is scoped to the user; every
write goes through a service or leaves an audit event."""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sqms.core import audit
from sqms.core.api.permissions import ModelPermissions
from sqms.core.choices import AuditAction
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_in_scope
from sqms.surveys import results, services
from sqms.surveys.api.serializers import (
    SurveyCampaignSerializer,
    SurveyFollowUpSerializer,
    SurveyInvitationRuleSerializer,
    SurveyInvitationSerializer,
    SurveyOutcomeSerializer,
    SurveyQuestionSerializer,
    SurveyResponseSerializer,
    SurveyResultsQuerySerializer,
    SurveyTemplateSerializer,
    SurveyVersionSerializer,
)
from sqms.surveys.models import (
    Answer,
    Campaign,
    FollowUp,
    Invitation,
    InvitationRule,
    Question,
    SurveyResponse,
    SurveyTemplate,
    SurveyVersion,
)

TAGS = ["surveys"]


class TemplatePartPermission(BasePermission):
    """Versions and questions belong to their template: reading needs view, writing needs
    change on survey templates (publishing and freezing are the services' rules)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return bool(user.has_perm("surveys.view_surveytemplate"))
        return bool(user.has_perm(services.MANAGE))


class FollowUpPermission(BasePermission):
    """Reading needs view; completing and opening an action are checked by the services."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("surveys.view_followup"))


class AuditedModelViewSet(viewsets.ModelViewSet):
    """Create, update and delete in a transaction with an audit event each."""

    permission_classes = [ModelPermissions]

    def perform_create(self, serializer: Any) -> None:
        with transaction.atomic():
            obj = serializer.save(created_by=self.request.user)
            audit.record(
                AuditAction.CREATE, obj, actor=self.request.user, after=audit.snapshot(obj)
            )

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic():
            before = audit.snapshot(serializer.instance)
            obj = serializer.save()
            old, new = audit.changes(before, audit.snapshot(obj))
            audit.record(AuditAction.UPDATE, obj, actor=self.request.user, before=old, after=new)

    def perform_destroy(self, instance: Any) -> None:
        with transaction.atomic():
            audit.record(
                AuditAction.DELETE,
                instance,
                actor=self.request.user,
                before=audit.snapshot(instance),
            )
            try:
                instance.delete()
            except Exception as protected:
                from django.db.models import ProtectedError

                if isinstance(protected, ProtectedError):
                    raise ValidationError({"detail": [str(protected.args[0])]}) from protected
                raise


@extend_schema(tags=TAGS)
class SurveyTemplateViewSet(AuditedModelViewSet):
    serializer_class = SurveyTemplateSerializer

    def get_queryset(self) -> QuerySet:
        return (
            SurveyTemplate.objects.visible_to(self.request.user)
            .prefetch_related(
                Prefetch("versions", queryset=SurveyVersion.objects.order_by("number"))
            )
            .order_by("code")
        )

    @extend_schema(request=None, responses={201: SurveyVersionSerializer})
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk: Any = None) -> Response:
        """The template's draft version (a copy of the newest version when there is none)."""
        draft = services.new_draft(self.get_object(), actor=request.user)
        return Response(SurveyVersionSerializer(draft).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class SurveyVersionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SurveyVersionSerializer
    permission_classes = [TemplatePartPermission]

    def get_queryset(self) -> QuerySet:
        return (
            SurveyVersion.objects.filter(
                template__in=SurveyTemplate.objects.visible_to(self.request.user)
            )
            .prefetch_related("questions")
            .order_by("template_id", "number")
        )

    @extend_schema(request=None, responses={200: SurveyVersionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: Any = None) -> Response:
        version = services.publish_version(self.get_object(), actor=request.user)
        return Response(SurveyVersionSerializer(version).data)


@extend_schema(tags=TAGS)
class QuestionViewSet(AuditedModelViewSet):
    """Questions of draft versions can change; those of published versions cannot."""

    serializer_class = SurveyQuestionSerializer
    permission_classes = [TemplatePartPermission]

    def get_queryset(self) -> QuerySet:
        return Question.objects.filter(
            version__template__in=SurveyTemplate.objects.visible_to(self.request.user)
        ).order_by("version_id", "position", "id")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.save_question(
            Question(**serializer.validated_data), actor=self.request.user
        )

    def perform_update(self, serializer: Any) -> None:
        question = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(question, name, value)
        serializer.instance = services.save_question(question, actor=self.request.user)

    def perform_destroy(self, instance: Any) -> None:
        services.delete_question(instance, actor=self.request.user)


@extend_schema(tags=TAGS)
class InvitationRuleViewSet(AuditedModelViewSet):
    serializer_class = SurveyInvitationRuleSerializer

    def get_queryset(self) -> QuerySet:
        return InvitationRule.objects.visible_to(self.request.user).order_by("name", "id")


@extend_schema(tags=TAGS)
class CampaignViewSet(AuditedModelViewSet):
    serializer_class = SurveyCampaignSerializer

    def get_queryset(self) -> QuerySet:
        return Campaign.objects.visible_to(self.request.user).order_by("-period_start", "-id")

    @extend_schema(request=None, responses={200: SurveyCampaignSerializer})
    @action(detail=True, methods=["post"])
    def generate(self, request: Request, pk: Any = None) -> Response:
        """Create the invitation list (quiet rule applied) and start the campaign."""
        campaign = self.get_object()
        services.generate_campaign(campaign, actor=request.user)
        campaign.refresh_from_db()
        return Response(SurveyCampaignSerializer(campaign, context={"request": request}).data)

    @extend_schema(request=None, responses={200: SurveyCampaignSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        campaign = services.close_campaign(self.get_object(), actor=request.user)
        return Response(SurveyCampaignSerializer(campaign, context={"request": request}).data)


@extend_schema(tags=TAGS)
class InvitationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SurveyInvitationSerializer
    permission_classes = [ModelPermissions]
    filterset_fields = ["status", "ticket", "campaign", "channel", "kind"]

    def get_queryset(self) -> QuerySet:
        return (
            Invitation.objects.visible_to(self.request.user)
            .select_related("ticket")
            .order_by("-created_at", "-id")
        )


@extend_schema(tags=TAGS)
class SurveyResponseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SurveyResponseSerializer
    permission_classes = [ModelPermissions]
    filterset_fields = ["ticket", "mode", "channel", "kind", "overall"]

    def get_queryset(self) -> QuerySet:
        return (
            SurveyResponse.objects.visible_to(self.request.user)
            .filter(completed_at__isnull=False)
            .prefetch_related(
                Prefetch("answers", queryset=Answer.objects.select_related("question"))
            )
            .order_by("-completed_at", "-id")
        )


@extend_schema(tags=TAGS)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SurveyFollowUpSerializer
    permission_classes = [FollowUpPermission]
    filterset_fields = ["status", "assignee", "ticket"]

    def get_queryset(self) -> QuerySet:
        return FollowUp.objects.visible_to(self.request.user).order_by("status", "due_at", "id")

    @extend_schema(request=SurveyOutcomeSerializer, responses={200: SurveyFollowUpSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        data = SurveyOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        follow_up = services.complete_follow_up(
            self.get_object(), actor=request.user, outcome=data.validated_data["outcome"]
        )
        return Response(SurveyFollowUpSerializer(follow_up).data)

    @extend_schema(request=None, responses={200: SurveyFollowUpSerializer})
    @action(detail=True, methods=["post"], url_path="improvement-action")
    def improvement_action(self, request: Request, pk: Any = None) -> Response:
        follow_up = self.get_object()
        services.open_improvement(follow_up, actor=request.user)
        follow_up.refresh_from_db()
        return Response(SurveyFollowUpSerializer(follow_up).data)


class ResultsView(APIView):
    """CSAT, NPS, CES, response rate, dimension means, SERVQUAL gaps and the monthly trend
    for a period (default: the last 90 days) and slice."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, parameters=[SurveyResultsQuerySerializer], responses={200: dict})
    def get(self, request: Request) -> Response:
        if not request.user.has_perm(services.VIEW_RESULTS):
            raise PermissionDenied
        query = SurveyResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        today = timezone.localdate()
        unit = None
        if data.get("org_unit"):
            unit = OrgUnit.objects.filter(pk=data["org_unit"]).first()
            if unit is None or not unit_in_scope(request.user, unit):
                raise ValidationError({"org_unit": ["No such org unit in your scope."]})
        filters = results.Filters(
            start=data.get("start") or today - datetime.timedelta(days=89),
            end=data.get("end") or today,
            unit=unit,
            channel=data.get("channel", ""),
            kind=data.get("kind", ""),
            staff_id=data.get("staff"),
            template_id=data.get("template"),
        )
        if filters.start and filters.end and filters.start > filters.end:
            raise ValidationError({"end": ["The end is before the start."]})
        responses = results.completed(request.user, filters)
        return Response(
            {
                "start": filters.start,
                "end": filters.end,
                "summary": results.summary(responses),
                "response_rate": results.response_rate(request.user, filters),
                "trend": results.trend(responses),
                "dimensions": [
                    {**d, "label": str(d["label"])} for d in results.dimension_means(responses)
                ],
                "servqual": [
                    {**g, "label": str(g["label"])} for g in results.servqual_gaps(responses)
                ],
            }
        )
