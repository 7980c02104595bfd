"""REST endpoints of inspections: checklists (read), inspections with their scores, photos and
steps, findings (with "open an improvement action"), sampling plans with the monthly draw, and
ticket reviews.

Records are fetched within the requesting user's scope only (404 outside it); every change is
made by a service, which raises DomainError (400) or ConflictError (409) and changes nothing
when it refuses.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.inspections import access, reviews, services
from sqms.inspections.api import serializers as s
from sqms.inspections.filtersets import (
    FindingFilterSet,
    InspectionFilterSet,
    ReviewFilterSet,
)
from sqms.inspections.models import ChecklistItem, ChecklistVersion, Finding, Inspection
from sqms.inspections.services import ScoreInput

TAGS = ["inspections"]


class ActionPermission(BasePermission):
    """Reading needs the view permission of the viewset; each other action the permission
    listed for it (the services check the rest: scope, inspector, state)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.has_perm(view.view_permission)):
            return False
        needed = view.action_permissions.get(view.action)
        return needed is None or bool(user.has_perm(needed))


class ScopedViewSet(viewsets.GenericViewSet):
    permission_classes = [ActionPermission]
    view_permission: str = ""
    action_permissions: dict[str, str] = {}

    def _input(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> dict:
        data = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)


def _score_inputs(rows: list[dict[str, Any]]) -> dict[int, ScoreInput]:
    return {
        row["item"]: ScoreInput(
            score=row.get("score"),
            not_applicable=row.get("not_applicable", False),
            comment=row.get("comment", ""),
        )
        for row in rows
    }


