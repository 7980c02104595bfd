"""Serializers of the notifications API: outbound messages (recipient masked), templates, the
ticket conversation and the reply input."""

from typing import Any

from rest_framework import serializers

from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.notifications.models import NotificationTemplate, OutboundMessage
from sqms.notifications.services import REPLY_MAX_LENGTH


class OutboundMessageSerializer(ModelSerializer):
    ticket_number = serializers.SerializerMethodField()
    recipient = serializers.CharField(source="masked_recipient", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "customer",
            "event",
            "transport",
            "channel",
            "language",
            "recipient",
            "subject",
            "body",
            "status",
            "status_label",
            "attempts",
            "next_attempt_at",
            "last_error",
            "sent_at",
            "provider_reference",
            "created_at",
        ]
        read_only_fields = fields

    def get_ticket_number(self, obj: OutboundMessage) -> str:
        return obj.ticket.number if obj.ticket is not None else ""


class NotificationTemplateSerializer(ModelSerializer):
    class Meta:
        model = NotificationTemplate
        fields = [
            "id",
            "event",
            "transport",
            "language",
            "subject",
            "body",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]


class TemplateUpdateSerializer(ModelSerializer):
    """Event, transport and language identify a template and stay as they are."""

    class Meta:
        model = NotificationTemplate
        fields = ["subject", "body", "is_active"]


class ConversationEntrySerializer(Serializer):
    id = serializers.IntegerField(source="pk")
    side = serializers.CharField(help_text="customer, agent or system")
    event_type = serializers.CharField()
    author = serializers.CharField()
    created_at = serializers.DateTimeField()
    channel = serializers.CharField()
    text = serializers.CharField()
    delivery_status = serializers.CharField(source="status")
    delivery_status_label = serializers.CharField(source="status_label")
    notification = serializers.CharField()


class ReplySerializer(Serializer):
    text = serializers.CharField(max_length=REPLY_MAX_LENGTH, allow_blank=True)

    def validate_text(self, value: Any) -> str:
        return str(value)
