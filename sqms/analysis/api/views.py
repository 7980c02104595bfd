"""REST endpoints of the analyses: read the stored results (scoped to the user's units) and
POST `recompute/` to compute a new one (needs the recompute permission; 400 on bad input)."""

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sqms.analysis import services
from sqms.analysis.access import (
    RECOMPUTE,
    VIEW_ASSOCIATIONS,
    VIEW_FORECASTS,
    VIEW_HOTSPOTS,
    VIEW_SEGMENTS,
    access,
    visible,
)
from sqms.analysis.api import serializers as s
from sqms.analysis.filtersets import (
    AssociationRuleFilterSet,
    AssociationRunFilterSet,
    ForecastRunFilterSet,
    HotspotReportFilterSet,
    SegmentationRunFilterSet,
)
from sqms.analysis.models import AssociationRun, ForecastRun, HotspotReport, SegmentationRun
from sqms.core.api.views import NOT_FOUND, VALIDATION_ERROR

TAGS = ["analysis"]


class ResultPermission(BasePermission):
    """Reading needs the model's view permission; recomputing also needs recompute."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.has_perm(view.view_permission)):
            return False
        return view.action != "recompute" or bool(user.has_perm(RECOMPUTE))


class ResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ResultPermission]
    model: type[Model]
    view_permission: str
    request_serializer: type[s.Serializer]
    ordering_fields = ["computed_at"]

    def get_queryset(self) -> QuerySet:
        return visible(self.request.user, self.model).order_by("-computed_at", "-pk")

    def get_object(self) -> Any:
        return access(self.request.user, self.model, self.kwargs["pk"])

    def compute(self, actor: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    @action(detail=False, methods=["post"])
    def recompute(self, request: Request) -> Response:
        incoming = self.request_serializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        result = self.compute(request.user, dict(incoming.validated_data))
        many = isinstance(result, list)
        body = self.get_serializer(result, many=many).data
        return Response(body, status=status.HTTP_201_CREATED)


def _schema(name: str, serializer: Any, request: Any, description: str) -> Any:
    return extend_schema_view(
        list=extend_schema(summary=f"List {name}", tags=TAGS),
        retrieve=extend_schema(
            summary=f"Get one of the {name}", responses={200: serializer, 404: NOT_FOUND}, tags=TAGS
        ),
        recompute=extend_schema(
            summary=f"Recompute {name}",
            description=description,
            request=request,
            responses={201: serializer, 400: VALIDATION_ERROR},
            tags=TAGS,
        ),
    )


@_schema(
    "hot-spot reports",
    s.HotspotReportSerializer,
    s.HotspotRequestSerializer,
    "Emerging complaint terms and rising problem types of the week or month containing `day`, "
    "against the previous periods; replaces the stored report of that unit and period.",
)
class HotspotReportViewSet(ResultViewSet):
    model = HotspotReport
    view_permission = VIEW_HOTSPOTS
    serializer_class = s.HotspotReportSerializer
    request_serializer = s.HotspotRequestSerializer
    filterset_class = HotspotReportFilterSet

    def compute(self, actor: Any, data: dict[str, Any]) -> Any:
        return services.compute_hotspots(
            actor=actor,
            unit=data["org_unit"],
            period_kind=data["period_kind"],
            day=data.get("day"),
            baseline_periods=data["baseline_periods"],
        )


@_schema(
    "segmentation runs",
    s.SegmentationRunSerializer,
    s.SegmentationRequestSerializer,
    "k-means segmentation of the unit's customers (k = 2…8 by silhouette) under a seed.",
)
class SegmentationRunViewSet(ResultViewSet):
    model = SegmentationRun
    view_permission = VIEW_SEGMENTS
    serializer_class = s.SegmentationRunSerializer
    request_serializer = s.SegmentationRequestSerializer
    filterset_class = SegmentationRunFilterSet

    def compute(self, actor: Any, data: dict[str, Any]) -> Any:
        return services.compute_segments(actor=actor, unit=data["org_unit"], seed=data["seed"])

    @extend_schema(
        summary="Indicators by segment",
        description="Per segment: customers, tickets, complaint rate, mean satisfaction and SLA "
        "on-time rate over the run's window.",
        responses={200: s.SegmentIndicatorSerializer(many=True), 404: NOT_FOUND},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def indicators(self, request: Request, pk: Any = None) -> Response:
        run = self.get_object()
        rows = services.segment_indicators(run)
        return Response(s.SegmentIndicatorSerializer(rows, many=True).data)


@_schema(
    "association runs",
    s.AssociationRunSerializer,
    s.AssociationRequestSerializer,
    "Frequent item sets (apriori, up to 3 items) and rules with support, confidence and lift "
    "among the problem types, products, channels and units of the tickets of a period.",
)
class AssociationRunViewSet(ResultViewSet):
    model = AssociationRun
    view_permission = VIEW_ASSOCIATIONS
    serializer_class = s.AssociationRunSerializer
    request_serializer = s.AssociationRequestSerializer
    filterset_class = AssociationRunFilterSet

    def compute(self, actor: Any, data: dict[str, Any]) -> Any:
        return services.compute_associations(
            actor=actor,
            unit=data["org_unit"],
            first=data.get("first"),
            last=data.get("last"),
            kinds=data.get("kinds"),
            min_support=data["min_support"],
            min_confidence=data["min_confidence"],
        )

    @extend_schema(
        summary="Rules of a run",
        description="The run's rules, best lift first; filter by item text and minimum lift, "
        "confidence and support; `ordering` by lift, confidence, support or count.",
        parameters=[
            OpenApiParameter("q", str, description="Text of an item (key or label)."),
            OpenApiParameter("min_lift", float),
            OpenApiParameter("min_confidence", float),
            OpenApiParameter("min_support", float),
            OpenApiParameter(
                "ordering",
                str,
                description="lift, confidence, support, count (prefix - for descending).",
            ),
        ],
        responses={
            200: s.AssociationRuleSerializer(many=True),
            400: VALIDATION_ERROR,
            404: NOT_FOUND,
        },
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        serializer_class=s.AssociationRuleSerializer,
    )
    def rules(self, request: Request, pk: Any = None) -> Response:
        run = self.get_object()
        filterset = AssociationRuleFilterSet(request.GET, queryset=run.rules.all(), request=request)
        if not filterset.is_valid():
            from rest_framework.exceptions import ValidationError

            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        body = s.AssociationRuleSerializer(page, many=True).data
        return self.get_paginated_response(body)


@_schema(
    "forecast runs",
    s.ForecastRunSerializer,
    s.ForecastRequestSerializer,
    "Next weeks' daily and weekly ticket volume of the unit (all channels, and each channel with "
    "enough volume or the ones named) with 80%/95% intervals and a rolling back-test.",
)
class ForecastRunViewSet(ResultViewSet):
    model = ForecastRun
    view_permission = VIEW_FORECASTS
    serializer_class = s.ForecastRunSerializer
    request_serializer = s.ForecastRequestSerializer
    filterset_class = ForecastRunFilterSet

    def compute(self, actor: Any, data: dict[str, Any]) -> Any:
        return services.compute_forecasts(
            actor=actor,
            unit=data["org_unit"],
            channels=data.get("channels"),
            weeks=data["weeks"],
            horizon_days=data["horizon_days"],
        )
