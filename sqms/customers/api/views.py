"""REST endpoints of the customers app: CRUD (masked), exact look-up through the blind
indexes, one history, audited reveal, duplicates and merge, erasure, legal hold, consents."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.core.errors import DomainError
from sqms.customers import history, retention, services
from sqms.customers.access import access_customer, visible_customers
from sqms.customers.api.serializers import (
    ConsentCreateSerializer,
    ConsentSerializer,
    CustomerSerializer,
    DestructionLogSerializer,
    ErasureSerializer,
    HistorySerializer,
    LegalHoldSerializer,
    MergeSerializer,
    RevealRequestSerializer,
    RevealResponseSerializer,
)
from sqms.customers.filtersets import CustomerFilterSet
from sqms.customers.models import Consent, Customer

TAGS = ["customers"]
FORBIDDEN = OpenApiResponse(description="You lack the permission for this action.")
VIEW = "customers.view_customer"
EXAMPLE_CUSTOMER = {
    "org_unit": 3,
    "name": "王芳",
    "phone": "13912345678",
    "id_number": "11010519491231002X",
    "email": "wangfang@example.com",
    "address": "北京市朝阳区建国路88号",
    "gender": "female",
    "occupation": "教师",
    "segment": "gold",
    "preferred_channel": "phone",
    "service_needs": "宽带与固话合约",
    "habits": "工作日晚上方便接听电话",
    "classification": "sensitive",
}


class ViewThenService(BasePermission):
    """The actions below need only the view permission here; the services check the rest
    (reveal, merge, erase, hold each have their own permission)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(VIEW))


def _customer_or_404(request: Request, pk: Any) -> Customer:
    return access_customer(request.user, pk)


