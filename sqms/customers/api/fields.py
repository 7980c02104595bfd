"""A serializer field for other apps' APIs: a customer referenced by id, within the scope of the
requesting user (an id outside it is "not found", exactly like one that does not exist)."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sqms.customers.models import Customer


@extend_schema_field(OpenApiTypes.INT)
class VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return Customer.objects.none()
        return Customer.objects.visible_to(user).select_related("org_unit")
