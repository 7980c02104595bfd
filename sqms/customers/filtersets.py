"""FilterSets of the customers app, shared by the UI list and the REST API. Personal data is
searched only exactly, through the blind indexes."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sqms.core.filtersets import BooleanFilter, SubtreeFilter
from sqms.customers import services
from sqms.customers.choices import Classification, Segment
from sqms.customers.models import Customer


class CustomerFilterSet(django_filters.FilterSet):
    number = django_filters.CharFilter(
        label=_("Customer number"), field_name="number", lookup_expr="icontains"
    )
    phone = django_filters.CharFilter(label=_("Phone (exact)"), method="filter_exact")
    id_number = django_filters.CharFilter(
        label=_("Resident ID number (exact)"), method="filter_exact"
    )
    email = django_filters.CharFilter(label=_("E-mail (exact)"), method="filter_exact")
    segment = django_filters.ChoiceFilter(label=_("Segment"), choices=Segment.choices)
    classification = django_filters.ChoiceFilter(
        label=_("Data classification"), choices=Classification.choices
    )
    org_unit = SubtreeFilter(label=_("Org unit"), unit_path="org_unit__path")
    legal_hold = BooleanFilter(label=_("Legal hold"))

    class Meta:
        model = Customer
        fields = [
            "number",
            "phone",
            "id_number",
            "email",
            "segment",
            "classification",
            "org_unit",
            "legal_hold",
        ]

    def filter_exact(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        return services.lookup_customers(queryset, **{name: value})
