"""REST endpoints of the quality app: the catalogue, indicator values for any period and
slice, target versions, alerts (acknowledge, close, link) and evaluation reports."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.core.models import OrgUnit, User
from sqms.core.scope import unit_scope_filter
from sqms.quality import services
from sqms.quality.access import default_unit, visible_alerts, visible_reports, visible_targets
from sqms.quality.api.serializers import (
    AlertCloseSerializer,
    AlertLinkSerializer,
    AlertSerializer,
    IndicatorSerializer,
    IndicatorValueSerializer,
    ReportSerializer,
    TargetSerializer,
    ValuesQuerySerializer,
)
from sqms.quality.choices import Granularity
from sqms.quality.indicators import SliceFilter, grouped_measures, values_for
from sqms.quality.models import Alert, EvaluationReport, Indicator, Target
from sqms.quality.periods import Period, period_containing, today


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """The indicator catalogue with definitions."""

    serializer_class = IndicatorSerializer
    queryset = Indicator.objects.filter(is_active=True)
    lookup_field = "code"


class CanReadIndicators(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("quality.view_indicator"))


class ValuesView(APIView):
    """Indicator values for a period and slice, optionally grouped (one rollup query)."""

    permission_classes = [CanReadIndicators]

    @extend_schema(
        tags=["quality"],
        summary="Indicator values for a period and slice",
        parameters=[ValuesQuerySerializer],
        responses={
            200: OpenApiResponse(description="Period, slice and values per group."),
            400: VALIDATION_ERROR,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        query = ValuesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user: Any = request.user
        unit = default_unit(user)
        if data.get("unit"):
            unit = OrgUnit.objects.visible_to(user).filter(pk=data["unit"]).first()
            if unit is None:
                raise Http404
        if (
            data.get("staff")
            and not User.objects.filter(
                unit_scope_filter(user, "org_unit"), pk=data["staff"]
            ).exists()
        ):
            raise Http404
        if data["g"] == Granularity.CUSTOM:
            period = Period(data["start"], data["end"])
        else:
            period = period_containing(data["g"], data.get("d") or today())
        sl = SliceFilter(
            unit=unit,
            staff_id=data.get("staff"),
            channel=data.get("channel", ""),
            kind=data.get("kind", ""),
            category_id=data.get("category"),
        )
        codes = data.get("codes")
        indicators = {i.code: i for i in Indicator.objects.filter(is_active=True)}
        targets = services.targets_in_force(unit, period.end)
        groups = []
        for key, measures in grouped_measures(period, sl, data.get("group_by")).items():
            values = services.apply_targets(values_for(measures, codes), indicators, targets)
            groups.append(
                {
                    "group": None if key is None else str(key),
                    "values": IndicatorValueSerializer(list(values.values()), many=True).data,
                }
            )
        return Response(
            {
                "period": {
                    "start": period.start,
                    "end": period.end,
                    "granularity": period.granularity,
                    "label": period.label,
                },
                "unit": unit.pk if unit else None,
                "group_by": data.get("group_by"),
                "groups": groups,
            }
        )


@extend_schema_view(
    list=extend_schema(tags=["quality"], summary="Target versions"),
    retrieve=extend_schema(
        tags=["quality"],
        summary="A target version",
        responses={200: TargetSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        tags=["quality"],
        summary="Add a target version",
        responses={201: TargetSerializer, 400: VALIDATION_ERROR},
    ),
)
class TargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Targets are versioned: a change is a new version, never an edit."""

    serializer_class = TargetSerializer
    queryset = Target.objects.none()
    filterset_fields = ["indicator__code", "org_unit"]

    def get_queryset(self) -> QuerySet[Target]:
        return (
            visible_targets(self.request.user)
            .select_related("indicator", "org_unit", "created_by")
            .order_by("-id")
        )

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.set_target(
            actor=self.request.user,
            indicator=data["indicator"],
            org_unit=data.get("org_unit"),
            valid_from=data["valid_from"],
            target=data["target"],
            alarm=data["alarm"],
            strict=data.get("strict", False),
            reason=data["reason"],
        )


class AlertPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.has_perm("quality.view_alert"):
            return False
        if view.action in ("acknowledge", "close", "link"):
            return bool(user.has_perm("quality.handle_alert"))
        return True


@extend_schema_view(
    list=extend_schema(tags=["quality"], summary="Alerts"),
    retrieve=extend_schema(
        tags=["quality"], summary="An alert", responses={200: AlertSerializer, 404: NOT_FOUND}
    ),
)
class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AlertSerializer
    queryset = Alert.objects.none()
    permission_classes = [AlertPermission]
    filterset_fields = ["status", "severity", "org_unit"]

    def get_queryset(self) -> QuerySet[Alert]:
        return visible_alerts(self.request.user).select_related("rule", "indicator", "owner")

    @extend_schema(
        tags=["quality"],
        summary="Acknowledge an alert",
        request=None,
        responses={200: AlertSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: Any = None) -> Response:
        alert = services.acknowledge_alert(self.get_object(), actor=request.user)
        return Response(AlertSerializer(alert).data)

    @extend_schema(
        tags=["quality"],
        summary="Close an alert with a note",
        request=AlertCloseSerializer,
        responses={200: AlertSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        alert = self.get_object()
        body = AlertCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = services.close_alert(alert, actor=request.user, note=body.validated_data["note"])
        return Response(AlertSerializer(alert).data)

    @extend_schema(
        tags=["quality"],
        summary="Link the improvement action that answers an alert",
        request=AlertLinkSerializer,
        responses={200: AlertSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: Any = None) -> Response:
        from django.utils.translation import gettext as _

        from sqms.core.errors import DomainError
        from sqms.improvement.models import ImprovementAction

        alert = self.get_object()
        body = AlertLinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        number = body.validated_data["improvement_action"]
        improvement = None
        if number:
            improvement = ImprovementAction.objects.filter(pk=number).first()
            if improvement is None:
                raise DomainError(
                    _("There is no improvement action with this number."),
                    field="improvement_action",
                )
        alert = services.link_improvement_action(alert, improvement, actor=request.user)
        return Response(AlertSerializer(alert).data)


@extend_schema_view(
    list=extend_schema(tags=["quality"], summary="Evaluation reports"),
    retrieve=extend_schema(
        tags=["quality"],
        summary="An evaluation report",
        responses={200: ReportSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        tags=["quality"],
        summary="Request a quarterly evaluation report",
        responses={201: ReportSerializer, 400: VALIDATION_ERROR},
    ),
)
class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReportSerializer
    queryset = EvaluationReport.objects.none()

    def get_queryset(self) -> QuerySet[EvaluationReport]:
        return visible_reports(self.request.user).select_related("org_unit")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.request_report(
            actor=self.request.user,
            org_unit=data["org_unit"],
            year=data["year"],
            quarter=data["quarter"],
            language=data.get("language", "zh-hans"),
        )
