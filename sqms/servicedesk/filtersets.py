"""FilterSets of the service desk, shared by the UI ticket lists and the REST API."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from sqms.core.fields import blind_match
from sqms.core.filtersets import BooleanFilter, DateTimeFilter, SubtreeFilter, text_filter
from sqms.core.models import User
from sqms.core.scope import unit_scope_filter
from sqms.servicedesk.choices import (
    OPEN_STATUSES,
    Channel,
    Priority,
    TicketKind,
    TicketStatus,
)
from sqms.servicedesk.models import Category, Ticket


def users_in_scope(request: HttpRequest | None) -> QuerySet[User]:
    """The users a ticket filter may name: those of the units the requesting user sees, so a
    filter cannot be used to find out who exists elsewhere."""
    user = getattr(request, "user", None)
    if user is None:
        return User.objects.none()
    return User.objects.filter(unit_scope_filter(user, "org_unit")).order_by("username")


@extend_schema_field(OpenApiTypes.INT)
class UserFilter(django_filters.ModelChoiceFilter):
    """A user within the scope, by id; `null` picks tickets where the field is empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", users_in_scope)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class CategorySubtreeFilter(django_filters.ModelChoiceFilter):
    """Keeps tickets whose problem type is the chosen one or lies below it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Category.objects.order_by("path"))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(category__path__startswith=value.path)


class TicketFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Number or title"), method=text_filter(["number", "title"])
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=TicketStatus.choices)
    is_open = BooleanFilter(label=_("Open"), method="filter_is_open")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=TicketKind.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    priority = django_filters.TypedChoiceFilter(
        label=_("Priority"), choices=Priority.choices, coerce=int
    )
    org_unit = SubtreeFilter(label=_("Org unit"), unit_path="org_unit__path")
    handling_department = SubtreeFilter(
        label=_("Handling department"), unit_path="handling_department__path"
    )
    assignee = UserFilter(label=_("Assignee"), null_label=_("Unassigned"))
    first_contact_owner = UserFilter(label=_("First-contact owner"))
    category = CategorySubtreeFilter(label=_("Problem type"))
    breached = BooleanFilter(label=_("SLA breached"), method="filter_breached")
    due_after = DateTimeFilter(
        label=_("Resolve by, from"), field_name="resolve_due_at", lookup_expr="gte"
    )
    due_before = DateTimeFilter(
        label=_("Resolve by, until"), field_name="resolve_due_at", lookup_expr="lt"
    )
    created_after = DateTimeFilter(
        label=_("Registered from"), field_name="created_at", lookup_expr="gte"
    )
    created_before = DateTimeFilter(
        label=_("Registered until"), field_name="created_at", lookup_expr="lt"
    )
    customer_phone = django_filters.CharFilter(
        label=_("Customer phone"), method="filter_customer_phone"
    )

    class Meta:
        model = Ticket
        fields = [
            "q",
            "status",
            "is_open",
            "kind",
            "channel",
            "priority",
            "org_unit",
            "handling_department",
            "assignee",
            "first_contact_owner",
            "category",
            "breached",
            "due_after",
            "due_before",
            "created_after",
            "created_before",
            "customer_phone",
        ]

    def filter_is_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = Q(status__in=OPEN_STATUSES)
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_breached(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        either = Q(response_breached=True) | Q(resolve_breached=True)
        return queryset.filter(either) if value else queryset.exclude(either)

    def filter_customer_phone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Encrypted at rest: only an exact number is found, through its blind index.
        if not value.strip():
            return queryset
        return queryset.filter(blind_match(Ticket, "customer_phone", value))
