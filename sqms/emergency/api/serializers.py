"""Serializers of the emergency API: they parse and validate input; services make changes."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sqms.core.models import OrgUnit, User
from sqms.emergency.choices import (
    DrillType,
    EventType,
    IncidentLevel,
    IncidentSource,
    NoticeAudience,
    ReviewActionKind,
)
from sqms.emergency.models import (
    CriticalService,
    Drill,
    DrillProgramme,
    EmergencyPlan,
    Incident,
    IncidentEvent,
    IncidentNotice,
    IncidentReview,
    IncidentRole,
    IncidentTask,
    PlanVersion,
    ReviewAction,
)


def _user_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


@extend_schema_field(OpenApiTypes.INT)
class ScopedUnitField(serializers.PrimaryKeyRelatedField):
    """An org unit by id; the services check it lies in the actor's scope."""

    def get_queryset(self) -> Any:
        return OrgUnit.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class UserField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return User.objects.filter(is_active=True)


# --- plans ---------------------------------------------------------------------------------

CONTENT = ["summary", "grading", "roles", "steps", "resources", "templates", "revision_note"]


class PlanVersionSerializer(serializers.ModelSerializer):
    plan_code = serializers.CharField(source="plan.code", read_only=True)

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "plan",
            "plan_code",
            "number",
            "status",
            *CONTENT,
            "effective_on",
            "next_review_on",
            "approved_by",
            "approved_at",
            "source_review",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "plan",
            "plan_code",
            "number",
            "status",
            "approved_by",
            "approved_at",
            "source_review",
            "created_at",
        ]


class PlanVersionUpdateSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True)
    grading = serializers.JSONField(required=False)
    roles = serializers.JSONField(required=False)
    steps = serializers.JSONField(required=False)
    resources = serializers.JSONField(required=False)
    templates = serializers.JSONField(required=False)
    revision_note = serializers.CharField(required=False, allow_blank=True)
    effective_on = serializers.DateField(required=False, allow_null=True)
    next_review_on = serializers.DateField(required=False, allow_null=True)


class PlanApproveSerializer(serializers.Serializer):
    effective_on = serializers.DateField(required=False, allow_null=True)
    next_review_on = serializers.DateField(required=False, allow_null=True)


class DraftNoteSerializer(serializers.Serializer):
    revision_note = serializers.CharField(required=False, allow_blank=True, default="")


class PlanSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()
    owner = UserField(required=False, allow_null=True)
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = EmergencyPlan
        fields = [
            "id",
            "code",
            "title",
            "event_type",
            "org_unit",
            "owner",
            "review_interval_months",
            "current_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "current_version", "created_at", "updated_at"]

    def get_current_version(self, plan: EmergencyPlan) -> int | None:
        number = getattr(plan, "current_number", None)
        return int(number) if number is not None else None


class PlanDetailSerializer(PlanSerializer):
    versions = PlanVersionSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "versions"]


class CriticalServiceSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()
    dependencies = serializers.JSONField(required=False)
    plans = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=EmergencyPlan.objects.all()
    )

    class Meta:
        model = CriticalService
        fields = [
            "id",
            "code",
            "name",
            "description",
            "mtpd_minutes",
            "rto_minutes",
            "dependencies",
            "plans",
            "org_unit",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


# --- incidents -------------------------------------------------------------------------------


class IncidentSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.display_name", read_only=True)
    plan = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "title",
            "description",
            "source",
            "source_reference",
            "is_drill",
            "event_type",
            "level",
            "status",
            "customer_facing",
            "org_unit",
            "org_unit_name",
            "plan",
            "plan_version",
            "detected_at",
            "reported_at",
            "assessed_at",
            "activated_at",
            "restored_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_plan(self, incident: Incident) -> str:
        return str(incident.plan_version) if incident.plan_version_id else ""


class IncidentCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    org_unit = ScopedUnitField()
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[IncidentSource.API, IncidentSource.ALERT, IncidentSource.UI],
        default=IncidentSource.API,
    )
    source_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100
    )
    detected_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    event_type = serializers.ChoiceField(
        choices=EventType.choices, required=False, allow_blank=True, default=""
    )
    customer_facing = serializers.BooleanField(required=False, default=False)


class TimelineEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentEvent
        fields = [
            "id",
            "occurred_at",
            "recorded_at",
            "kind",
            "message",
            "actor",
            "actor_name",
            "data",
        ]

    def get_actor_name(self, event: IncidentEvent) -> str:
        return _user_name(event.actor)


class IncidentRoleSerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentRole
        fields = ["code", "name", "user", "user_name"]

    def get_user_name(self, role: IncidentRole) -> str:
        return _user_name(role.user)


class IncidentTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentTask
        fields = [
            "id",
            "phase",
            "title",
            "role_code",
            "role_name",
            "assignee",
            "target_minutes",
            "due_at",
            "done_at",
            "done_by",
            "note",
        ]


class IncidentNoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentNotice
        fields = ["id", "audience", "title", "body", "published_at", "withdrawn_at"]


class ReviewActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewAction
        fields = [
            "id",
            "kind",
            "title",
            "detail",
            "owner",
            "deadline",
            "improvement_ref",
            "plan_version",
        ]
        read_only_fields = ["id", "improvement_ref", "plan_version"]


class IncidentReviewSerializer(serializers.ModelSerializer):
    actions = ReviewActionSerializer(many=True, read_only=True)

    class Meta:
        model = IncidentReview
        fields = [
            "what_happened",
            "impact_customers",
            "impact_tickets",
            "impact_minutes",
            "timeline_summary",
            "root_cause",
            "went_well",
            "to_change",
            "completed_at",
            "actions",
        ]
        read_only_fields = ["completed_at", "actions"]
        extra_kwargs = {name: {"required": False} for name in fields}


class IncidentDetailSerializer(IncidentSerializer):
    timeline = TimelineEventSerializer(source="events", many=True, read_only=True)
    roles = IncidentRoleSerializer(many=True, read_only=True)
    tasks = IncidentTaskSerializer(many=True, read_only=True)
    notices = IncidentNoticeSerializer(many=True, read_only=True)
    impact = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = [
            *IncidentSerializer.Meta.fields,
            "timeline",
            "roles",
            "tasks",
            "notices",
            "impact",
            "review",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_impact(self, incident: Incident) -> dict[str, int]:
        from sqms.emergency.services import impact

        return impact(incident)

    def get_review(self, incident: Incident) -> dict[str, Any] | None:
        review = IncidentReview.objects.filter(incident=incident).first()
        return IncidentReviewSerializer(review).data if review else None

    def get_allowed_actions(self, incident: Incident) -> list[str]:
        from sqms.emergency.transitions import allowed_actions

        return allowed_actions(incident.status)


class IncidentAssessSerializer(serializers.Serializer):
    event_type = serializers.ChoiceField(choices=EventType.choices)
    level = serializers.ChoiceField(choices=IncidentLevel.choices)
    plan = serializers.PrimaryKeyRelatedField(
        queryset=EmergencyPlan.objects.all(), required=False, allow_null=True
    )
    customer_facing = serializers.BooleanField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IncidentActivateSerializer(serializers.Serializer):
    assignments = serializers.DictField(
        child=serializers.IntegerField(), required=False, default=dict
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IncidentStepNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IncidentRestoreSerializer(IncidentStepNoteSerializer):
    restored_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class EmergencyReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class IncidentLevelSerializer(EmergencyReasonSerializer):
    level = serializers.ChoiceField(choices=IncidentLevel.choices)


class TimelineEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["detection", "action", "decision", "status_update"])
    message = serializers.CharField()
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class NoticeCreateSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=NoticeAudience.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()


class IncidentTaskDoneSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LinkTicketsSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False, allow_null=True, default=None)
    category = serializers.IntegerField(required=False, allow_null=True, default=None)
    org_unit = ScopedUnitField(required=False, allow_null=True, default=None)
    pause_sla = serializers.BooleanField(required=False, default=False)
    pause_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewActionCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReviewActionKind.choices)
    title = serializers.CharField(max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True, default="")
    owner = UserField(required=False, allow_null=True, default=None)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


# --- drills ----------------------------------------------------------------------------------


class ProgrammeSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()
    owner = UserField()
    plan = serializers.PrimaryKeyRelatedField(queryset=EmergencyPlan.objects.all())

    class Meta:
        model = DrillProgramme
        fields = [
            "id",
            "plan",
            "title",
            "drill_type",
            "interval_months",
            "next_due_on",
            "owner",
            "org_unit",
            "last_done_on",
            "is_active",
        ]
        read_only_fields = ["id", "last_done_on"]


class DrillSerializer(serializers.ModelSerializer):
    incident_number = serializers.CharField(source="incident.number", read_only=True, default="")

    class Meta:
        model = Drill
        fields = [
            "id",
            "programme",
            "plan",
            "drill_type",
            "scenario",
            "status",
            "org_unit",
            "incident",
            "incident_number",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class DrillCreateSerializer(serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=EmergencyPlan.objects.all())
    programme = serializers.PrimaryKeyRelatedField(
        queryset=DrillProgramme.objects.all(), required=False, allow_null=True, default=None
    )
    drill_type = serializers.ChoiceField(choices=DrillType.choices)
    scenario = serializers.CharField()
    org_unit = ScopedUnitField(required=False, allow_null=True, default=None)
    customer_facing = serializers.BooleanField(required=False, default=False)
