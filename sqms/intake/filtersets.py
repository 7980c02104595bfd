"""Filters of the intake lists, shared by the UI and the API."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from sqms.core.filtersets import BooleanFilter
from sqms.intake.choices import NEEDS_ATTENTION, IntegrationChannel, MessageStatus, Source
from sqms.intake.models import InboundMessage, Integration, Mailbox


class InboundMessageFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=MessageStatus.choices)
    attention = BooleanFilter(label=_("Needs a decision"), method="filter_attention")
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices)
    received_after = django_filters.DateFilter(
        label=_("Received on or after"), field_name="created_at", lookup_expr="date__gte"
    )

    class Meta:
        model = InboundMessage
        fields = ["q", "status", "attention", "source", "received_after"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(subject__icontains=value)
            | Q(ticket__number__icontains=value)
            | Q(message_id__icontains=value)
            | Q(reason__icontains=value)
        )

    def filter_attention(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        match = Q(status__in=NEEDS_ATTENTION)
        return queryset.filter(match if value else ~match)


class MailboxFilterSet(django_filters.FilterSet):
    active = BooleanFilter(label=_("Active"))

    class Meta:
        model = Mailbox
        fields = ["active"]


class IntegrationFilterSet(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=IntegrationChannel.choices)
    active = BooleanFilter(label=_("Active"))

    class Meta:
        model = Integration
        fields = ["channel", "active"]
