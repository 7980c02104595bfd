"""REST endpoints for counter visits (取号, 叫号, 办理): list, detail, arrival, and one POST
endpoint per step (call, start, end, abandon). Included by sqms.servicedesk.api.urls.

Visits are fetched within the requesting user's scope only (outside it: 404); every change
goes through sqms.servicedesk.visits, which refuses steps out of order with 409.
"""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.core.filtersets import DateTimeFilter, SubtreeFilter
from sqms.core.models import OrgUnit
from sqms.servicedesk import visits
from sqms.servicedesk.access import visible_tickets
from sqms.servicedesk.models import CounterVisit, Ticket

VIEW = "servicedesk.view_countervisit"
ADD = "servicedesk.add_countervisit"
CHANGE = "servicedesk.change_countervisit"
TAGS = ["counter visits"]
FORBIDDEN = OpenApiResponse(description="You lack the permission for this action.")
STATES = [
    (visits.VisitState.WAITING, _("Waiting")),
    (visits.VisitState.CALLED, _("Called")),
    (visits.VisitState.IN_SERVICE, _("In service")),
    (visits.VisitState.SERVED, _("Served")),
    (visits.VisitState.ABANDONED, _("Left unserved")),
]
STATE_FILTERS = {
    visits.VisitState.WAITING: Q(called_at__isnull=True, abandoned_at__isnull=True),
    visits.VisitState.CALLED: Q(
        called_at__isnull=False, service_started_at__isnull=True, abandoned_at__isnull=True
    ),
    visits.VisitState.IN_SERVICE: Q(
        service_started_at__isnull=False, service_ended_at__isnull=True
    ),
    visits.VisitState.SERVED: Q(service_ended_at__isnull=False),
    visits.VisitState.ABANDONED: Q(abandoned_at__isnull=False),
}


class CounterVisitFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=STATES, method="filter_state")
    org_unit = SubtreeFilter(label=_("Org unit"), unit_path="org_unit__path")
    queue_number = django_filters.CharFilter(label=_("Queue number"))
    arrived_after = DateTimeFilter(
        label=_("Arrived from"), field_name="arrived_at", lookup_expr="gte"
    )
    arrived_before = DateTimeFilter(
        label=_("Arrived until"), field_name="arrived_at", lookup_expr="lt"
    )

    class Meta:
        model = CounterVisit
        fields = ["state", "org_unit", "queue_number", "arrived_after", "arrived_before"]

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(STATE_FILTERS[value]) if value else queryset


@extend_schema_field(OpenApiTypes.INT)
class ScopedUnitField(serializers.PrimaryKeyRelatedField):
    """An org unit within the requesting user's scope (another id is an invalid choice)."""

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return OrgUnit.objects.visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class ScopedTicketField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet[Ticket]:
        return visible_tickets(self.context["request"].user)


class CounterVisitSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()
    state = serializers.SerializerMethodField()
    waiting_seconds = serializers.SerializerMethodField()
    handling_seconds = serializers.SerializerMethodField()
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None)

    class Meta:
        model = CounterVisit
        fields = [
            "id",
            "org_unit",
            "queue_number",
            "state",
            "counter",
            "ticket",
            "ticket_number",
            "arrived_at",
            "called_at",
            "service_started_at",
            "service_ended_at",
            "abandoned_at",
            "served_by",
            "waiting_seconds",
            "handling_seconds",
        ]
        read_only_fields = [
            "counter",
            "ticket",
            "arrived_at",
            "called_at",
            "service_started_at",
            "service_ended_at",
            "abandoned_at",
            "served_by",
        ]
        extra_kwargs = {"queue_number": {"required": True, "allow_blank": False}}

    def get_state(self, visit: CounterVisit) -> str:
        return visits.visit_state(visit)

    def get_waiting_seconds(self, visit: CounterVisit) -> int | None:
        return visits.waiting_seconds(visit)

    def get_handling_seconds(self, visit: CounterVisit) -> int | None:
        return visits.handling_seconds(visit)


class CallSerializer(serializers.Serializer):
    counter = ScopedUnitField(required=False, allow_null=True, help_text="A counter of the hall.")


