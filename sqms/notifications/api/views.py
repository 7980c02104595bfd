"""REST endpoints of customer notifications, mounted at /api/notifications/: outbound messages
(list, detail, retry), notification templates (CRUD for admins and quality managers), and a
ticket's conversation with the reply to the customer.

Messages are fetched within the requesting user's scope only (404 outside it); every change is
made by a service in sqms.notifications.services, which refuses with DomainError (400) or
ConflictError (409) and changes nothing.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sqms.core.api.permissions import ModelPermissions
from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.notifications import conversation, services
from sqms.notifications.access import VIEW_MESSAGE, access_message, visible_messages
from sqms.notifications.api.serializers import (
    ConversationEntrySerializer,
    NotificationTemplateSerializer,
    OutboundMessageSerializer,
    ReplySerializer,
    TemplateUpdateSerializer,
)
from sqms.notifications.filtersets import NotificationTemplateFilterSet, OutboundMessageFilterSet
from sqms.notifications.models import NotificationTemplate, OutboundMessage

TAGS = ["notifications"]


class MessagePermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(VIEW_MESSAGE))


@extend_schema_view(
    list=extend_schema(
        summary="List outbound messages",
        description="Customer notifications and replies of the tickets in your scope, newest "
        "first, with delivery status; filter by status, event, transport and ticket.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Get an outbound message",
        responses={200: OutboundMessageSerializer, 404: NOT_FOUND},
        tags=TAGS,
    ),
)
class OutboundMessageViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [MessagePermission]
    serializer_class = OutboundMessageSerializer
    filterset_class = OutboundMessageFilterSet
    ordering_fields = ["created_at", "status", "next_attempt_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[OutboundMessage]:
        return visible_messages(self.request.user)

    @extend_schema(
        summary="Send a failed message again",
        description="A failed or given-up message is queued again with a fresh round of "
        "attempts (needs the resend permission).",
        request=None,
        responses={
            200: OutboundMessageSerializer,
            403: VALIDATION_ERROR,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: Any = None) -> Response:
        message = access_message(request.user, pk)
        services.retry_message(message, actor=request.user)
        fresh = access_message(request.user, pk)
        return Response(OutboundMessageSerializer(fresh).data)


@extend_schema_view(
    list=extend_schema(summary="List notification templates", tags=TAGS),
    retrieve=extend_schema(summary="Get a notification template", tags=TAGS),
    create=extend_schema(
        summary="Add a notification template",
        description="One template per event, transport and language; Django template syntax "
        "over number, title, customer_name, status, due_time, department, tracking_link, "
        "survey_link and message. A template that does not render is refused (400).",
        responses={201: NotificationTemplateSerializer, 400: VALIDATION_ERROR},
        tags=TAGS,
    ),
    update=extend_schema(
        summary="Change a notification template",
        request=TemplateUpdateSerializer,
        responses={200: NotificationTemplateSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Change a notification template",
        request=TemplateUpdateSerializer,
        responses={200: NotificationTemplateSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
        tags=TAGS,
    ),
    destroy=extend_schema(summary="Delete a notification template", tags=TAGS),
)
class NotificationTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ModelPermissions]
    serializer_class = NotificationTemplateSerializer
    filterset_class = NotificationTemplateFilterSet
    queryset = NotificationTemplate.objects.all()
    ordering = ["event", "transport", "language"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = NotificationTemplateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.create_template(actor=request.user, **data.validated_data)
        return Response(
            NotificationTemplateSerializer(template).data, status=status.HTTP_201_CREATED
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = self.get_object()
        data = TemplateUpdateSerializer(
            template, data=request.data, partial=kwargs.get("partial", False)
        )
        data.is_valid(raise_exception=True)
        changed = services.update_template(template, actor=request.user, **data.validated_data)
        return Response(NotificationTemplateSerializer(changed).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_template(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="A ticket's conversation with the customer",
        description="One thread, oldest first: the customer's messages on every channel, "
        "replies, automatic notifications (with delivery status) and comments shown to the "
        "customer.",
        responses={200: ConversationEntrySerializer(many=True), 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        from sqms.servicedesk.access import access_ticket

        ticket = access_ticket(request.user, pk)
        entries = conversation.thread(ticket)
        return Response(ConversationEntrySerializer(entries, many=True).data)


class ReplyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Reply to the customer",
        description="Writes a reply on the ticket's timeline (visible to the customer) and "
        "sends it on the channel the customer used; returns the updated conversation.",
        request=ReplySerializer,
        responses={
            201: ConversationEntrySerializer(many=True),
            400: VALIDATION_ERROR,
            403: VALIDATION_ERROR,
            404: NOT_FOUND,
        },
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        from sqms.servicedesk.access import access_ticket

        ticket = access_ticket(request.user, pk)
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reply_to_customer(ticket, actor=request.user, text=data.validated_data["text"])
        entries = conversation.thread(ticket)
        return Response(
            ConversationEntrySerializer(entries, many=True).data, status=status.HTTP_201_CREATED
        )
