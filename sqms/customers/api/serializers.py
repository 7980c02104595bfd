"""Serializers of the customers API. Personal data goes in as plaintext (write-only) and comes
out masked only; the plaintext of one field comes back only from the audited reveal action."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sqms.core.api.serializers import ScopedUnitField
from sqms.customers.choices import ConsentPurpose
from sqms.customers.models import Consent, Customer, DestructionLog
from sqms.customers.models.customers import PERSONAL_FIELDS

PERSONAL_HELP = "Stored encrypted; write-only (answers show `{name}_masked`)."


def _personal(name: str, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        trim_whitespace=True,
        help_text=PERSONAL_HELP.format(name=name),
        **kwargs,
    )


class CustomerSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField(
        required=False, help_text="Id of a unit within your scope; empty for your own unit."
    )
    org_unit_name = serializers.CharField(source="org_unit.display_name", read_only=True)
    name = _personal("name", max_length=100)
    phone = _personal("phone", max_length=32)
    phone_alt = _personal("phone_alt", max_length=32)
    id_number = _personal("id_number", max_length=32)
    email = _personal("email", max_length=254)
    address = _personal("address", max_length=500)
    name_masked = serializers.CharField(read_only=True, help_text="张*")
    phone_masked = serializers.CharField(read_only=True, help_text="138****1234")
    phone_alt_masked = serializers.CharField(read_only=True)
    id_number_masked = serializers.CharField(read_only=True, help_text="1101**********1234")
    email_masked = serializers.CharField(read_only=True, help_text="z*******@example.com")
    address_masked = serializers.CharField(read_only=True, help_text="广东省广州市*********")
    age_band = serializers.CharField(read_only=True, help_text="Shown instead of the age.")
    birth_year = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "number",
            "org_unit",
            "org_unit_name",
            *PERSONAL_FIELDS,
            *(f"{name}_masked" for name in PERSONAL_FIELDS),
            "gender",
            "birth_year",
            "age_band",
            "occupation",
            "segment",
            "preferred_channel",
            "service_needs",
            "habits",
            "notes",
            "classification",
            "legal_hold",
            "legal_hold_reason",
            "anonymised_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "number",
            "legal_hold",
            "legal_hold_reason",
            "anonymised_at",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance: Customer) -> dict[str, Any]:
        body = super().to_representation(instance)
        body["age_band"] = instance.age_band()
        for name in PERSONAL_FIELDS:
            body[f"{name}_masked"] = instance.masked(name)
        return body


class ConsentSerializer(serializers.ModelSerializer):
    customer: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    purpose_display = serializers.CharField(source="get_purpose_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "customer",
            "purpose",
            "purpose_display",
            "channel",
            "channel_display",
            "given_at",
            "withdrawn_at",
            "active",
            "note",
        ]
        read_only_fields = ["id", "customer", "withdrawn_at", "active"]


class ConsentCreateSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    channel = serializers.ChoiceField(choices=Consent._meta.get_field("channel").choices)  # type: ignore[arg-type]
    given_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class RevealRequestSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=list(PERSONAL_FIELDS))
    reason = serializers.CharField(max_length=200, help_text="Why you need to see it (audited).")


class RevealResponseSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField(help_text="The plaintext; this reveal is in the audit log.")


class MergeSerializer(serializers.Serializer):
    duplicate = serializers.IntegerField(
        help_text="Id of the record folded into this one (and then deleted)."
    )


class ErasureSerializer(serializers.Serializer):
    confirmation = serializers.CharField(help_text="The customer number, typed again.")
    reason = serializers.CharField(max_length=300, help_text="The request being executed.")


class LegalHoldSerializer(serializers.Serializer):
    hold = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class HistoryEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    kind = serializers.CharField(help_text="ticket, complaint, visit, survey …")
    label = serializers.CharField()  # type: ignore[assignment]
    title = serializers.CharField()
    url = serializers.CharField()
    status = serializers.CharField()
    highlight = serializers.BooleanField(help_text="Complaints are highlighted.")


class HistorySerializer(serializers.Serializer):
    contacts = serializers.IntegerField()
    complaints_12m = serializers.IntegerField()
    last_satisfaction = serializers.SerializerMethodField()
    entries = HistoryEntrySerializer(many=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_last_satisfaction(self, body: dict[str, Any]) -> str:
        return body.get("last_satisfaction") or "—"


class DestructionLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = DestructionLog
        fields = [
            "id",
            "created_at",
            "rule",
            "record_type",
            "action",
            "affected",
            "cutoff",
            "references",
            "erasure",
            "reason",
        ]
        read_only_fields = fields