class EndSerializer(serializers.Serializer):
    ticket = ScopedTicketField(
        required=False, allow_null=True, help_text="The ticket this visit produced, if any."
    )


class NoInputSerializer(serializers.Serializer):
    """A step that takes no input."""


class VisitPermission(BasePermission):
    """Reading needs view_countervisit; an arrival add_countervisit; each step
    change_countervisit."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        needed = [VIEW]
        if view.action == "create":
            needed.append(ADD)
        elif view.action in ("call", "start", "end", "abandon"):
            needed.append(CHANGE)
        return all(user.has_perm(name) for name in needed)


STEP_RESPONSES = {
    200: CounterVisitSerializer,
    400: VALIDATION_ERROR,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: CONFLICT,
}


def step_schema(summary: str, description: str, request: Any, examples: Any = None) -> Any:
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses=STEP_RESPONSES,
        examples=examples or [],
        tags=TAGS,
    )


@extend_schema_view(
    list=extend_schema(
        summary="List counter visits",
        description="Visits of the halls within your scope, newest arrival first.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Get a counter visit",
        responses={200: CounterVisitSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Record an arrival",
        description="A customer took a queue number (取号) at a hall. A number still waiting in "
        "the same hall is refused.",
        responses={201: CounterVisitSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
        examples=[
            OpenApiExample(
                "Number A023 at a hall",
                value={"org_unit": 3, "queue_number": "A023"},
                request_only=True,
            )
        ],
        tags=TAGS,
    ),
)
class CounterVisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CounterVisitSerializer
    permission_classes = [VisitPermission]
    filterset_class = CounterVisitFilterSet
    ordering_fields = ["arrived_at", "called_at", "service_ended_at", "queue_number"]
    ordering = ["-arrived_at", "-id"]
    search_fields: list[str] = []

    def get_queryset(self) -> QuerySet[CounterVisit]:
        return visits.visible_visits(self.request.user).select_related("ticket")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = visits.record_arrival(
            actor=self.request.user,
            org_unit=serializer.validated_data["org_unit"],
            queue_number=serializer.validated_data["queue_number"],
        )

    def _done(self, visit: CounterVisit) -> Response:
        visit = self.get_queryset().get(pk=visit.pk)
        return Response(self.get_serializer(visit).data, status=status.HTTP_200_OK)

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @step_schema(
        "Call a visit",
        "Calls the number to a counter (叫号). Only a waiting visit can be called.",
        CallSerializer,
        [OpenApiExample("To counter 1", value={"counter": 4}, request_only=True)],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def call(self, request: Request, pk: Any = None) -> Response:
        visit = self.get_object()
        data = self._input(CallSerializer)
        visits.call_visit(visit, actor=request.user, counter=data.get("counter"))
        return self._done(visit)

    @step_schema(
        "Start the service",
        "The called customer is at the counter: handling time starts.",
        NoInputSerializer,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def start(self, request: Request, pk: Any = None) -> Response:
        visit = self.get_object()
        visits.start_service(visit, actor=request.user)
        return self._done(visit)

    @step_schema(
        "End the service",
        "Ends the service; link the ticket it produced to put the visit on its timeline.",
        EndSerializer,
        [OpenApiExample("With its ticket", value={"ticket": 42}, request_only=True)],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def end(self, request: Request, pk: Any = None) -> Response:
        visit = self.get_object()
        data = self._input(EndSerializer)
        visits.end_service(visit, actor=request.user, ticket=data.get("ticket"))
        return self._done(visit)

    @step_schema(
        "Mark as gone",
        "The customer left before the service started (过号/弃号).",
        NoInputSerializer,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def abandon(self, request: Request, pk: Any = None) -> Response:
        visit = self.get_object()
        visits.abandon_visit(visit, actor=request.user)
        return self._done(visit)


# For mounting on its own; sqms.servicedesk.api.urls registers the view set on its router.
router = SimpleRouter()
router.register("visits", CounterVisitViewSet, basename="countervisit")
urlpatterns = router.urls
