"""Serializers of the stored analyses and of the recompute requests."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sqms.analysis.choices import PeriodKind
from sqms.analysis.models import (
    AssociationRule,
    AssociationRun,
    ForecastRun,
    HotspotReport,
    SegmentationRun,
)
from sqms.analysis.segments import description
from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_scope_filter
from sqms.servicedesk.choices import Channel, TicketKind


class UnitSummarySerializer(ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "name_en"]


class HotspotReportSerializer(ModelSerializer):
    org_unit = UnitSummarySerializer(read_only=True)

    class Meta:
        model = HotspotReport
        fields = [
            "id",
            "org_unit",
            "period_kind",
            "period_start",
            "period_end",
            "previous_periods",
            "computed_at",
            "complaint_count",
            "previous_count",
            "terms",
            "categories",
        ]


class SegmentSerializer(Serializer):
    segment = serializers.IntegerField()
    size = serializers.IntegerField()
    description = serializers.CharField()
    parts = serializers.ListField(child=serializers.CharField())
    z = serializers.DictField(child=serializers.FloatField())
    means = serializers.DictField(child=serializers.FloatField(allow_null=True))


class SegmentationRunSerializer(ModelSerializer):
    org_unit = UnitSummarySerializer(read_only=True)
    segments = serializers.SerializerMethodField()

    class Meta:
        model = SegmentationRun
        fields = [
            "id",
            "org_unit",
            "seed",
            "computed_at",
            "window_days",
            "customer_count",
            "k",
            "silhouette",
            "features",
            "satisfaction_source",
            "segments",
        ]

    def get_segments(self, run: SegmentationRun) -> list[dict[str, Any]]:
        rows = [row | {"description": description(row["parts"])} for row in run.segments]
        return SegmentSerializer(rows, many=True).data  # type: ignore[return-value]


class SegmentIndicatorSerializer(SegmentSerializer):
    tickets = serializers.IntegerField()
    tickets_per_customer = serializers.FloatField(allow_null=True)
    complaint_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)


class AssociationRunSerializer(ModelSerializer):
    org_unit = UnitSummarySerializer(read_only=True)

    class Meta:
        model = AssociationRun
        fields = [
            "id",
            "org_unit",
            "period_start",
            "period_end",
            "kinds",
            "min_support",
            "min_confidence",
            "computed_at",
            "transaction_count",
            "itemset_count",
            "labels",
        ]


class AssociationRuleSerializer(ModelSerializer):
    class Meta:
        model = AssociationRule
        fields = ["id", "antecedent", "consequent", "count", "support", "confidence", "lift"]


class ForecastRunSerializer(ModelSerializer):
    org_unit = UnitSummarySerializer(read_only=True)

    class Meta:
        model = ForecastRun
        fields = [
            "id",
            "org_unit",
            "channel",
            "computed_at",
            "method",
            "history_start",
            "history_end",
            "horizon_days",
            "history",
            "forecast",
            "weekly",
            "backtest",
        ]


# --- recompute requests -------------------------------------------------------------------------


class _UnitRequest(Serializer):
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), help_text=_("The unit whose subtree is analysed.")
    )

    def validate_org_unit(self, unit: OrgUnit) -> OrgUnit:
        user = self.context["request"].user
        if not OrgUnit.objects.filter(unit_scope_filter(user, None), pk=unit.pk).exists():
            raise serializers.ValidationError(_("This org unit is outside your scope."))
        return unit


class HotspotRequestSerializer(_UnitRequest):
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.MONTH)
    day = serializers.DateField(required=False, help_text=_("A day in the period (default today)."))
    baseline_periods = serializers.IntegerField(min_value=1, max_value=12, default=3)


class SegmentationRequestSerializer(_UnitRequest):
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=42)


class AssociationRequestSerializer(_UnitRequest):
    first = serializers.DateField(required=False)
    last = serializers.DateField(required=False)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=TicketKind.choices), required=False, allow_empty=False
    )
    min_support = serializers.FloatField(min_value=0.001, max_value=1, default=0.05)
    min_confidence = serializers.FloatField(min_value=0.01, max_value=1, default=0.3)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("first") and attrs.get("last") and attrs["first"] > attrs["last"]:
            raise serializers.ValidationError({"last": _("The period ends before it starts.")})
        return attrs


class ForecastRequestSerializer(_UnitRequest):
    weeks = serializers.IntegerField(min_value=8, max_value=104, default=16)
    horizon_days = serializers.IntegerField(min_value=7, max_value=91, default=28)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, allow_empty=False
    )
