"""Serializers of the service desk API: they parse and validate input, the services change
tickets; personal data of customers leaves the API masked only."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.core.api.serializers import OrgUnitSummarySerializer, ScopedUnitField
from sqms.core.masking import mask_name, mask_phone, validate_phone_number
from sqms.core.models import OrgUnit, User
from sqms.customers.api.fields import VisibleCustomerField
from sqms.servicedesk.api.actions import ACTION_CHOICES, actions_for, remaining_minutes
from sqms.servicedesk.choices import Channel, Level, TicketKind
from sqms.servicedesk.models import Category, SlaPolicy, Ticket, TicketEvent
from sqms.servicedesk.sla import clock_for, unknown_holiday_years


def _request_user(serializer: serializers.BaseSerializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- small read-only pieces -----------------------------------------------------------------


class UserSummarySerializer(ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name"]
        read_only_fields = fields


class CategorySummarySerializer(ModelSerializer):
    display_name = serializers.CharField(
        source="__str__", read_only=True, help_text="The name in the request's language."
    )

    class Meta:
        model = Category
        fields = ["id", "code", "name", "name_en", "display_name"]
        read_only_fields = fields


class SlaPolicySummarySerializer(ModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = ["id", "name", "response_minutes", "resolve_minutes", "business_time"]
        read_only_fields = fields


class TicketEventSerializer(ModelSerializer):
    actor = UserSummarySerializer(read_only=True)
    event_type_display = serializers.CharField(source="get_event_type_display", read_only=True)

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "event_type",
            "event_type_display",
            "from_status",
            "to_status",
            "message",
            "customer_visible",
            "data",
        ]
        read_only_fields = fields


class SlaSerializer(Serializer):
    """The ticket's commitments as they stand now."""

    policy = SlaPolicySummarySerializer(allow_null=True, help_text="The matched SLA policy.")
    response_due_at = serializers.DateTimeField(allow_null=True)
    resolve_due_at = serializers.DateTimeField(allow_null=True)
    paused_at = serializers.DateTimeField(
        allow_null=True, help_text="Set while the clock is stopped (waiting for the customer)."
    )
    response_breached = serializers.BooleanField()
    resolve_breached = serializers.BooleanField()
    response_remaining_minutes = serializers.IntegerField(
        allow_null=True,
        help_text="Minutes left until the response is due (negative once overdue), counted "
        "in business time when the policy says so; null when met or not planned.",
    )
    resolve_remaining_minutes = serializers.IntegerField(
        allow_null=True, help_text="As above, for the resolution."
    )
    escalation_level = serializers.IntegerField()
    holiday_data_missing_years = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Years of the SLA window whose statutory holidays are not known yet: due "
        "times there assume plain weekly hours.",
    )


class AllowedActionSerializer(Serializer):
    action = serializers.ChoiceField(choices=ACTION_CHOICES)
    # The metaclass moves declared fields off the class, so this does not shadow Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    url = serializers.CharField(help_text="Where to POST the action.")


# --- tickets --------------------------------------------------------------------------------


class TicketSerializer(ModelSerializer):
    """A ticket as lists show it."""

    org_unit = OrgUnitSummarySerializer(read_only=True)
    handling_department = OrgUnitSummarySerializer(read_only=True)
    category = CategorySummarySerializer(read_only=True)
    first_contact_owner = UserSummarySerializer(read_only=True)
    assignee = UserSummarySerializer(read_only=True)
    customer_name = serializers.SerializerMethodField(help_text="Masked (张*).")
    customer_phone = serializers.SerializerMethodField(help_text="Masked (138****1234).")
    customer: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="Id of the customer record (/api/customers/customers/{id}/)."
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    priority_display = serializers.CharField(source="get_priority_display", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "channel",
            "channel_display",
            "status",
            "status_display",
            "title",
            "category",
            "impact",
            "urgency",
            "priority",
            "priority_display",
            "org_unit",
            "handling_department",
            "first_contact_owner",
            "assignee",
            "customer",
            "customer_name",
            "customer_phone",
            "response_due_at",
            "resolve_due_at",
            "response_breached",
            "resolve_breached",
            "escalation_level",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_customer_name(self, ticket: Ticket) -> str:
        return mask_name(ticket.customer_name)

    @extend_schema_field(OpenApiTypes.STR)
    def get_customer_phone(self, ticket: Ticket) -> str:
        return mask_phone(ticket.customer_phone)


class TicketDetailSerializer(TicketSerializer):
    """One ticket with its timeline, the actions the requesting user may take now and its SLA."""

    resolved_by = UserSummarySerializer(read_only=True)
    verified_by = UserSummarySerializer(read_only=True)
    sla = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    events = TicketEventSerializer(
        many=True, read_only=True, help_text="The timeline, oldest first."
    )

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "description",
            "service_error",
            "service_error_reason",
            "root_cause",
            "resolution",
            "responded_at",
            "resolved_at",
            "resolved_by",
            "verified_at",
            "verified_by",
            "closed_at",
            "response_minutes",
            "resolve_minutes",
            "customer_confirmed",
            "reassignment_count",
            "reopen_count",
            "sla",
            "allowed_actions",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(SlaSerializer)
    def get_sla(self, ticket: Ticket) -> dict[str, Any]:
        now = timezone.now()
        clock = clock_for(ticket)
        return SlaSerializer(
            {
                "policy": ticket.sla_policy,
                "response_due_at": ticket.response_due_at,
                "resolve_due_at": ticket.resolve_due_at,
                "paused_at": ticket.paused_at,
                "response_breached": ticket.response_breached,
                "resolve_breached": ticket.resolve_breached,
                "response_remaining_minutes": remaining_minutes(ticket, "response", now, clock),
                "resolve_remaining_minutes": remaining_minutes(ticket, "resolution", now, clock),
                "escalation_level": ticket.escalation_level,
                "holiday_data_missing_years": unknown_holiday_years(ticket, clock.calendar)
                if clock.business
                else [],
            }
        ).data

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, ticket: Ticket) -> list[dict[str, str]]:
        user = _request_user(self)
        if user is None:
            return []
        return [
            {
                "action": action,
                "label": str(label),
                "url": f"/api/servicedesk/tickets/{ticket.pk}/{action}/",
            }
            for action, label in actions_for(ticket, user)
        ]


