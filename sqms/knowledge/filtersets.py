"""The filters of the article list, shared by the UI list and the API."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.filtersets import BooleanFilter
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_scope_filter
from sqms.knowledge import search
from sqms.knowledge.choices import ArticleStatus
from sqms.knowledge.models import Article


class ArticleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    category = django_filters.ModelChoiceFilter(
        label=_("Problem type (with its sub-types)"),
        queryset=None,
        method="filter_category",
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=ArticleStatus.choices)
    product = django_filters.CharFilter(
        label=_("Product or business"), field_name="products", lookup_expr="icontains"
    )
    expired = BooleanFilter(label=_("Past review date"), method="filter_expired")
    org_unit = django_filters.ModelChoiceFilter(
        label=_("Org unit (with the units below)"),
        queryset=OrgUnit.objects.none(),
        method="filter_unit",
    )

    class Meta:
        model = Article
        fields = ["q", "category", "status", "product", "expired", "org_unit"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from sqms.servicedesk.models import Category

        super().__init__(*args, **kwargs)
        self.filters["category"].queryset = Category.objects.filter(is_active=True).order_by("path")
        user = getattr(self.request, "user", None)
        if user is not None:
            self.filters["org_unit"].queryset = OrgUnit.objects.filter(
                unit_scope_filter(user, None)
            ).order_by("path")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        if value.upper().startswith("KB") and value[2:].isdigit():
            return queryset.filter(number__iexact=value)
        return search.order_by_relevance(queryset, value)

    def filter_category(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(category__path__startswith=value.path)

    def filter_expired(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        expired = Q(status=ArticleStatus.PUBLISHED, review_by__lt=timezone.localdate())
        return queryset.filter(expired) if value else queryset.exclude(expired)

    def filter_unit(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(org_unit__path__startswith=value.path)
