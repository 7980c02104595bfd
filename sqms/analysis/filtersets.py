"""Filters of the stored analyses, shared by the UI lists and the API."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sqms.analysis.choices import PeriodKind
from sqms.analysis.models import (
    AssociationRule,
    AssociationRun,
    ForecastRun,
    HotspotReport,
    SegmentationRun,
)
from sqms.core.filtersets import SubtreeFilter, text_filter
from sqms.servicedesk.choices import Channel

# The "all channels" forecast has an empty channel, which a filter cannot ask for directly.
ALL_CHANNELS = "all"


class HotspotReportFilterSet(django_filters.FilterSet):
    org_unit = SubtreeFilter(label=_("Org unit (with the units below)"), unit_path="org_unit__path")
    period_kind = django_filters.ChoiceFilter(label=_("Period"), choices=PeriodKind.choices)

    class Meta:
        model = HotspotReport
        fields = ["org_unit", "period_kind"]


class SegmentationRunFilterSet(django_filters.FilterSet):
    org_unit = SubtreeFilter(label=_("Org unit (with the units below)"), unit_path="org_unit__path")

    class Meta:
        model = SegmentationRun
        fields = ["org_unit"]


class AssociationRunFilterSet(django_filters.FilterSet):
    org_unit = SubtreeFilter(label=_("Org unit (with the units below)"), unit_path="org_unit__path")

    class Meta:
        model = AssociationRun
        fields = ["org_unit"]


class ForecastRunFilterSet(django_filters.FilterSet):
    org_unit = SubtreeFilter(label=_("Org unit (with the units below)"), unit_path="org_unit__path")
    channel = django_filters.ChoiceFilter(
        label=_("Channel"),
        choices=[(ALL_CHANNELS, _("All channels")), *Channel.choices],
        method="by_channel",
    )

    def by_channel(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(channel="" if value == ALL_CHANNELS else value)

    class Meta:
        model = ForecastRun
        fields = ["org_unit", "channel"]


class AssociationRuleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Item"), method=text_filter(["items_text"]))
    min_lift = django_filters.NumberFilter(
        label=_("Lift at least"), field_name="lift", lookup_expr="gte"
    )
    min_confidence = django_filters.NumberFilter(
        label=_("Confidence at least"), field_name="confidence", lookup_expr="gte"
    )
    min_support = django_filters.NumberFilter(
        label=_("Support at least"), field_name="support", lookup_expr="gte"
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("lift", "lift"),
            ("confidence", "confidence"),
            ("support", "support"),
            ("count", "count"),
        ),
        field_labels={
            "lift": _("Lift"),
            "confidence": _("Confidence"),
            "support": _("Support"),
            "count": _("Tickets"),
        },
    )

    class Meta:
        model = AssociationRule
        fields = ["q", "min_lift", "min_confidence", "min_support"]
