"""REST endpoints of the core app: org units, users, the audit log, API tokens and `me`.

Every queryset is scoped to the requesting user, so an object outside the scope is a 404;
every write goes through a service, which checks the domain's rules and writes the audit log.
"""

from typing import Any, cast

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sqms.core import services, tokens
from sqms.core.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    AuditEventSerializer,
    MeSerializer,
    OrgUnitSerializer,
    UserSerializer,
)
from sqms.core.filtersets import (
    ApiTokenFilterSet,
    AuditEventFilterSet,
    OrgUnitFilterSet,
    UserFilterSet,
)
from sqms.core.models import ApiToken, AuditEvent, OrgUnit, User
from sqms.core.scope import sees_all_units, unit_scope_filter

ERROR_RESPONSE = inline_serializer(
    "ErrorResponse",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(required=False),
    },
)
VALIDATION_ERROR = OpenApiResponse(
    description="Invalid input: an object mapping each field to its messages "
    "(`detail` and `non_field_errors` for errors of the whole request)."
)
NOT_FOUND = OpenApiResponse(
    ERROR_RESPONSE, description="No such object, or it lies outside your org-unit scope."
)
CONFLICT = OpenApiResponse(ERROR_RESPONSE, description="The object's state forbids the action.")


def with_parent_pk(queryset: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """Annotate each unit with its parent's id, found by the materialised path (the parent's
    path is the unit's path minus one step), so a page of units needs no query per row."""
    parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - OrgUnit.steplen)
    parents = OrgUnit.objects.filter(path=parent_path).values("pk")[:1]
    return queryset.annotate(parent_pk=Subquery(parents))


