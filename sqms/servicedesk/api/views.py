"""REST endpoints for tickets: list, detail, registration, corrections, and one POST endpoint
per action of the service loop.

Tickets are fetched within the requesting user's scope only (an out-of-scope ticket is a
404); every change is made by a service in sqms.servicedesk.services, which checks the
domain's rules, writes the timeline and the audit log, and raises DomainError (400) or
ConflictError (409) without changing anything when it refuses.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.core.errors import DomainError
from sqms.servicedesk import services
from sqms.servicedesk.access import access_ticket, visible_tickets
from sqms.servicedesk.api.actions import ACTIONS_BY_SLUG
from sqms.servicedesk.api.attachments import TicketAttachmentsMixin
from sqms.servicedesk.api.serializers import (
    AssignSerializer,
    CommentSerializer,
    EmptySerializer,
    FeedbackSerializer,
    NoteSerializer,
    PrioritySerializer,
    ReasonSerializer,
    ResolveSerializer,
    RespondSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketEventSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.corrections import ticket_version, update_ticket
from sqms.servicedesk.filtersets import TicketFilterSet
from sqms.servicedesk.models import Ticket, TicketEvent

VIEW = "servicedesk.view_ticket"
ADD = "servicedesk.add_ticket"
CHANGE = "servicedesk.change_ticket"
ADD_ATTACHMENT = "servicedesk.add_attachment"

TAGS = ["tickets"]
FORBIDDEN = OpenApiResponse(description="You lack the permission for this action.")


class TicketPermission(BasePermission):
    """Reading needs view_ticket; registering add_ticket; every change change_ticket, except
    verification and sending back, which need verify_ticket (and comments, either). The scope
    is the queryset's and access_ticket's business."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.has_perm(VIEW)):
            return False
        needed = view.required_permissions()
        return not needed or any(user.has_perm(name) for name in needed)


def _list_queryset(user: Any) -> QuerySet[Ticket]:
    # visible_tickets joins what a list row shows (access.LIST_RELATED).
    return visible_tickets(user)


ACTION_RESPONSES = {
    200: TicketDetailSerializer,
    400: VALIDATION_ERROR,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: CONFLICT,
}


def action_schema(
    summary: str, description: str, request: Any, examples: list[OpenApiExample] | None = None
) -> Callable[[Any], Any]:
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses=ACTION_RESPONSES,
        examples=examples or [],
        tags=TAGS,
    )


