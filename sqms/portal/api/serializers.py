"""Serializers of the portal API: a submission, a look-up and the public view of a ticket."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sqms.core.api.base_serializers import Serializer
from sqms.core.choices import Language
from sqms.core.masking import is_mobile_number
from sqms.portal import services
from sqms.servicedesk.choices import TicketKind


class UnitSerializer(Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class ChoiceSerializer(Serializer):
    value = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]


class PortalFormSerializer(Serializer):
    form_token = serializers.CharField(read_only=True)
    min_fill_seconds = serializers.IntegerField(read_only=True)
    kinds = ChoiceSerializer(many=True, read_only=True)
    languages = ChoiceSerializer(many=True, read_only=True)
    units = UnitSerializer(many=True, read_only=True)


class SubmissionSerializer(Serializer):
    kind = serializers.ChoiceField(choices=TicketKind.choices)
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=services.public_units(),
        help_text=_("A service hall or call centre, from GET form/."),
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=services.DESCRIPTION_MAX)
    customer_name = serializers.CharField(max_length=services.NAME_MAX)
    customer_phone = serializers.CharField(max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Language.choices, required=False, default="")
    consent = serializers.BooleanField(
        help_text=_("Consent to process the data for this request; must be true.")
    )
    form_token = serializers.CharField(help_text=_("From GET form/, at least a few seconds old."))
    website = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Leave empty.")
    )

    def validate_customer_phone(self, value: str) -> str:
        if not is_mobile_number(value):
            raise serializers.ValidationError(
                _("Enter a mainland mobile number of 11 digits, e.g. 13812345678.")
            )
        return value.strip()

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("We need your consent to handle this request."))
        return value

    def submission(self) -> services.Submission:
        data: dict[str, Any] = self.validated_data
        return services.Submission(
            kind=data["kind"],
            org_unit=data["org_unit"],
            title=data["title"],
            description=data["description"],
            customer_name=data["customer_name"],
            customer_phone=data["customer_phone"],
            email=data.get("email") or "",
            language=data.get("language") or "",
            consent=bool(data["consent"]),
            form_token=data["form_token"],
            honeypot=data.get("website") or "",
        )


class SubmittedSerializer(Serializer):
    number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(read_only=True)
    due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    tracking_url = serializers.URLField(read_only=True)


class TrackSerializer(Serializer):
    number = serializers.CharField(max_length=32)
    phone = serializers.CharField(max_length=32)


class PublicLineSerializer(Serializer):
    at = serializers.DateTimeField(read_only=True)
    kind = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    text = serializers.CharField(read_only=True)


class PublicTicketSerializer(Serializer):
    number = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    unit_name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(read_only=True)
    due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    can_confirm = serializers.BooleanField(read_only=True)
    can_report_not_solved = serializers.BooleanField(read_only=True)
    can_message = serializers.BooleanField(read_only=True)
    survey_url = serializers.CharField(read_only=True, allow_null=True)
    tracking_url = serializers.URLField(read_only=True)
    timeline = PublicLineSerializer(many=True, read_only=True)