# --- org units -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List org units", description="Units within your scope."),
    retrieve=extend_schema(
        summary="Get an org unit", responses={200: OrgUnitSerializer, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Create an org unit",
        responses={201: OrgUnitSerializer, 400: VALIDATION_ERROR},
        examples=[
            OpenApiExample(
                "A service hall",
                value={
                    "code": "H7",
                    "name": "七号营业厅",
                    "name_en": "Hall 7",
                    "kind": "hall",
                    "time_zone": "Asia/Shanghai",
                    "is_active": True,
                    "parent": 2,
                },
                request_only=True,
            )
        ],
    ),
    update=extend_schema(
        summary="Replace an org unit",
        responses={200: OrgUnitSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change an org unit",
        responses={200: OrgUnitSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
        examples=[OpenApiExample("Deactivate", value={"is_active": False}, request_only=True)],
    ),
    destroy=extend_schema(
        summary="Delete an org unit",
        description="Refused with 409 while the unit has sub-units, members or other records.",
        responses={204: None, 404: NOT_FOUND, 409: CONFLICT},
    ),
)
class OrgUnitViewSet(viewsets.ModelViewSet):
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet
    ordering_fields = ["path", "code", "name", "kind", "created_at"]
    ordering = ["path"]

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return with_parent_pk(OrgUnit.objects.visible_to(self.request.user))

    def perform_create(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        parent = values.pop("parent", None)
        serializer.instance = services.create_org_unit(
            actor=self.request.user, parent=parent, **values
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.update_org_unit(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: OrgUnit) -> None:
        services.delete_org_unit(instance, actor=self.request.user)


# --- users ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List users", description="Users of the units within your scope."),
    retrieve=extend_schema(summary="Get a user", responses={200: UserSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Create a user",
        responses={201: UserSerializer, 400: VALIDATION_ERROR},
        examples=[
            OpenApiExample(
                "A counter clerk",
                value={
                    "username": "wangfang",
                    "first_name": "芳",
                    "last_name": "王",
                    "email": "wangfang@example.com",
                    "org_unit": 3,
                    "employee_number": "E10023",
                    "position": "营业员",
                    "language": "zh-hans",
                    "roles": ["agent"],
                    "password": "a-long-Unusual-passphrase-7",
                },
                request_only=True,
            )
        ],
    ),
    update=extend_schema(
        summary="Replace a user",
        responses={200: UserSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change a user",
        description="Users are never deleted; send `is_active: false` to deactivate one.",
        responses={200: UserSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
        examples=[
            OpenApiExample("Deactivate", value={"is_active": False}, request_only=True),
            OpenApiExample(
                "Change roles", value={"roles": ["agent", "unit_manager"]}, request_only=True
            ),
        ],
    ),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    ordering_fields = ["username", "last_name", "employee_number", "date_joined", "last_login"]
    ordering = ["username"]

    def get_queryset(self) -> QuerySet[User]:
        return (
            User.objects.filter(unit_scope_filter(self.request.user, "org_unit"))
            .select_related("org_unit")
            .prefetch_related("groups")
        )

    def perform_create(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        password = values.pop("password", None)
        roles = values.pop("roles", None)
        serializer.instance = services.create_user(
            actor=self.request.user, password=password, roles=roles, **values
        )

    def perform_update(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        roles = values.pop("roles", None)
        serializer.instance = services.update_user(
            serializer.instance, actor=self.request.user, roles=roles, **values
        )


# --- audit log -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List audit events",
        description="The append-only audit log, newest first. Nobody can change or delete it.",
    ),
    retrieve=extend_schema(
        summary="Get an audit event", responses={200: AuditEventSerializer, 404: NOT_FOUND}
    ),
)
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["seq", "created_at"]
    ordering = ["-seq"]

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.visible_to(self.request.user)


# --- API tokens ----------------------------------------------------------------------------


class ApiTokenAccess(BasePermission):
    """Anyone signed in manages their own tokens; revoking someone else's (within scope)
    needs core.delete_apitoken. Which tokens are visible at all is the queryset's business."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS or obj.user_id == request.user.pk:
            return True
        return bool(request.user.has_perm("core.delete_apitoken"))


@extend_schema_view(
    list=extend_schema(
        summary="List API tokens",
        description="Your own tokens; with core.view_apitoken or core.delete_apitoken also "
        "those of the users within your scope.",
    ),
    retrieve=extend_schema(
        summary="Get an API token", responses={200: ApiTokenSerializer, 404: NOT_FOUND}
    ),
    destroy=extend_schema(
        summary="Revoke an API token",
        description="The token stops working at once; it stays listed with `revoked_at`.",
        responses={204: None, 404: NOT_FOUND},
    ),
)
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApiTokenSerializer
    permission_classes = [ApiTokenAccess]
    filterset_class = ApiTokenFilterSet
    ordering_fields = ["created_at", "last_used_at", "name"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[ApiToken]:
        user = self.request.user
        tokens_qs = ApiToken.objects.select_related("user")
        if not user.is_authenticated:
            return tokens_qs.none()
        if not (user.has_perm("core.view_apitoken") or user.has_perm("core.delete_apitoken")):
            return tokens_qs.filter(user=user)
        if sees_all_units(user):
            # Not `Q(user=user) | Q()`: OR-ing an empty Q drops it instead of matching all.
            return tokens_qs
        return tokens_qs.filter(Q(user=user) | unit_scope_filter(user, "user__org_unit"))

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return ApiTokenCreateSerializer
        return ApiTokenSerializer

    @extend_schema(
        summary="Create an API token",
        description="Creates a token for yourself. The key is returned in this response only; "
        "send it as `Authorization: Token <key>`.",
        request=ApiTokenCreateSerializer,
        responses={201: ApiTokenCreatedSerializer, 400: VALIDATION_ERROR},
        examples=[
            OpenApiExample(
                "Reporting script", value={"name": "nightly report", "expires_in_days": 90}
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = tokens.create_token(
            user=request.user,
            name=serializer.validated_data["name"],
            expires_in_days=serializer.validated_data.get("expires_in_days"),
            actor=request.user,
        )
        token = ApiToken.objects.select_related("user").get(pk=token.pk)
        created = ApiTokenCreatedSerializer(token, context={"request": request, "key": key})
        return Response(created.data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.revoke_token(instance, actor=self.request.user)


# --- the current user ----------------------------------------------------------------------


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Who am I",
        description="The signed-in user's profile, roles and permissions.",
        responses={200: MeSerializer},
    )
    def get(self, request: Request) -> Response:
        user = (
            User.objects.select_related("org_unit")
            .prefetch_related("groups")
            .get(pk=cast(int, request.user.pk))
        )
        return Response(MeSerializer(user, context={"request": request}).data)
