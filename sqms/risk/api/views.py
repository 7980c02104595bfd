"""REST endpoints of the risk app: the register (with controls, acceptances, reviews, closing
and history as actions), matrices (with YAML/JSON import and export) and Monte Carlo runs.

Querysets are scoped to the requesting user (an out-of-scope risk or run is a 404); every
change goes through a service, whose refusals come back as 400/409 with field messages.
"""

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sqms.core.api.permissions import ModelPermissions
from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.risk import matrices, services, simulation
from sqms.risk.access import visible_risks, visible_runs
from sqms.risk.api.serializers import (
    MatrixImportSerializer,
    MonteCarloRunSerializer,
    RiskAcceptanceSerializer,
    RiskControlSerializer,
    RiskHistorySerializer,
    RiskMatrixSerializer,
    RiskReasonSerializer,
    RiskReviewSerializer,
    RiskSerializer,
)
from sqms.risk.filtersets import MonteCarloRunFilterSet, RiskFilterSet
from sqms.risk.flags import annotate_flags
from sqms.risk.models import MonteCarloRun, Risk, RiskControl, RiskMatrix

CHANGE_ACTIONS = {"controls", "acceptances", "reviews", "close", "reopen", "update_control"}


class RiskPermissions(ModelPermissions):
    """Model permissions, except that the register's actions need change_risk."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "action", None) in CHANGE_ACTIONS:
            user = request.user
            return bool(
                user
                and user.is_authenticated
                and user.has_perm("risk.view_risk")
                and user.has_perm("risk.change_risk")
            )
        return super().has_permission(request, view)


WRITE_RESPONSES = {400: VALIDATION_ERROR, 404: NOT_FOUND, 409: CONFLICT}


@extend_schema_view(
    list=extend_schema(summary="List risks", description="The register within your scope."),
    retrieve=extend_schema(summary="Get a risk", responses={200: RiskSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Raise a risk",
        description="Levels are computed from the matrix (the default one unless `matrix` "
        "names another); current defaults to inherent, residual to current.",
        responses={201: RiskSerializer, 400: VALIDATION_ERROR},
    ),
    update=extend_schema(
        summary="Replace a risk", responses={200: RiskSerializer, **WRITE_RESPONSES}
    ),
    partial_update=extend_schema(
        summary="Change a risk", responses={200: RiskSerializer, **WRITE_RESPONSES}
    ),
)
class RiskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RiskSerializer
    permission_classes = [RiskPermissions]
    filterset_class = RiskFilterSet
    ordering_fields = ["number", "residual_rank", "review_due", "created_at"]
    ordering = ["-residual_rank", "number"]
    queryset = Risk.objects.none()

    def get_queryset(self) -> QuerySet[Risk]:
        return annotate_flags(
            visible_risks(self.request.user), timezone.localdate()
        ).prefetch_related("affected_units")

    def perform_create(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        risk = services.raise_risk(actor=self.request.user, **values)
        serializer.instance = self.get_queryset().get(pk=risk.pk)

    def perform_update(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        services.update_risk(serializer.instance, actor=self.request.user, **values)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(
        summary="Add a control",
        request=RiskControlSerializer,
        responses={201: RiskControlSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def controls(self, request: Request, pk: Any = None) -> Response:
        risk = self.get_object()
        serializer = RiskControlSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        control = services.add_control(risk, actor=request.user, **serializer.validated_data)
        return Response(RiskControlSerializer(control).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a control",
        request=RiskControlSerializer,
        responses={200: RiskControlSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["patch"], url_path=r"controls/(?P<control_pk>\d+)")
    def update_control(self, request: Request, pk: Any = None, control_pk: Any = None) -> Response:
        risk = self.get_object()
        control = RiskControl.objects.filter(risk=risk, pk=control_pk).first()
        if control is None:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        serializer = RiskControlSerializer(control, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        control = services.update_control(control, actor=request.user, **serializer.validated_data)
        return Response(RiskControlSerializer(control).data)

    @extend_schema(
        summary="Record an acceptance",
        description="Only for a risk whose treatment is `accept` (409 otherwise).",
        request=RiskAcceptanceSerializer,
        responses={201: RiskAcceptanceSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def acceptances(self, request: Request, pk: Any = None) -> Response:
        risk = self.get_object()
        serializer = RiskAcceptanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        acceptance = services.record_acceptance(
            risk, actor=request.user, **serializer.validated_data
        )
        return Response(RiskAcceptanceSerializer(acceptance).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a review",
        request=RiskReviewSerializer,
        responses={201: RiskReviewSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def reviews(self, request: Request, pk: Any = None) -> Response:
        risk = self.get_object()
        serializer = RiskReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.record_review(risk, actor=request.user, **serializer.validated_data)
        return Response(RiskReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Close a risk",
        request=RiskReasonSerializer,
        responses={200: RiskSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        risk = self.get_object()
        serializer = RiskReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.close_risk(risk, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(RiskSerializer(self.get_queryset().get(pk=risk.pk)).data)

    @extend_schema(
        summary="Reopen a risk",
        request=RiskReasonSerializer,
        responses={200: RiskSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        risk = self.get_object()
        serializer = RiskReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reopen_risk(risk, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(RiskSerializer(self.get_queryset().get(pk=risk.pk)).data)

    @extend_schema(summary="A risk's history", responses={200: RiskHistorySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: Any = None) -> Response:
        risk = self.get_object()
        return Response(RiskHistorySerializer(risk.history.all()[:500], many=True).data)


@extend_schema_view(
    list=extend_schema(summary="List risk matrices"),
    retrieve=extend_schema(
        summary="Get a risk matrix", responses={200: RiskMatrixSerializer, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Create a risk matrix", responses={201: RiskMatrixSerializer, 400: VALIDATION_ERROR}
    ),
    update=extend_schema(
        summary="Replace a risk matrix",
        description="While risks use the matrix only names, descriptions and colours may "
        "change (409).",
        responses={200: RiskMatrixSerializer, **WRITE_RESPONSES},
    ),
    partial_update=extend_schema(
        summary="Change a risk matrix", responses={200: RiskMatrixSerializer, **WRITE_RESPONSES}
    ),
    destroy=extend_schema(
        summary="Delete a risk matrix",
        description="Refused with 409 while risks use it.",
        responses={204: None, 404: NOT_FOUND, 409: CONFLICT},
    ),
)
class RiskMatrixViewSet(viewsets.ModelViewSet):
    serializer_class = RiskMatrixSerializer
    queryset = RiskMatrix.objects.none()

    def get_queryset(self) -> QuerySet[RiskMatrix]:
        return RiskMatrix.objects.annotate(risk_count=Count("risks")).order_by("code")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = matrices.create_matrix(
            actor=self.request.user, definition=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = matrices.update_matrix(
            serializer.instance, actor=self.request.user, definition=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: RiskMatrix) -> None:
        matrices.delete_matrix(instance, actor=self.request.user)

    @extend_schema(
        summary="Export a matrix as YAML or JSON",
        parameters=[OpenApiParameter("format", enum=["yaml", "json"], default="yaml")],
        responses={200: OpenApiResponse(description="The definition document.")},
    )
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request: Request, pk: Any = None) -> HttpResponse:
        matrix = self.get_object()
        fmt = "json" if request.query_params.get("format") == "json" else "yaml"
        kind = "application/json" if fmt == "json" else "application/yaml"
        return HttpResponse(matrices.dump(matrix, fmt), content_type=f"{kind}; charset=utf-8")

    @extend_schema(
        summary="Import a matrix from YAML or JSON",
        description="Creates the matrix, or updates the one with the same code (201 / 200).",
        request=MatrixImportSerializer,
        responses={200: RiskMatrixSerializer, 201: RiskMatrixSerializer, **WRITE_RESPONSES},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_definition(self, request: Request) -> Response:
        serializer = MatrixImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        matrix, created = matrices.import_matrix(
            actor=request.user, text=serializer.validated_data["text"]
        )
        return Response(
            RiskMatrixSerializer(matrix).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def get_permissions(self) -> list[Any]:
        if self.action == "import_definition":
            return [_MatrixImportPermission()]
        return [ModelPermissions()]


class _MatrixImportPermission(ModelPermissions):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.has_perm("risk.add_riskmatrix")
            and user.has_perm("risk.change_riskmatrix")
        )


@extend_schema_view(
    list=extend_schema(summary="List Monte Carlo runs"),
    retrieve=extend_schema(
        summary="Get a Monte Carlo run", responses={200: MonteCarloRunSerializer, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Request a Monte Carlo run",
        description="Stores the run with its inputs and queues it; poll it until `status` is "
        "`done`. 100,000 iterations unless `iterations` says otherwise.",
        responses={201: MonteCarloRunSerializer, 400: VALIDATION_ERROR},
    ),
)
class MonteCarloRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MonteCarloRunSerializer
    filterset_class = MonteCarloRunFilterSet
    queryset = MonteCarloRun.objects.none()
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[MonteCarloRun]:
        return visible_runs(self.request.user).prefetch_related(
            Prefetch("risks", queryset=Risk.objects.only("pk"))
        )

    def perform_create(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        run = simulation.request_run(
            actor=self.request.user,
            title=values["title"],
            risks=list(values["risks"]),
            org_unit=values["org_unit"],
            iterations=values.get("iterations") or simulation.DEFAULT_ITERATIONS,
            seed=values.get("seed"),
            frequency_model=values.get("frequency_model") or "bernoulli",
        )
        serializer.instance = run