@extend_schema_view(
    list=extend_schema(
        summary="List tickets",
        description="Tickets of the units within your scope, newest first, with filters. "
        "Customer name and phone are masked; `customer_phone` finds an exact number.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Get a ticket",
        description="The ticket with its timeline, its SLA commitments and the actions you may "
        "take on it now.",
        responses={200: TicketDetailSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Register a ticket",
        description="Registers (受理) a customer contact: numbers it, sets its priority from the "
        "impact × urgency matrix, plans its SLA and starts its timeline. You become its "
        "first-contact owner (首问负责人).",
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
        tags=TAGS,
        examples=[
            OpenApiExample(
                "A complaint at the counter",
                value={
                    "kind": "complaint",
                    "channel": "counter",
                    "title": "宽带报装两周未上门",
                    "description": "客户称两周前办理宽带新装，至今无人上门安装。",
                    "category": 2,
                    "customer_name": "李四",
                    "customer_phone": "13812341234",
                    "impact": 2,
                    "urgency": 1,
                },
                request_only=True,
            ),
            OpenApiExample(
                "A phone consultation",
                value={
                    "kind": "consultation",
                    "channel": "phone",
                    "title": "Roaming charges in Hong Kong",
                },
                request_only=True,
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Correct a ticket",
        description="Changes title, description or problem type (fields left out stay); "
        "everything else changes through an action. Refused (409) once the ticket is closed. "
        "Send the ETag of the ticket you read as `If-Match` and a change made meanwhile by "
        "someone else is refused (409, code `stale`) instead of being overwritten.",
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="The ETag of the ticket as you read it.",
            )
        ],
        request=TicketUpdateSerializer,
        responses={
            200: TicketDetailSerializer,
            400: VALIDATION_ERROR,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        tags=TAGS,
        examples=[
            OpenApiExample("Reclassify", value={"category": 5}, request_only=True),
        ],
    ),
)
class TicketViewSet(
    TicketAttachmentsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [TicketPermission]
    filterset_class = TicketFilterSet
    ordering_fields = [
        "created_at",
        "number",
        "priority",
        "status",
        "response_due_at",
        "resolve_due_at",
    ]
    ordering = ["-created_at"]
    # PUT is not offered: a ticket is corrected field by field (PATCH) or moved by actions.
    http_method_names = ["get", "post", "patch", "head", "options"]

    def required_permissions(self) -> tuple[str, ...]:
        """Besides view_ticket, the permissions of which the user needs one (none: reading)."""
        name = self.action or ""
        if name in {"list", "retrieve", "metadata"} or (
            name == "comments" and self.request.method == "GET"
        ):
            return ()
        if name == "create":
            return (ADD,)
        if name in {"attachments", "attachment"}:
            # Reading goes with the ticket; adding a file needs its own permission.
            return () if self.request.method == "GET" else (ADD_ATTACHMENT,)
        offered = ACTIONS_BY_SLUG.get(name.replace("_", "-"))
        return offered.permissions if offered is not None else (CHANGE,)

    def get_queryset(self) -> QuerySet[Ticket]:
        queryset = _list_queryset(self.request.user)
        if self.action == "retrieve":
            queryset = detail_queryset(queryset)
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return TicketDetailSerializer
        if self.action == "partial_update":
            return TicketUpdateSerializer
        if self.action == "create":
            return TicketCreateSerializer
        return TicketSerializer

    # --- helpers ---------------------------------------------------------------------------

    def _ticket(self, pk: Any) -> Ticket:
        """The ticket within the requesting user's scope, or 404."""
        return access_ticket(self.request.user, pk)

    def _detail(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        fresh = detail_queryset(_list_queryset(self.request.user)).get(pk=ticket.pk)
        body = TicketDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(body, status=code)

    def _act(
        self,
        request: Request,
        pk: Any,
        input_serializer: type[serializers.Serializer],
        perform: Callable[[Ticket, dict[str, Any]], Any],
    ) -> Response:
        ticket = self._ticket(pk)
        data = input_serializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        result = perform(ticket, dict(data.validated_data))
        return self._detail(result if isinstance(result, Ticket) else ticket)

    # --- create and correct ----------------------------------------------------------------

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = TicketCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        try:
            ticket = services.register_ticket(actor=request.user, **data.validated_data)
        except DomainError as error:
            # The service names the handling department "department", as assign_ticket does.
            if error.field == "department":
                error.field = "handling_department"
            raise
        # The service hands back the ticket with its relations in memory: serialise it as it is
        # rather than reading it again (registration is the hot path of a service hall).
        prefetch_related_objects([ticket], timeline())
        body = TicketDetailSerializer(ticket, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self._ticket(kwargs["pk"])
        data = TicketUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        if_match = request.headers.get("If-Match", "").strip()
        expected = if_match.removeprefix("W/").strip('"') if if_match else None
        ticket = update_ticket(
            ticket, actor=request.user, expected_version=expected, **data.validated_data
        )
        return self._detail(ticket)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        # A ticket in a response carries its version, for If-Match on the next change.
        data = getattr(response, "data", None)
        updated_at = data.get("updated_at") if isinstance(data, dict) else None
        moment = (
            parse_datetime(str(updated_at)) if updated_at and response.status_code < 300 else None
        )
        if moment is not None:
            response["ETag"] = f'"{ticket_version(moment)}"'
        return super().finalize_response(request, response, *args, **kwargs)

    # --- actions ---------------------------------------------------------------------------

    @action_schema(
        "Respond",
        "Records the first response to the customer (响应); stops the response clock.",
        RespondSerializer,
        [
            OpenApiExample(
                "Called back",
                value={"message": "已致电客户，说明处理流程。"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            RespondSerializer,
            lambda t, v: services.respond_to_ticket(t, actor=request.user, **v),
        )

    @action_schema(
        "Assign or transfer",
        "Hands the ticket to a user and/or a department; the first-contact owner is notified.",
        AssignSerializer,
        [
            OpenApiExample(
                "To the network team",
                value={"department": 7, "assignee": 42, "note": "需上门检测线路"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            AssignSerializer,
            lambda t, v: services.assign_ticket(t, actor=request.user, **v),
        )

    @action_schema("Start handling", "Moves the ticket to in progress (处理).", EmptySerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request, pk, EmptySerializer, lambda t, v: services.start_ticket(t, actor=request.user)
        )

    @action_schema(
        "Wait for the customer",
        "Pauses the ticket (waiting_customer); the SLA clock stops until it is resumed.",
        ReasonSerializer,
        [
            OpenApiExample(
                "Awaiting documents",
                value={"reason": "等待客户补充身份证复印件"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            ReasonSerializer,
            lambda t, v: services.pause_ticket(t, actor=request.user, **v),
        )

    @action_schema(
        "Resume",
        "Resumes a paused ticket; its due times move by the time it waited.",
        EmptySerializer,
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request, pk, EmptySerializer, lambda t, v: services.resume_ticket(t, actor=request.user)
        )

    @action_schema(
        "Resolve",
        "Records the resolution; a resolution text is required.",
        ResolveSerializer,
        [
            OpenApiExample(
                "Fixed on site",
                value={
                    "resolution": "已上门完成宽带安装并测速正常。",
                    "root_cause": "派单系统漏派",
                    "service_error": True,
                    "service_error_reason": "受理后未及时派单",
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            ResolveSerializer,
            lambda t, v: services.resolve_ticket(t, actor=request.user, **v),
        )

    @action_schema(
        "Verify",
        "Confirms the resolution (验证); must be someone other than the resolver. Needs "
        "servicedesk.verify_ticket.",
        NoteSerializer,
        [OpenApiExample("Checked", value={"note": "回访确认已恢复"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            NoteSerializer,
            lambda t, v: services.verify_resolution(t, actor=request.user, **v),
        )

    @action_schema(
        "Send back",
        "Refuses the resolution; the ticket returns to in progress. Needs "
        "servicedesk.verify_ticket.",
        ReasonSerializer,
        [OpenApiExample("Incomplete", value={"reason": "未说明资费退还情况"}, request_only=True)],
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            ReasonSerializer,
            lambda t, v: services.send_back_resolution(t, actor=request.user, **v),
        )

    @action_schema(
        "Record customer feedback",
        "Confirmed: the ticket closes (归档). Not confirmed: it reopens.",
        FeedbackSerializer,
        [
            OpenApiExample("Satisfied", value={"confirmed": True}, request_only=True),
            OpenApiExample(
                "Not solved",
                value={"confirmed": False, "note": "客户称仍无法上网"},
                request_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            FeedbackSerializer,
            lambda t, v: services.record_feedback(t, actor=request.user, **v),
        )

    @action_schema(
        "Close",
        "Archives a verified ticket without customer feedback (e.g. no answer in time).",
        NoteSerializer,
        [OpenApiExample("No answer", value={"note": "三次回访未接通"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            NoteSerializer,
            lambda t, v: services.close_ticket(t, actor=request.user, **v),
        )

    @action_schema(
        "Reopen",
        "Reopens a resolved, verified or closed ticket.",
        ReasonSerializer,
        [OpenApiExample("Recurred", value={"reason": "故障复现"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            ReasonSerializer,
            lambda t, v: services.reopen_ticket(t, actor=request.user, **v),
        )

    @action_schema(
        "Change priority",
        "Sets impact and urgency; the priority follows the matrix and the due times are "
        "planned again (recorded on the timeline).",
        PrioritySerializer,
        [
            OpenApiExample(
                "Escalated by the customer",
                value={"impact": 1, "urgency": 1, "reason": "影响整栋楼宇"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def priority(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            PrioritySerializer,
            lambda t, v: services.change_priority(t, actor=request.user, **v),
        )

    @extend_schema(
        methods=["GET"],
        summary="List comments",
        description="The ticket's comments, oldest first.",
        request=None,
        responses={200: TicketEventSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        tags=TAGS,
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a comment",
        description="An internal note, or one the customer may read (`customer_visible`).",
        request=CommentSerializer,
        responses={
            201: TicketEventSerializer,
            400: VALIDATION_ERROR,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        examples=[
            OpenApiExample(
                "Internal note",
                value={"text": "已联系装维班组长", "customer_visible": False},
                request_only=True,
            )
        ],
        tags=TAGS,
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def comments(self, request: Request, pk: Any = None) -> Response:
        ticket = self._ticket(pk)
        if request.method == "GET":
            events = (
                TicketEvent.objects.filter(ticket=ticket, event_type=EventType.COMMENT)
                .select_related("actor")
                .order_by("created_at", "id")
            )
            page = self.paginate_queryset(events)
            rows = TicketEventSerializer(page, many=True, context=self.get_serializer_context())
            return self.get_paginated_response(rows.data)
        data = CommentSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        event = services.add_comment(ticket, actor=request.user, **data.validated_data)
        event = TicketEvent.objects.select_related("actor").get(pk=event.pk)
        body = TicketEventSerializer(event, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


def timeline() -> Prefetch:
    return Prefetch("events", queryset=TicketEvent.objects.select_related("actor"))


def detail_queryset(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.select_related("sla_policy", "resolved_by", "verified_by").prefetch_related(
        timeline()
    )
