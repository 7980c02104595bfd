"""Serializers of the intake API: mailboxes, integrations and inbound messages."""

from typing import ClassVar

from rest_framework import serializers

from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.core.models import OrgUnit
from sqms.intake.models import InboundMessage, Integration, Mailbox


class MailboxSerializer(ModelSerializer):
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())

    class Meta:
        model = Mailbox
        fields = [
            "id",
            "address",
            "name",
            "org_unit",
            "default_kind",
            "is_default",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is the service's rule (a DomainError on "address"), checked once.
        extra_kwargs: ClassVar[dict[str, dict]] = {"address": {"validators": []}}


class IntegrationSerializer(ModelSerializer):
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())

    class Meta:
        model = Integration
        fields = [
            "id",
            "name",
            "channel",
            "key_id",
            "org_unit",
            "default_kind",
            "rate_limit_per_minute",
            "active",
            "secret_rotated_at",
            "created_at",
        ]
        read_only_fields = ["key_id", "secret_rotated_at", "created_at"]


class IntegrationSecretSerializer(IntegrationSerializer):
    """The integration with its secret: only in the answer to a creation or a rotation."""

    secret = serializers.CharField(read_only=True)

    class Meta(IntegrationSerializer.Meta):
        fields = [*IntegrationSerializer.Meta.fields, "secret"]


class InboundMessageSerializer(ModelSerializer):
    sender = serializers.CharField(source="sender_masked", read_only=True)
    ticket_number = serializers.SerializerMethodField()

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "source",
            "status",
            "reason",
            "error",
            "org_unit",
            "mailbox",
            "integration",
            "sender",
            "recipient",
            "subject",
            "message_id",
            "ticket",
            "ticket_number",
            "event",
            "refused_attachments",
            "size",
            "attempts",
            "created_at",
            "processed_at",
        ]
        read_only_fields = fields

    def get_ticket_number(self, message: InboundMessage) -> str | None:
        return message.ticket.number if message.ticket is not None else None


class DiscardSerializer(Serializer):
    reason = serializers.CharField(max_length=300)


class WebhookAcceptedSerializer(Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    ticket_number = serializers.CharField(allow_null=True)
    event_id = serializers.IntegerField(allow_null=True)
