"""Serializers of the improvement API: reading actions, and the inputs of each service."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from sqms.core.models import OrgUnit, User
from sqms.improvement.choices import ActionSource, Direction, Verdict
from sqms.improvement.models import ActionEvent, EffectivenessCheck, ImprovementAction
from sqms.improvement.transitions import TRANSITIONS, allowed_steps

ANALYSIS_FIELDS = [
    "why_1",
    "why_2",
    "why_3",
    "why_4",
    "why_5",
    "cause_people",
    "cause_equipment",
    "cause_materials",
    "cause_method",
    "cause_environment",
    "cause_measurement",
    "root_cause",
]


class ImprovementActionSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.display_name", read_only=True)
    owner_name = serializers.SerializerMethodField()
    source_type = serializers.SerializerMethodField()
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ImprovementAction
        fields = [
            "id",
            "number",
            "title",
            "problem",
            "source",
            "source_display",
            "source_type",
            "source_id",
            "source_label",
            "org_unit",
            "org_unit_name",
            "owner",
            "owner_name",
            "deadline",
            "check_due_on",
            "stage",
            "stage_label",
            "cycle",
            "progress",
            "is_overdue",
            "goal",
            "indicator_code",
            "target_value",
            "target_direction",
            "baseline_value",
            "measures",
            *ANALYSIS_FIELDS,
            "outcome",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_owner_name(self, action: ImprovementAction) -> str:
        return str(action.owner) if action.owner else ""

    def get_source_type(self, action: ImprovementAction) -> str:
        if action.source_type is None:
            return ""
        return f"{action.source_type.app_label}.{action.source_type.model}"


class ActionEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = ActionEvent
        fields = [
            "id",
            "created_at",
            "event_type",
            "from_stage",
            "to_stage",
            "message",
            "progress",
            "actor",
            "actor_name",
        ]
        read_only_fields = fields

    def get_actor_name(self, event: ActionEvent) -> str:
        return str(event.actor) if event.actor else ""


class EffectivenessCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = EffectivenessCheck
        fields = [
            "id",
            "cycle",
            "checked_at",
            "checked_by",
            "period_start",
            "period_end",
            "measured_value",
            "proposed_verdict",
            "verdict",
            "note",
        ]
        read_only_fields = fields


class ImprovementActionDetailSerializer(ImprovementActionSerializer):
    team: serializers.Field = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    events = ActionEventSerializer(many=True, read_only=True)
    checks = EffectivenessCheckSerializer(many=True, read_only=True)
    allowed_steps = serializers.SerializerMethodField()

    class Meta(ImprovementActionSerializer.Meta):
        fields = [
            *ImprovementActionSerializer.Meta.fields,
            "team",
            "events",
            "checks",
            "allowed_steps",
        ]
        read_only_fields = fields

    def get_allowed_steps(self, action: ImprovementAction) -> list[str]:
        return allowed_steps(action.stage)


class ActionCreateSerializer(serializers.Serializer):
    # The field is named like DRF's Field.source attribute, which mypy sees as a clash.
    source = serializers.ChoiceField(choices=ActionSource.choices)  # type: ignore[assignment]
    source_type = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The source record's model as app_label.model, e.g. servicedesk.ticket.",
    )
    source_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    title = serializers.CharField(max_length=200)
    problem = serializers.CharField(required=False, allow_blank=True)
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    deadline = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from sqms.improvement.access import resolve_source

        source_type = attrs.pop("source_type", "")
        source_id = attrs.pop("source_id", "")
        if bool(source_type) != bool(source_id):
            field = "source_id" if source_type else "source_type"
            raise serializers.ValidationError({field: _("Give both the type and the id.")})
        if source_type:
            record = resolve_source(self.context["request"].user, source_type, source_id)
            if record is None:
                raise serializers.ValidationError({"source_id": _("No such record.")})
            attrs["source_object"] = record
        return attrs


class ActionUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    problem = serializers.CharField(required=False, allow_blank=True)
    goal = serializers.CharField(required=False, allow_blank=True)
    indicator_code = serializers.CharField(required=False, allow_blank=True, max_length=64)
    target_value = serializers.DecimalField(
        max_digits=12, decimal_places=4, required=False, allow_null=True
    )
    target_direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    baseline_value = serializers.DecimalField(
        max_digits=12, decimal_places=4, required=False, allow_null=True
    )
    measures = serializers.CharField(required=False, allow_blank=True)
    why_1 = serializers.CharField(required=False, allow_blank=True)
    why_2 = serializers.CharField(required=False, allow_blank=True)
    why_3 = serializers.CharField(required=False, allow_blank=True)
    why_4 = serializers.CharField(required=False, allow_blank=True)
    why_5 = serializers.CharField(required=False, allow_blank=True)
    cause_people = serializers.CharField(required=False, allow_blank=True)
    cause_equipment = serializers.CharField(required=False, allow_blank=True)
    cause_materials = serializers.CharField(required=False, allow_blank=True)
    cause_method = serializers.CharField(required=False, allow_blank=True)
    cause_environment = serializers.CharField(required=False, allow_blank=True)
    cause_measurement = serializers.CharField(required=False, allow_blank=True)
    root_cause = serializers.CharField(required=False, allow_blank=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    deadline = serializers.DateField(required=False, allow_null=True)
    check_due_on = serializers.DateField(required=False, allow_null=True)


class StepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    note = serializers.CharField(required=False, allow_blank=True)


class ProgressSerializer(serializers.Serializer):
    note = serializers.CharField()
    progress = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)


class CheckSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    measured_value = serializers.DecimalField(
        max_digits=12, decimal_places=4, required=False, allow_null=True
    )
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)


class ProposalSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    measured_value = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    proposed_verdict = serializers.CharField()
