"""Serializers of the quality API."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sqms.core.choices import Language
from sqms.core.models import OrgUnit
from sqms.quality.choices import Granularity
from sqms.quality.indicators import GROUPS
from sqms.quality.models import Alert, EvaluationReport, Indicator, Target
from sqms.servicedesk.choices import Channel, TicketKind


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "definition",
            "definition_en",
            "numerator",
            "denominator",
            "value_unit",
            "direction",
            "source",
            "slices",
            "order",
        ]
        read_only_fields = fields


class TargetSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=Indicator.objects.filter(is_active=True)
    )
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), allow_null=True, required=False
    )
    created_by: Any = serializers.StringRelatedField()

    class Meta:
        model = Target
        fields = [
            "id",
            "indicator",
            "org_unit",
            "valid_from",
            "target",
            "alarm",
            "strict",
            "reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["id", "created_by", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["org_unit"].queryset = OrgUnit.objects.visible_to(request.user)  # type: ignore[attr-defined]


class ValuesQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False, min_value=1)
    g = serializers.ChoiceField(choices=Granularity.choices, default=Granularity.MONTH)
    d = serializers.DateField(required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    staff = serializers.IntegerField(required=False, min_value=1)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    kind = serializers.ChoiceField(choices=TicketKind.choices, required=False)
    category = serializers.IntegerField(required=False, min_value=1)
    group_by = serializers.ChoiceField(choices=[(g, g) for g in GROUPS], required=False)
    codes = serializers.CharField(required=False, help_text=_("Comma-separated indicator codes."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["g"] == Granularity.CUSTOM:
            start, end = attrs.get("start"), attrs.get("end")
            errors = {}
            if start is None:
                errors["start"] = [_("A custom period needs a start.")]
            if end is None:
                errors["end"] = [_("A custom period needs an end.")]
            if errors or start is None or end is None:
                raise serializers.ValidationError(errors)
            if end < start:
                raise serializers.ValidationError(
                    {"end": [_("The end must not be before the start.")]}
                )
            if (end - start).days >= 3 * 366:
                raise serializers.ValidationError(
                    {"end": [_("A custom period may span at most three years.")]}
                )
        return attrs

    def validate_codes(self, value: str) -> list[str]:
        from sqms.quality.catalogue import BY_CODE

        codes = [c.strip() for c in value.split(",") if c.strip()]
        unknown = [c for c in codes if c not in BY_CODE]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown indicator: %(codes)s") % {"codes": ", ".join(unknown)}
            )
        return codes


class IndicatorValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField()
    denominator = serializers.FloatField()
    p50 = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)
    state = serializers.CharField()
    band = serializers.CharField()
    target = serializers.SerializerMethodField()

    def get_target(self, obj: Any) -> str | None:
        return None if obj.target is None else str(obj.target.target)


class AlertSerializer(serializers.ModelSerializer):
    rule_kind = serializers.CharField(source="rule.kind", read_only=True)
    indicator: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner: Any = serializers.StringRelatedField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "rule_kind",
            "indicator",
            "org_unit",
            "category",
            "severity",
            "status",
            "owner",
            "day",
            "value",
            "expected",
            "message",
            "created_at",
            "last_seen_at",
            "acknowledged_at",
            "closed_at",
            "close_note",
            "improvement_action",
        ]
        read_only_fields = fields


class AlertCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class AlertLinkSerializer(serializers.Serializer):
    improvement_action = serializers.IntegerField(min_value=1, allow_null=True)


class ReportSerializer(serializers.ModelSerializer):
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    language = serializers.ChoiceField(choices=Language.choices, default=Language.ZH_HANS)
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationReport
        fields = [
            "id",
            "org_unit",
            "year",
            "quarter",
            "language",
            "status",
            "progress",
            "error",
            "pdf_url",
            "xlsx_url",
            "created_at",
            "finished_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "progress",
            "error",
            "pdf_url",
            "xlsx_url",
            "created_at",
            "finished_at",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["org_unit"].queryset = OrgUnit.objects.visible_to(request.user)  # type: ignore[attr-defined]

    def _url(self, obj: EvaluationReport, fmt: str) -> str | None:
        from django.urls import reverse

        if not getattr(obj, fmt):
            return None
        return reverse("quality_report_download", args=[obj.pk, fmt])

    def get_pdf_url(self, obj: EvaluationReport) -> str | None:
        return self._url(obj, "pdf")

    def get_xlsx_url(self, obj: EvaluationReport) -> str | None:
        return self._url(obj, "xlsx")