@extend_schema_view(
    list=extend_schema(
        summary="List customers",
        description="Customers of the units within your scope, newest first. Personal data is "
        "masked; `phone`, `id_number` and `email` find an exact value through the blind index.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Get a customer",
        responses={200: CustomerSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Create a customer",
        description="Phone numbers must be mainland mobile or landline numbers; the resident ID "
        "number is checked (length, birth date, GB 11643 check digit).",
        responses={201: CustomerSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
        examples=[OpenApiExample("A customer", value=EXAMPLE_CUSTOMER, request_only=True)],
        tags=TAGS,
    ),
    update=extend_schema(
        summary="Replace a customer's profile",
        responses={200: CustomerSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Change a customer's profile",
        responses={200: CustomerSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND},
        examples=[OpenApiExample("New mobile", value={"phone": "13700001111"}, request_only=True)],
        tags=TAGS,
    ),
    destroy=extend_schema(
        summary="Delete a customer",
        description="Only a record without tickets or visits (else 409: merge or erase it).",
        responses={204: None, 404: NOT_FOUND, 409: CONFLICT},
        tags=TAGS,
    ),
)
class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    ordering_fields = ["number", "created_at", "segment", "classification"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Customer]:
        return visible_customers(self.request.user)

    def get_permissions(self) -> Any:
        if self.action in self.SERVICE_CHECKED:
            return [ViewThenService()]
        return super().get_permissions()

    SERVICE_CHECKED = {
        "lookup",
        "history",
        "reveal",
        "duplicates",
        "merge",
        "erase",
        "legal_hold",
    }

    def perform_create(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        unit = values.pop("org_unit", None)
        serializer.instance = services.create_customer(
            actor=self.request.user, org_unit=unit, **values
        )

    def perform_update(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        unit = values.pop("org_unit", None)
        serializer.instance = services.update_customer(
            serializer.instance, actor=self.request.user, org_unit=unit, **values
        )

    def perform_destroy(self, instance: Customer) -> None:
        services.delete_customer(instance, actor=self.request.user)

    @extend_schema(
        summary="Look up customers by phone, ID number or e-mail",
        description="Exact match after normalisation (+86 138-1234-1234 = 13812341234), "
        "through the blind indexes: one indexed query. Within your scope only.",
        parameters=[
            OpenApiParameter(
                "phone",
                OpenApiTypes.STR,
                examples=[OpenApiExample("Mobile", value="+86 139-1234-5678")],
            ),
            OpenApiParameter("id_number", OpenApiTypes.STR),
            OpenApiParameter("email", OpenApiTypes.STR),
        ],
        responses={200: CustomerSerializer(many=True), 400: VALIDATION_ERROR},
        tags=TAGS,
    )
    @action(detail=False, methods=["get"], pagination_class=None)  # at most 20, no pages
    def lookup(self, request: Request) -> Response:
        values = {
            key: request.query_params.get(key, "").strip()
            for key in ("phone", "id_number", "email")
        }
        if not any(values.values()):
            raise DomainError(
                _("Give a phone, ID number or e-mail to look up."), field="phone", code="required"
            )
        rows = services.lookup_customers(visible_customers(request.user), **values)[:20]
        return Response(CustomerSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        summary="A customer's history",
        description="Tickets (complaints highlighted), visits and survey answers in one "
        "timeline, newest first, with the counts an agent reads before serving.",
        responses={200: HistorySerializer, 404: NOT_FOUND},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: Any = None) -> Response:
        customer = _customer_or_404(request, pk)
        counts = history.counts(customer, request.user)
        body = {
            "contacts": counts.contacts,
            "complaints_12m": counts.complaints_12m,
            "last_satisfaction": counts.last_satisfaction,
            "entries": history.history(customer, request.user),
        }
        return Response(HistorySerializer(body).data)

    @extend_schema(
        summary="Reveal one personal field",
        description="Needs the reveal permission and the customer in scope. The reveal and "
        "its reason are written to the audit log before the value is returned.",
        request=RevealRequestSerializer,
        responses={200: RevealResponseSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
        examples=[
            OpenApiExample(
                "Call-back number",
                value={"field": "phone", "reason": "客户要求回电，核对号码"},
                request_only=True,
            )
        ],
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: Any = None) -> Response:
        customer = _customer_or_404(request, pk)
        data = RevealRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        field = data.validated_data["field"]
        value = services.reveal_field(
            customer, field, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response({"field": field, "value": value})

    @extend_schema(
        summary="Possible duplicates",
        description="Other records in your scope with the same phone, ID number or e-mail.",
        responses={200: CustomerSerializer(many=True), 404: NOT_FOUND},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def duplicates(self, request: Request, pk: Any = None) -> Response:
        customer = _customer_or_404(request, pk)
        rows = services.duplicates_of(customer).filter(
            pk__in=visible_customers(request.user).values("pk")
        )
        return Response(CustomerSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        summary="Merge a duplicate into this customer",
        description="Tickets, visits, consents and survey answers move to this record; missing "
        "fields are taken over; the duplicate is deleted. Audited on both.",
        request=MergeSerializer,
        responses={200: CustomerSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND, 409: CONFLICT},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: Any = None) -> Response:
        customer = _customer_or_404(request, pk)
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            duplicate = access_customer(request.user, data.validated_data["duplicate"])
        except Http404:
            raise DomainError(_("No such customer in your scope."), field="duplicate") from None
        survivor = services.merge_customers(customer, duplicate, actor=request.user)
        return Response(CustomerSerializer(survivor, context={"request": request}).data)

    @extend_schema(
        summary="Execute an erasure request",
        description="Anonymises the record and the personal fields of all its tickets, and "
        "writes the destruction log. `confirmation` must repeat the customer number. Refused "
        "(409) under legal hold.",
        request=ErasureSerializer,
        responses={
            200: DestructionLogSerializer,
            400: VALIDATION_ERROR,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def erase(self, request: Request, pk: Any = None) -> Response:
        customer = _customer_or_404(request, pk)
        data = ErasureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = retention.erase_customer(customer, actor=request.user, **data.validated_data)
        return Response(DestructionLogSerializer(entry).data)

    @extend_schema(
        summary="Place or lift a legal hold",
        request=LegalHoldSerializer,
        responses={200: CustomerSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="legal-hold")
    def legal_hold(self, request: Request, pk: Any = None) -> Response:
        customer = _customer_or_404(request, pk)
        data = LegalHoldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.set_legal_hold(customer, actor=request.user, **data.validated_data)
        return Response(CustomerSerializer(changed, context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(summary="List consents", tags=TAGS),
    retrieve=extend_schema(summary="Get a consent", responses={200: ConsentSerializer}, tags=TAGS),
)
class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Consent records of customers in scope; filter with `?customer=<id>`."""

    serializer_class = ConsentSerializer

    def get_queryset(self) -> QuerySet[Consent]:
        queryset = Consent.objects.filter(
            customer__in=visible_customers(self.request.user).values("pk")
        ).order_by("-given_at", "-id")
        customer = self.request.query_params.get("customer")
        if customer and customer.isdigit():
            queryset = queryset.filter(customer_id=int(customer))
        return queryset

    @extend_schema(
        summary="Record a consent",
        request=ConsentCreateSerializer,
        parameters=[OpenApiParameter("customer", OpenApiTypes.INT, required=True)],
        responses={201: ConsentSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND, 409: CONFLICT},
        examples=[
            OpenApiExample(
                "Survey consent at the counter",
                value={"purpose": "survey", "channel": "counter", "note": "纸质授权书"},
                request_only=True,
            )
        ],
        tags=TAGS,
    )
    def create(self, request: Request) -> Response:
        customer = access_customer(request.user, request.query_params.get("customer"))
        data = ConsentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = services.record_consent(customer, actor=request.user, **data.validated_data)
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw a consent",
        request=None,
        responses={200: ConsentSerializer, 404: NOT_FOUND, 409: CONFLICT},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        consent = self.get_object()
        changed = services.withdraw_consent(consent, actor=request.user)
        return Response(ConsentSerializer(changed).data)
