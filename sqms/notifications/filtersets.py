"""The filters of the outbound-message list, shared by the UI list and the API."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sqms.core.filtersets import IdFilter
from sqms.notifications.choices import MessageStatus, NotifyEvent, Transport
from sqms.notifications.models import NotificationTemplate, OutboundMessage


class OutboundMessageFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=MessageStatus.choices)
    event = django_filters.ChoiceFilter(label=_("Event"), choices=NotifyEvent.choices)
    transport = django_filters.ChoiceFilter(label=_("Transport"), choices=Transport.choices)
    ticket = IdFilter(label=_("Ticket (id)"), field_name="ticket_id")
    number = django_filters.CharFilter(label=_("Ticket number"), method="filter_number")

    class Meta:
        model = OutboundMessage
        fields = ["status", "event", "transport", "ticket", "number"]

    def filter_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(ticket__number__icontains=value) if value else queryset


class NotificationTemplateFilterSet(django_filters.FilterSet):
    event = django_filters.ChoiceFilter(label=_("Event"), choices=NotifyEvent.choices)
    transport = django_filters.ChoiceFilter(label=_("Transport"), choices=Transport.choices)

    class Meta:
        model = NotificationTemplate
        fields = ["event", "transport", "language"]