# --- checklists -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List checklists", tags=TAGS),
    retrieve=extend_schema(summary="Get a checklist version with its items", tags=TAGS),
)
class ChecklistViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Checklist versions (published and retired; drafts for checklist managers)."""

    view_permission = access.VIEW_TEMPLATE
    ordering_fields = ["number"]
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[ChecklistVersion]:
        versions = access.visible_versions(self.request.user).order_by("template__code", "-number")
        if self.action == "retrieve":
            versions = access.version_with_items(versions)
        return versions

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return s.ChecklistVersionDetailSerializer
        return s.ChecklistVersionSerializer


# --- inspections ----------------------------------------------------------------------------

STEP_RESPONSES = {
    200: s.InspectionDetailSerializer,
    400: VALIDATION_ERROR,
    404: NOT_FOUND,
    409: CONFLICT,
}


@extend_schema_view(
    list=extend_schema(
        summary="List inspections",
        description="Inspections of the units within your scope; filter by unit (with its "
        "subtree), kind, status, inspector, period and result.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Get an inspection with scores, photos and findings",
        responses={200: s.InspectionDetailSerializer, 404: NOT_FOUND},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Plan an inspection",
        request=s.InspectionCreateSerializer,
        responses={201: s.InspectionDetailSerializer, 400: VALIDATION_ERROR},
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Change an open inspection",
        request=s.InspectionFieldsSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    ),
    destroy=extend_schema(summary="Delete an inspection not yet submitted", tags=TAGS),
)
class InspectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    view_permission = services.VIEW
    action_permissions = {
        "create": services.ADD,
        "partial_update": services.CHANGE,
        "destroy": services.DELETE,
        "start": services.CHANGE,
        "scores": services.CHANGE,
        "submit": services.CHANGE,
        "review": services.REVIEW,
        "photos": services.CHANGE,
    }
    filterset_class = InspectionFilterSet
    ordering_fields = ["performed_at", "planned_for", "number", "score"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Inspection]:
        queryset = access.visible_inspections(self.request.user)
        if self.action == "retrieve":
            queryset = access.with_detail(queryset)
        return queryset.order_by("-performed_at", "-planned_for", "-id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return s.InspectionDetailSerializer
        if self.action == "create":
            return s.InspectionCreateSerializer
        if self.action == "partial_update":
            return s.InspectionFieldsSerializer
        return s.InspectionSerializer

    def _detail(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = access.access_inspection(self.request.user, pk, detail=True)
        body = s.InspectionDetailSerializer(fresh, context=self.get_serializer_context())
        return Response(body.data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = self._input(s.InspectionCreateSerializer)
        created = services.create_inspection(actor=request.user, **values)
        return self._detail(created.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = access.access_inspection(request.user, kwargs["pk"])
        values = self._input(s.InspectionFieldsSerializer, partial=True)
        services.update_inspection(target, actor=request.user, **values)
        return self._detail(target.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = access.access_inspection(request.user, kwargs["pk"])
        services.delete_inspection(target, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Start the inspection", request=None, responses=STEP_RESPONSES, tags=TAGS
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: Any = None) -> Response:
        target = access.access_inspection(request.user, pk)
        services.start_inspection(target, actor=request.user)
        return self._detail(target.pk)

    @extend_schema(
        summary="Record item scores",
        description="Scores of some or all items: `score` from 0 to the item's top score (1 "
        "for pass/fail), or `not_applicable` where the item allows it. A planned inspection "
        "starts.",
        request=s.ScoresSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def scores(self, request: Request, pk: Any = None) -> Response:
        target = access.access_inspection(request.user, pk)
        values = self._input(s.ScoresSerializer)
        services.record_scores(target, actor=request.user, scores=_score_inputs(values["scores"]))
        return self._detail(target.pk)

    @extend_schema(summary="Submit for review", request=None, responses=STEP_RESPONSES, tags=TAGS)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        target = access.access_inspection(request.user, pk)
        services.submit_inspection(target, actor=request.user)
        return self._detail(target.pk)

    @extend_schema(
        summary="Review a submitted inspection",
        description="`approve: true` accepts it; `approve: false` sends it back to the "
        "inspector with `note` saying what to correct.",
        request=s.ReviewDecisionSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: Any = None) -> Response:
        target = access.access_inspection(request.user, pk)
        values = self._input(s.ReviewDecisionSerializer)
        services.review_inspection(target, actor=request.user, **values)
        return self._detail(target.pk)

    @extend_schema(
        summary="Upload a photo",
        description="JPEG, PNG or WebP (checked by content), of the inspection or one item.",
        request={"multipart/form-data": s.PhotoUploadSerializer},
        responses={201: s.PhotoSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def photos(self, request: Request, pk: Any = None) -> Response:
        target = access.access_inspection(request.user, pk)
        values = self._input(s.PhotoUploadSerializer)
        item = None
        if values.get("item") is not None:
            item = ChecklistItem.objects.filter(
                pk=values["item"], version_id=target.version_id
            ).first()
            if item is None:
                raise serializers.ValidationError({"item": ["Not an item of this checklist."]})
        photo = services.add_photo(
            target,
            actor=request.user,
            upload=values["file"],
            item=item,
            caption=values.get("caption", ""),
        )
        return Response(s.PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


# --- findings -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List findings", tags=TAGS),
    retrieve=extend_schema(summary="Get a finding", tags=TAGS),
    create=extend_schema(
        summary="Record a finding",
        request=s.FindingCreateSerializer,
        responses={201: s.FindingSerializer, 400: VALIDATION_ERROR},
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Change a finding",
        request=s.FindingUpdateSerializer,
        responses={200: s.FindingSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
        tags=TAGS,
    ),
    destroy=extend_schema(summary="Delete a finding without an improvement action", tags=TAGS),
)
class FindingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    view_permission = services.VIEW_FINDING
    action_permissions = {
        "create": services.ADD_FINDING,
        "partial_update": services.CHANGE_FINDING,
        "destroy": services.DELETE_FINDING,
        "open_action": "improvement.add_improvementaction",
    }
    filterset_class = FindingFilterSet
    ordering_fields = ["created_at", "due_date", "severity"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Finding]:
        return access.visible_findings(self.request.user).order_by("-created_at", "-id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return s.FindingCreateSerializer
        if self.action == "partial_update":
            return s.FindingUpdateSerializer
        return s.FindingSerializer

    def _detail(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = access.access_finding(self.request.user, pk)
        return Response(s.FindingSerializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = self._input(s.FindingCreateSerializer)
        inspection = values.pop("inspection")
        if not access.visible_inspections(request.user).filter(pk=inspection.pk).exists():
            raise serializers.ValidationError({"inspection": ["No such inspection."]})
        finding = services.add_finding(inspection, actor=request.user, **values)
        return self._detail(finding.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = access.access_finding(request.user, kwargs["pk"])
        values = self._input(s.FindingUpdateSerializer, partial=True)
        services.update_finding(target, actor=request.user, **values)
        return self._detail(target.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = access.access_finding(request.user, kwargs["pk"])
        services.delete_finding(target, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Open an improvement action for the finding",
        request=s.OpenActionSerializer,
        responses={200: s.FindingSerializer, 400: VALIDATION_ERROR, 409: CONFLICT},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="open-action")
    def open_action(self, request: Request, pk: Any = None) -> Response:
        target = access.access_finding(request.user, pk)
        values = self._input(s.OpenActionSerializer)
        services.open_finding_action(target, actor=request.user, **values)
        return self._detail(target.pk)


# --- sampling plans -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List sampling plans", tags=TAGS),
    retrieve=extend_schema(
        summary="Get a sampling plan with its draws",
        responses={200: s.SamplingPlanDetailSerializer},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Create a sampling plan",
        request=s.PlanInputSerializer,
        responses={201: s.SamplingPlanDetailSerializer, 400: VALIDATION_ERROR},
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Change a sampling plan",
        request=s.PlanInputSerializer,
        responses={200: s.SamplingPlanDetailSerializer, 400: VALIDATION_ERROR},
        tags=TAGS,
    ),
    destroy=extend_schema(summary="Delete a sampling plan never drawn", tags=TAGS),
)
class SamplingPlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    view_permission = reviews.VIEW_PLAN
    action_permissions = {
        "create": reviews.ADD_PLAN,
        "partial_update": reviews.CHANGE_PLAN,
        "destroy": reviews.DELETE_PLAN,
        "draw": reviews.DRAW,
    }
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        plans = access.visible_plans(self.request.user).order_by("name", "id")
        if self.action == "retrieve":
            plans = plans.prefetch_related("draws")
        return plans

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return s.SamplingPlanDetailSerializer
        if self.action in ("create", "partial_update"):
            return s.PlanInputSerializer
        return s.SamplingPlanSerializer

    def _detail(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        plan = access.visible_plans(self.request.user).prefetch_related("draws").get(pk=pk)
        return Response(s.SamplingPlanDetailSerializer(plan).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = self._input(s.PlanInputSerializer)
        plan = reviews.create_plan(actor=request.user, **values)
        return self._detail(plan.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = access.access_plan(request.user, kwargs["pk"])
        values = self._input(s.PlanInputSerializer, partial=True)
        reviews.update_plan(target, actor=request.user, **values)
        return self._detail(target.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = access.access_plan(request.user, kwargs["pk"])
        reviews.delete_plan(target, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Draw a month's sample",
        description="Queues a review for ceil(share × n) of each agent's tickets closed in the "
        "month (ranked by a keyed hash of the seed and the ticket id), plus every complaint "
        "with low satisfaction. Once per plan and month.",
        request=s.DrawSerializer,
        responses={201: s.SampleDrawSerializer, 400: VALIDATION_ERROR, 409: CONFLICT},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def draw(self, request: Request, pk: Any = None) -> Response:
        target = access.access_plan(request.user, pk)
        values = self._input(s.DrawSerializer)
        drawn = reviews.draw_sample(
            target, values["month"], actor=request.user, seed=values.get("seed")
        )
        return Response(s.SampleDrawSerializer(drawn).data, status=status.HTTP_201_CREATED)


# --- ticket reviews -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List ticket reviews", tags=TAGS),
    retrieve=extend_schema(
        summary="Get a ticket review", responses={200: s.TicketReviewDetailSerializer}, tags=TAGS
    ),
    create=extend_schema(
        summary="Queue a ticket for review",
        request=s.ReviewCreateSerializer,
        responses={201: s.TicketReviewDetailSerializer, 400: VALIDATION_ERROR},
        tags=TAGS,
    ),
)
class TicketReviewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    view_permission = reviews.VIEW_REVIEW
    action_permissions = {
        "create": reviews.ADD_REVIEW,
        "submit": reviews.DO_REVIEW,
        "assign": reviews.DRAW,
    }
    filterset_class = ReviewFilterSet
    ordering_fields = ["created_at", "reviewed_at", "score"]

    def get_queryset(self) -> QuerySet[Any]:
        queryset = access.visible_reviews(self.request.user).order_by(
            "status", "-created_at", "-id"
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("scores")
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return s.TicketReviewDetailSerializer
        if self.action == "create":
            return s.ReviewCreateSerializer
        return s.TicketReviewSerializer

    def _detail(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = access.access_review(self.request.user, pk, detail=True)
        return Response(s.TicketReviewDetailSerializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = self._input(s.ReviewCreateSerializer)
        review = reviews.queue_review(actor=request.user, **values)
        return self._detail(review.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit the review",
        description="Item scores against the review checklist; `service_error` with its "
        "reason flags the ticket as a service error (服务差错).",
        request=s.ReviewSubmitSerializer,
        responses={200: s.TicketReviewDetailSerializer, 400: VALIDATION_ERROR, 409: CONFLICT},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        target = access.access_review(request.user, pk)
        values = self._input(s.ReviewSubmitSerializer)
        reviews.submit_review(
            target,
            actor=request.user,
            scores=_score_inputs(values["scores"]),
            comment=values.get("comment", ""),
            service_error=values.get("service_error", False),
            service_error_reason=values.get("service_error_reason", ""),
        )
        return self._detail(target.pk)

    @extend_schema(
        summary="Assign the review to an inspector",
        request=s.ReviewAssignSerializer,
        responses={200: s.TicketReviewDetailSerializer, 400: VALIDATION_ERROR},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: Any = None) -> Response:
        target = access.access_review(request.user, pk)
        values = self._input(s.ReviewAssignSerializer)
        reviews.assign_review(target, actor=request.user, reviewer=values["reviewer"])
        return self._detail(target.pk)
