"""REST endpoints of improvement actions: list, detail, open, plan, PDCA steps, progress and
the effectiveness check (with the system's proposal for an indicator-linked goal).

Actions are fetched within the requesting user's scope only (404 outside it); every change is
made by a service in sqms.improvement.services, which raises DomainError (400) or
ConflictError (409) and changes nothing when it refuses.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.improvement import checks, services
from sqms.improvement.access import access_action, visible_actions, with_detail
from sqms.improvement.api.serializers import (
    ActionCreateSerializer,
    ActionUpdateSerializer,
    CheckSerializer,
    ImprovementActionDetailSerializer,
    ImprovementActionSerializer,
    ProgressSerializer,
    ProposalSerializer,
    StepSerializer,
)
from sqms.improvement.filtersets import ImprovementActionFilterSet
from sqms.improvement.models import ImprovementAction

VIEW = services.VIEW
ADD = services.ADD
TAGS = ["improvement"]
STEP_RESPONSES = {
    200: ImprovementActionDetailSerializer,
    400: VALIDATION_ERROR,
    404: NOT_FOUND,
    409: CONFLICT,
}


class ActionPermission(BasePermission):
    """Reading needs view; opening needs add. Plan changes, steps, progress and checks are
    left to the services, which let the owner (and for progress the team) act without the
    change permission."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.has_perm(VIEW)):
            return False
        if view.action == "create":
            return bool(user.has_perm(ADD))
        return True


@extend_schema_view(
    list=extend_schema(
        summary="List improvement actions",
        description="Actions of the units within your scope, newest first; filter by unit "
        "(with its subtree), source, PDCA stage and status (open, overdue, finished).",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Get an improvement action",
        description="The action with its root-cause analysis, goal, team, timeline, "
        "effectiveness checks and the PDCA steps possible now.",
        responses={200: ImprovementActionDetailSerializer, 404: NOT_FOUND},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Open an improvement action",
        description="Opens an action (stage plan) for a finding. Name the source record with "
        "`source_type` (app_label.model) and `source_id`; the org unit defaults to the "
        "record's, then yours.",
        request=ActionCreateSerializer,
        responses={201: ImprovementActionDetailSerializer, 400: VALIDATION_ERROR},
        examples=[
            OpenApiExample(
                "From a complaint ticket",
                value={
                    "source": "complaint",
                    "source_type": "servicedesk.ticket",
                    "source_id": "42",
                    "title": "缩短投诉处理时间",
                    "problem": "本月投诉处理超时 12 件",
                    "deadline": "2026-12-31",
                },
                request_only=True,
            )
        ],
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Change the plan",
        description="Problem, five whys, fishbone causes, root cause, goal and target, "
        "measures, owner, team, deadline and check date of an open action.",
        request=ActionUpdateSerializer,
        responses={200: ImprovementActionDetailSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
        tags=TAGS,
    ),
)
class ImprovementActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ActionPermission]
    filterset_class = ImprovementActionFilterSet
    ordering_fields = ["created_at", "number", "deadline", "stage", "progress"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ImprovementAction]:
        queryset = visible_actions(self.request.user)
        if self.action == "retrieve":
            queryset = with_detail(queryset)
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return ImprovementActionDetailSerializer
        if self.action == "create":
            return ActionCreateSerializer
        if self.action == "partial_update":
            return ActionUpdateSerializer
        return ImprovementActionSerializer

    def _detail(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = access_action(self.request.user, pk, detail=True)
        body = ImprovementActionDetailSerializer(fresh, context=self.get_serializer_context())
        return Response(body.data, status=code)

    def _input(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> dict:
        data = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = self._input(ActionCreateSerializer)
        opened = services.open_action(actor=request.user, **values)
        return self._detail(opened.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = access_action(request.user, kwargs["pk"])
        values = self._input(ActionUpdateSerializer, partial=True)
        services.update_action(target, actor=request.user, **values)
        return self._detail(target.pk)

    @extend_schema(
        summary="Take a PDCA step",
        description="start_do, start_check, start_act, close (note: how it was standardised), "
        "replan (note: why another cycle) or cancel (note: reason).",
        request=StepSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def step(self, request: Request, pk: Any = None) -> Response:
        target = access_action(request.user, pk)
        values = self._input(StepSerializer)
        services.advance(target, values["step"], actor=request.user, note=values.get("note", ""))
        return self._detail(target.pk)

    @extend_schema(
        summary="Report progress",
        request=ProgressSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: Any = None) -> Response:
        target = access_action(request.user, pk)
        values = self._input(ProgressSerializer)
        services.add_progress(target, actor=request.user, **values)
        return self._detail(target.pk)

    @extend_schema(
        summary="Record the effectiveness check",
        description="For an indicator-linked goal the indicator is read for the period and a "
        "verdict proposed; leave `verdict` empty to accept it, or overrule it with a note.",
        request=CheckSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def check(self, request: Request, pk: Any = None) -> Response:
        target = access_action(request.user, pk)
        values = self._input(CheckSerializer)
        checks.record_check(target, actor=request.user, **values)
        return self._detail(target.pk)

    @extend_schema(
        summary="Preview the effectiveness check",
        description="What the check would read now: the indicator's value over the period and "
        "the proposed verdict.",
        parameters=[
            OpenApiParameter("period_start", str, description="YYYY-MM-DD"),
            OpenApiParameter("period_end", str, description="YYYY-MM-DD"),
        ],
        responses={200: ProposalSerializer, 404: NOT_FOUND},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def proposal(self, request: Request, pk: Any = None) -> Response:
        target = access_action(request.user, pk)
        period = serializers.DateField(required=False, allow_null=True)
        start = (
            period.to_internal_value(request.query_params["period_start"])
            if (request.query_params.get("period_start"))
            else None
        )
        end = (
            period.to_internal_value(request.query_params["period_end"])
            if (request.query_params.get("period_end"))
            else None
        )
        return Response(ProposalSerializer(checks.propose_check(target, start, end)).data)
