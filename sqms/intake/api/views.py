"""REST endpoints of the intake app: the signed webhook (HMAC is its authentication) and the
administration of mailboxes, integrations and inbound messages (scoped, audited)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.intake import access, services
from sqms.intake.api.serializers import (
    DiscardSerializer,
    InboundMessageSerializer,
    IntegrationSecretSerializer,
    IntegrationSerializer,
    MailboxSerializer,
    WebhookAcceptedSerializer,
)
from sqms.intake.filtersets import (
    InboundMessageFilterSet,
    IntegrationFilterSet,
    MailboxFilterSet,
)
from sqms.intake.models import InboundMessage, Integration, Mailbox
from sqms.intake.webhooks import WebhookPayload, WebhookRefused, receive_webhook

TAGS = ["intake"]


class MailboxViewSet(viewsets.ModelViewSet):
    serializer_class = MailboxSerializer
    filterset_class = MailboxFilterSet
    ordering_fields = ["address", "created_at"]
    ordering = ["address"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Mailbox]:
        return access.visible_mailboxes(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.create_mailbox(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.update_mailbox(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: Mailbox) -> None:
        services.delete_mailbox(instance, actor=self.request.user)


class IntegrationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Integrations; the secret is in the answer to a creation or a rotation only.
    Deactivate with `PATCH {"active": false}`."""

    serializer_class = IntegrationSerializer
    filterset_class = IntegrationFilterSet
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Integration]:
        return access.visible_integrations(self.request.user)

    @extend_schema(responses={201: IntegrationSecretSerializer, 400: VALIDATION_ERROR}, tags=TAGS)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = services.create_integration(actor=request.user, **serializer.validated_data)
        issued.integration.secret = issued.secret
        body = IntegrationSecretSerializer(issued.integration).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.update_integration(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(
        summary="Rotate the secret",
        description="A new secret, shown in this answer only; the old one stops working at once.",
        request=None,
        responses={200: IntegrationSecretSerializer, 404: NOT_FOUND},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request: Request, pk: Any = None) -> Response:
        integration = self.get_object()
        issued = services.rotate_secret(integration, actor=request.user)
        issued.integration.secret = issued.secret
        return Response(IntegrationSecretSerializer(issued.integration).data)


class MessagePermission(BasePermission):
    """Reading needs view; the decisions need the process permission (scope: the service)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.has_perm(access.VIEW_MESSAGE)):
            return False
        if view.action in ("reprocess", "discard"):
            return bool(user.has_perm(services.PROCESS))
        return True


class InboundMessageViewSet(viewsets.ReadOnlyModelViewSet):
    """Inbound messages (e-mail and webhook deliveries) with what became of them."""

    serializer_class = InboundMessageSerializer
    filterset_class = InboundMessageFilterSet
    permission_classes = [MessagePermission]
    ordering_fields = ["created_at", "status"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[InboundMessage]:
        return access.visible_messages(self.request.user)

    def _answer(self, message: InboundMessage) -> Response:
        fresh = access.access_message(self.request.user, message.pk)
        return Response(InboundMessageSerializer(fresh).data)

    @extend_schema(
        summary="Process again",
        request=None,
        responses={200: InboundMessageSerializer, 404: NOT_FOUND, 409: CONFLICT},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def reprocess(self, request: Request, pk: Any = None) -> Response:
        message = access.access_message(request.user, pk, with_raw=True)
        return self._answer(services.reprocess_message(message, actor=request.user))

    @extend_schema(
        summary="Discard (with a reason)",
        request=DiscardSerializer,
        responses={200: InboundMessageSerializer, 400: VALIDATION_ERROR, 409: CONFLICT},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: Any = None) -> Response:
        message = access.access_message(request.user, pk)
        values = DiscardSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        done = services.discard_message(
            message, actor=request.user, reason=values.validated_data["reason"]
        )
        return self._answer(done)


class WebhookView(APIView):
    """`POST /api/intake/<channel>/`: a signed delivery from an integration."""

    # The HMAC signature is the authentication: no session (so no CSRF), no token.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="intake_webhook",
        summary="Deliver a ticket or a customer message (signed webhook)",
        description="Headers: `X-Sqms-Key` (key id), `X-Sqms-Timestamp` (unix seconds, ±300 s), "
        "`X-Sqms-Signature` (hex HMAC-SHA256 of `<timestamp>.<raw body>`), optional "
        "`Idempotency-Key`. 201: processed; 200: the first result for a repeated idempotency "
        "key; 202: stored but not processed (kept for review); 400: invalid payload; 401: bad "
        "key, timestamp or signature; 409: replayed signature; 429: rate limit.",
        parameters=[
            OpenApiParameter("X-Sqms-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, True),
            OpenApiParameter("X-Sqms-Timestamp", OpenApiTypes.STR, OpenApiParameter.HEADER, True),
            OpenApiParameter("X-Sqms-Signature", OpenApiTypes.STR, OpenApiParameter.HEADER, True),
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER),
        ],
        request=WebhookPayload,
        responses={
            200: WebhookAcceptedSerializer,
            201: WebhookAcceptedSerializer,
            202: WebhookAcceptedSerializer,
            400: VALIDATION_ERROR,
            401: OpenApiResponse(description="Unknown key, stale timestamp or bad signature."),
            409: CONFLICT,
            429: OpenApiResponse(description="Too many deliveries for this integration."),
        },
        auth=[],
        tags=TAGS,
    )
    def post(self, request: Request, channel: str) -> Response:
        body = request._request.body
        try:
            result = receive_webhook(
                channel=channel,
                key_id=request.headers.get("X-Sqms-Key", ""),
                timestamp=request.headers.get("X-Sqms-Timestamp", ""),
                signature=request.headers.get("X-Sqms-Signature", ""),
                idempotency_key=request.headers.get("Idempotency-Key", ""),
                body=body,
            )
        except WebhookRefused as refused:
            return Response(refused.body(), status=refused.status)
        return Response(result.body(), status=result.status)