def active_categories() -> Any:
    return Category.objects.filter(is_active=True)


@extend_schema_field(OpenApiTypes.INT)
class ActiveCategoryField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        # Lazy: a class attribute is built once, at import, in no request's language.
        "does_not_exist": gettext_lazy("No active problem type with id “{pk_value}”."),
    }

    def get_queryset(self) -> Any:
        return active_categories()


def _validate_phone(value: str) -> None:
    try:
        validate_phone_number(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(list(error.messages)) from error


LEVEL_HELP = "1 high, 2 medium, 3 low."


class TicketCreateSerializer(Serializer):
    """Registration (受理) of a customer contact."""

    kind = serializers.ChoiceField(choices=TicketKind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = ActiveCategoryField(
        required=False, allow_null=True, default=None, help_text="Id of an active problem type."
    )
    org_unit = ScopedUnitField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of a unit within your scope; empty for your own unit.",
    )
    customer_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    customer_phone = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        validators=[_validate_phone],
        help_text="A mainland mobile or landline number; stored encrypted, answered masked.",
    )
    customer = VisibleCustomerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the customer record; empty: found by ID number or phone, else created.",
    )
    customer_id_number = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text="Resident ID number (18 characters) to find or create the customer by.",
    )
    impact = serializers.ChoiceField(
        choices=Level.choices, required=False, default=Level.MEDIUM, help_text=LEVEL_HELP
    )
    urgency = serializers.ChoiceField(
        choices=Level.choices, required=False, default=Level.MEDIUM, help_text=LEVEL_HELP
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the user to hand the ticket to at once (optional).",
    )
    handling_department = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the department to handle it (optional).",
    )


class TicketUpdateSerializer(Serializer):
    """What may be corrected on a registered ticket; everything else changes by an action."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = ActiveCategoryField(required=False, allow_null=True)


# --- action inputs --------------------------------------------------------------------------


class RespondSerializer(Serializer):
    message = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What the customer was told."
    )


class AssignSerializer(Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the user who takes the ticket over.",
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the department that takes the ticket over.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("assignee") is None and attrs.get("department") is None:
            raise serializers.ValidationError(
                {"assignee": [_("Name a user or a department to hand the ticket to.")]}
            )
        return attrs


class EmptySerializer(Serializer):
    """No input."""


class ReasonSerializer(Serializer):
    reason = serializers.CharField(help_text="Why; it goes on the timeline.")


class ResolveSerializer(Serializer):
    resolution = serializers.CharField(help_text="What was done for the customer.")
    root_cause = serializers.CharField(required=False, allow_blank=True, default="")
    service_error = serializers.BooleanField(
        required=False, default=False, help_text="Whether our own service was at fault (服务差错)."
    )
    service_error_reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["service_error"] and not attrs["service_error_reason"].strip():
            raise serializers.ValidationError(
                {"service_error_reason": [_("Give the reason for the service error.")]}
            )
        return attrs


class NoteSerializer(Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FeedbackSerializer(Serializer):
    confirmed = serializers.BooleanField(
        help_text="true: the customer confirms the resolution (the ticket closes); false: "
        "not confirmed (the ticket reopens)."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PrioritySerializer(Serializer):
    impact = serializers.ChoiceField(choices=Level.choices, help_text=LEVEL_HELP)
    urgency = serializers.ChoiceField(choices=Level.choices, help_text=LEVEL_HELP)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CommentSerializer(Serializer):
    text = serializers.CharField()
    customer_visible = serializers.BooleanField(
        required=False, default=False, help_text="Whether the customer may read it."
    )
