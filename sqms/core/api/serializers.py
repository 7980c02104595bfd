"""Serializers of the core API: they parse and validate input; the services make the changes."""

from typing import Any
from zoneinfo import available_timezones

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.core.masking import mask_phone
from sqms.core.models import ApiToken, AuditEvent, OrgUnit, User
from sqms.core.roles import ROLE_LABELS, ROLE_PERMISSIONS
from sqms.core.scope import sees_all_units


def _request_user(serializer: serializers.BaseSerializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


@extend_schema_field(OpenApiTypes.INT)
class ScopedUnitField(serializers.PrimaryKeyRelatedField):
    """An org unit chosen by id, among the units the requesting user sees only: a unit outside
    the scope is answered exactly like a unit that does not exist."""

    def get_queryset(self) -> Any:
        user = _request_user(self.parent) if self.parent is not None else None
        if user is None:
            return OrgUnit.objects.none()
        return OrgUnit.objects.visible_to(user)


class OrgUnitSummarySerializer(ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "name_en"]
        read_only_fields = fields


# --- org units -----------------------------------------------------------------------------


class OrgUnitSerializer(ModelSerializer):
    # Declared fields are moved off the class, so this does not shadow Field.parent.
    parent = ScopedUnitField(  # type: ignore[assignment]
        required=False,
        allow_null=True,
        help_text="Id of the parent unit; set on creation only (a unit is not moved by update).",
    )

    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "kind",
            "time_zone",
            "is_active",
            "parent",
            "depth",
            "path",
            "created_at",
        ]
        read_only_fields = ["id", "depth", "path", "created_at"]

    def to_representation(self, instance: OrgUnit) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["parent"] = parent_id_of(instance)
        return data

    def validate_time_zone(self, value: str) -> str:
        if value not in available_timezones():
            raise serializers.ValidationError(_("Unknown time zone."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "parent" in attrs:
            current = parent_id_of(self.instance)
            wanted = attrs["parent"].pk if attrs["parent"] is not None else None
            if wanted != current:
                raise serializers.ValidationError(
                    {"parent": [_("An org unit cannot be moved by editing it.")]}
                )
            del attrs["parent"]
        return attrs


def parent_id_of(unit: OrgUnit) -> int | None:
    """The parent's id: annotated by the list query (`parent_pk`), else looked up."""
    if hasattr(unit, "parent_pk"):
        return unit.parent_pk
    parent = OrgUnit.objects.get_parent(unit)
    return parent.pk if parent is not None else None


# --- users ---------------------------------------------------------------------------------


class UserSerializer(ModelSerializer):
    org_unit = ScopedUnitField(allow_null=True, required=False)
    org_unit_detail = OrgUnitSummarySerializer(source="org_unit", read_only=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    mobile = serializers.SerializerMethodField(
        help_text="Masked (138****1234); the number itself is personal data, revealed only "
        "with a permission and an audit entry."
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ROLE_PERMISSIONS)),
        required=False,
        help_text="Role names; the list replaces the user's roles.",
    )
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=False,
        style={"input_type": "password"},
        trim_whitespace=False,
        help_text="Initial password (on creation only). Without one the user cannot log in "
        "with a password until it is set.",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "mobile",
            "org_unit",
            "org_unit_detail",
            "employee_number",
            "position",
            "hire_date",
            "language",
            "is_active",
            "roles",
            "password",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["id", "last_login", "date_joined"]

    def to_representation(self, instance: User) -> dict[str, Any]:
        data = super().to_representation(instance)
        # From the prefetched groups, so a page of users costs one query for all roles.
        data["roles"] = sorted(instance.role_names)
        return data

    @extend_schema_field(OpenApiTypes.STR)
    def get_mobile(self, user: User) -> str:
        return mask_phone(user.mobile)

    def validate_roles(self, value: list[str]) -> list[str]:
        return sorted(set(value))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        password = attrs.get("password")
        if self.instance is not None and password is not None:
            raise serializers.ValidationError(
                {"password": [_("A password is set only when the user is created.")]}
            )
        if password is not None:
            values = {k: v for k, v in attrs.items() if k not in {"password", "roles"}}
            try:
                password_validation.validate_password(password, user=User(**values))
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs


# --- audit log -----------------------------------------------------------------------------


class AuditEventSerializer(ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "seq",
            "created_at",
            "actor",
            "actor_repr",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "org_unit",
            "ip",
            "before",
            "after",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


# --- API tokens ----------------------------------------------------------------------------


class ApiTokenSerializer(ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "user",
            "username",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_active(self, token: ApiToken) -> bool:
        if token.revoked_at is not None:
            return False
        return token.expires_at is None or token.expires_at > timezone.now()


class ApiTokenCreateSerializer(Serializer):
    name = serializers.CharField(max_length=100, help_text="What the token is for.")
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=3650,
        help_text="Days until the token expires; empty for a token that does not expire.",
    )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.SerializerMethodField(
        help_text="The secret key. It is shown only in this response and cannot be recovered."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_key(self, token: ApiToken) -> str:
        return str(self.context["key"])


# --- the current user ----------------------------------------------------------------------


class RoleSerializer(Serializer):
    name = serializers.CharField()
    # The metaclass moves declared fields off the class, so this does not shadow Field.label.
    label = serializers.CharField()  # type: ignore[assignment]


class MeSerializer(ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    org_unit = OrgUnitSummarySerializer(read_only=True)
    roles = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    sees_all_units = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "employee_number",
            "position",
            "language",
            "org_unit",
            "is_superuser",
            "roles",
            "permissions",
            "sees_all_units",
            "last_login",
        ]
        read_only_fields = fields

    @extend_schema_field(RoleSerializer(many=True))
    def get_roles(self, user: User) -> list[dict[str, str]]:
        return [
            {"name": name, "label": str(ROLE_LABELS.get(name, name))}
            for name in sorted(user.role_names)
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_permissions(self, user: User) -> list[str]:
        return sorted(user.get_all_permissions())

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_sees_all_units(self, user: User) -> bool:
        return sees_all_units(user)
