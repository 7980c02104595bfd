"""Serializers of the risk API: shapes and types only; the services check the rules."""

from typing import Any, ClassVar

from rest_framework import serializers

from sqms.core.models import OrgUnit, User
from sqms.risk.choices import QualityFlag
from sqms.risk.flags import flags_of
from sqms.risk.models import (
    MonteCarloRun,
    Risk,
    RiskAcceptance,
    RiskControl,
    RiskHistory,
    RiskMatrix,
    RiskReview,
)

RATING_FIELDS = [
    f"{rating}_{axis}"
    for rating in ("inherent", "current", "residual")
    for axis in ("probability", "impact")
]
LEVEL_FIELDS = [f"{rating}_level" for rating in ("inherent", "current", "residual")]


class RiskSerializer(serializers.ModelSerializer):
    matrix = serializers.SlugRelatedField(
        slug_field="code", queryset=RiskMatrix.objects.all(), required=False
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    affected_units = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), many=True, required=False
    )
    annual_probability = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, allow_null=True, coerce_to_string=False
    )
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = [
            "id",
            "number",
            "title",
            "category",
            "org_unit",
            "owner",
            "matrix",
            "status",
            "treatment",
            "treatment_plan",
            "description",
            "cause",
            "consequence",
            "affected_services",
            "affected_units",
            *RATING_FIELDS,
            *LEVEL_FIELDS,
            "review_due",
            "annual_probability",
            "loss_low",
            "loss_high",
            "loss_unit",
            "flags",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["number", "status", *LEVEL_FIELDS, "closed_at"]
        extra_kwargs = {
            "current_probability": {"required": False},
            "current_impact": {"required": False},
            "residual_probability": {"required": False},
            "residual_impact": {"required": False},
        }

    def get_flags(self, risk: Risk) -> list[str]:
        return [flag.value for flag in flags_of(risk)]

    # The services validate ranges against the matrix; the model's validators would only
    # repeat a weaker check.
    def build_standard_field(self, field_name: str, model_field: Any) -> Any:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        kwargs.pop("validators", None)
        return field_class, kwargs


class FlagListSerializer(serializers.Serializer):
    flags = serializers.ListField(child=serializers.ChoiceField(choices=QualityFlag.choices))


class RiskControlSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())

    class Meta:
        model = RiskControl
        fields = [
            "id",
            "risk",
            "title",
            "description",
            "kind",
            "owner",
            "due_date",
            "status",
            "effectiveness",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["risk"]


class RiskAcceptanceSerializer(serializers.ModelSerializer):
    approver = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())

    class Meta:
        model = RiskAcceptance
        fields = ["id", "risk", "approver", "accepted_on", "expires_on", "rationale", "created_at"]
        read_only_fields = ["risk", "created_at"]
        extra_kwargs = {"accepted_on": {"required": False}}


class RiskReviewSerializer(serializers.ModelSerializer):
    current_probability = serializers.IntegerField(required=False, write_only=True)
    current_impact = serializers.IntegerField(required=False, write_only=True)
    residual_probability = serializers.IntegerField(required=False, write_only=True)
    residual_impact = serializers.IntegerField(required=False, write_only=True)

    class Meta:
        model = RiskReview
        fields = [
            "id",
            "risk",
            "reviewer",
            "reviewed_on",
            "notes",
            "current_level",
            "residual_level",
            "next_review_due",
            "current_probability",
            "current_impact",
            "residual_probability",
            "residual_impact",
        ]
        read_only_fields = ["risk", "reviewer", "current_level", "residual_level"]
        extra_kwargs = {"reviewed_on": {"required": False}}


class RiskReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RiskHistorySerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskHistory
        fields = [
            "id",
            "at",
            "actor",
            "kind",
            "message",
            "status",
            "inherent_level",
            "current_level",
            "residual_level",
        ]


class RiskMatrixSerializer(serializers.ModelSerializer):
    probability_levels = serializers.JSONField()
    impact_levels = serializers.JSONField()
    risk_levels = serializers.JSONField()
    grid = serializers.JSONField()
    in_use = serializers.SerializerMethodField()

    class Meta:
        model = RiskMatrix
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "description",
            "probability_levels",
            "impact_levels",
            "risk_levels",
            "grid",
            "is_default",
            "in_use",
        ]
        read_only_fields = ["is_default"]
        # Uniqueness and format are the service's to check (one message for API and import).
        extra_kwargs: ClassVar[dict[str, Any]] = {"code": {"validators": []}}

    def get_in_use(self, matrix: RiskMatrix) -> bool:
        count = getattr(matrix, "risk_count", None)
        return bool(count) if count is not None else matrix.risks.exists()


class MatrixImportSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The matrix definition as YAML or JSON.")


class MonteCarloRunSerializer(serializers.ModelSerializer):
    risks = serializers.PrimaryKeyRelatedField(queryset=Risk.objects.all(), many=True)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0)

    class Meta:
        model = MonteCarloRun
        fields = [
            "id",
            "title",
            "org_unit",
            "risks",
            "iterations",
            "seed",
            "frequency_model",
            "loss_unit",
            "status",
            "inputs",
            "results",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = [
            "loss_unit",
            "status",
            "inputs",
            "results",
            "error",
            "started_at",
            "finished_at",
        ]
        extra_kwargs = {"iterations": {"required": False}}
