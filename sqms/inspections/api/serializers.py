"""Serializers of the inspections API: reading records, and the inputs of each service."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.core.models import OrgUnit, User
from sqms.inspections.choices import ChecklistKind, Severity
from sqms.inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistVersion,
    Finding,
    Inspection,
    InspectionPhoto,
    InspectionScore,
    ReviewScore,
    SampleDraw,
    SamplingPlan,
    TicketReview,
)
from sqms.servicedesk.choices import TicketKind

ACTIVE_USERS = User.objects.filter(is_active=True)


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


# --- checklists -----------------------------------------------------------------------------


class ChecklistItemSerializer(ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "section",
            "position",
            "text",
            "text_en",
            "guidance",
            "weight",
            "scoring",
            "max_score",
            "na_allowed",
            "critical",
        ]
        read_only_fields = fields


class ChecklistSectionSerializer(ModelSerializer):
    class Meta:
        model = ChecklistSection
        fields = ["id", "position", "title", "title_en"]
        read_only_fields = fields


class ChecklistVersionSerializer(ModelSerializer):
    code = serializers.CharField(source="template.code", read_only=True)
    name = serializers.CharField(source="template.name", read_only=True)
    name_en = serializers.CharField(source="template.name_en", read_only=True)
    kind = serializers.ChoiceField(
        source="template.kind", choices=ChecklistKind.choices, read_only=True
    )

    class Meta:
        model = ChecklistVersion
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "kind",
            "number",
            "status",
            "pass_threshold",
            "note",
            "published_at",
        ]
        read_only_fields = fields


class ChecklistVersionDetailSerializer(ChecklistVersionSerializer):
    sections = ChecklistSectionSerializer(many=True, read_only=True)
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta(ChecklistVersionSerializer.Meta):
        fields = [*ChecklistVersionSerializer.Meta.fields, "sections", "items"]
        read_only_fields = fields


# --- inspections ----------------------------------------------------------------------------


class InspectionSerializer(ModelSerializer):
    kind = serializers.ChoiceField(choices=ChecklistKind.choices, read_only=True)
    checklist = serializers.CharField(source="version", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.display_name", read_only=True)
    inspector_name = serializers.SerializerMethodField()
    inspected_staff_name = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "number",
            "version",
            "checklist",
            "kind",
            "status",
            "org_unit",
            "org_unit_name",
            "inspector",
            "inspector_name",
            "inspected_staff",
            "inspected_staff_name",
            "planned_for",
            "performed_at",
            "summary",
            "scenario",
            "time_in",
            "waiting_minutes",
            "handling_minutes",
            "score",
            "passed",
            "critical_failed",
            "submitted_at",
            "reviewed_at",
            "review_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_inspector_name(self, inspection: Inspection) -> str:
        return _name(inspection.inspector)

    def get_inspected_staff_name(self, inspection: Inspection) -> str:
        return _name(inspection.inspected_staff)


class ScoreSerializer(ModelSerializer):
    class Meta:
        model = InspectionScore
        fields = ["item", "score", "not_applicable", "comment"]
        read_only_fields = fields


class PhotoSerializer(ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPhoto
        fields = ["id", "item", "original_name", "content_type", "size", "caption", "url"]
        read_only_fields = fields

    def get_url(self, photo: InspectionPhoto) -> str:
        from django.urls import reverse

        return reverse("inspections_photo", args=[photo.pk])


class FindingSerializer(ModelSerializer):
    inspection_number = serializers.CharField(source="inspection.number", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.display_name", read_only=True)
    responsible_name = serializers.SerializerMethodField()
    improvement_action_number = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "inspection",
            "inspection_number",
            "org_unit",
            "org_unit_name",
            "item",
            "text",
            "severity",
            "responsible",
            "responsible_name",
            "due_date",
            "improvement_action",
            "improvement_action_number",
            "created_at",
        ]
        read_only_fields = fields

    def get_responsible_name(self, finding: Finding) -> str:
        return _name(finding.responsible)

    def get_improvement_action_number(self, finding: Finding) -> str:
        action = finding.improvement_action
        return action.number if action is not None else ""


class InspectionDetailSerializer(InspectionSerializer):
    scores = ScoreSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "scores", "photos", "findings"]
        read_only_fields = fields


class InspectionFieldsSerializer(Serializer):
    inspected_staff = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, allow_null=True
    )
    planned_for = serializers.DateField(required=False, allow_null=True)
    performed_at = serializers.DateTimeField(required=False, allow_null=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    scenario = serializers.CharField(required=False, allow_blank=True, max_length=200)
    time_in = serializers.DateTimeField(required=False, allow_null=True)
    waiting_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1440
    )
    handling_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1440
    )


class InspectionCreateSerializer(InspectionFieldsSerializer):
    version = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistVersion.objects.select_related("template")
    )
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    inspector = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, allow_null=True
    )


class ScoreInputSerializer(Serializer):
    item = serializers.IntegerField()
    score = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    not_applicable = serializers.BooleanField(required=False, default=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ScoresSerializer(Serializer):
    scores = ScoreInputSerializer(many=True)

    def validate_scores(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items = [row["item"] for row in value]
        if len(items) != len(set(items)):
            raise serializers.ValidationError(_("Each item may be scored once."))
        return value


class ReviewDecisionSerializer(Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True)


class PhotoUploadSerializer(Serializer):
    file = serializers.FileField()
    item = serializers.IntegerField(required=False, allow_null=True)
    caption = serializers.CharField(required=False, allow_blank=True, max_length=200)


class FindingCreateSerializer(Serializer):
    inspection = serializers.PrimaryKeyRelatedField(queryset=Inspection.objects.all())
    text = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    item = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistItem.objects.all(), required=False, allow_null=True
    )
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, allow_null=True
    )
    due_date = serializers.DateField(required=False, allow_null=True)


class FindingUpdateSerializer(Serializer):
    text = serializers.CharField(required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    item = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistItem.objects.all(), required=False, allow_null=True
    )
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, allow_null=True
    )
    due_date = serializers.DateField(required=False, allow_null=True)


class OpenActionSerializer(Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, allow_null=True
    )
    deadline = serializers.DateField(required=False, allow_null=True)


# --- sampling plans and reviews --------------------------------------------------------------


class SampleDrawSerializer(ModelSerializer):
    class Meta:
        model = SampleDraw
        fields = ["id", "month", "seed", "closed_tickets", "sampled", "low_satisfaction"]
        read_only_fields = fields


class SamplingPlanSerializer(ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.display_name", read_only=True)

    class Meta:
        model = SamplingPlan
        fields = [
            "id",
            "name",
            "org_unit",
            "org_unit_name",
            "share_percent",
            "include_low_satisfaction",
            "kinds",
            "seed",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class SamplingPlanDetailSerializer(SamplingPlanSerializer):
    draws = SampleDrawSerializer(many=True, read_only=True)

    class Meta(SamplingPlanSerializer.Meta):
        fields = [*SamplingPlanSerializer.Meta.fields, "draws"]
        read_only_fields = fields


class PlanInputSerializer(Serializer):
    name = serializers.CharField(max_length=120)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    share_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    include_low_satisfaction = serializers.BooleanField(required=False)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=TicketKind.choices), required=False
    )
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2_000_000_000)
    is_active = serializers.BooleanField(required=False)


class DrawSerializer(Serializer):
    month = serializers.DateField(help_text="Any day of the month to draw, e.g. 2026-10-01.")
    seed = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2_000_000_000
    )


class ReviewScoreSerializer(ModelSerializer):
    class Meta:
        model = ReviewScore
        fields = ["item", "score", "not_applicable", "comment"]
        read_only_fields = fields


class TicketReviewSerializer(ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    ticket_title = serializers.CharField(source="ticket.title", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.display_name", read_only=True)
    agent_name = serializers.SerializerMethodField()
    reviewer_name = serializers.SerializerMethodField()

    class Meta:
        model = TicketReview
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "ticket_title",
            "org_unit",
            "org_unit_name",
            "plan",
            "reason",
            "agent",
            "agent_name",
            "reviewer",
            "reviewer_name",
            "version",
            "status",
            "score",
            "passed",
            "service_error",
            "service_error_reason",
            "comment",
            "reviewed_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_agent_name(self, review: TicketReview) -> str:
        return _name(review.agent)

    def get_reviewer_name(self, review: TicketReview) -> str:
        return _name(review.reviewer)


class TicketReviewDetailSerializer(TicketReviewSerializer):
    scores = ReviewScoreSerializer(many=True, read_only=True)

    class Meta(TicketReviewSerializer.Meta):
        fields = [*TicketReviewSerializer.Meta.fields, "scores"]
        read_only_fields = fields


class ReviewCreateSerializer(Serializer):
    ticket = serializers.IntegerField()
    reviewer = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_USERS, required=False, allow_null=True
    )

    def validate_ticket(self, value: int) -> Any:
        from sqms.servicedesk.models import Ticket

        ticket = Ticket.objects.select_related("org_unit").filter(pk=value).first()
        if ticket is None:
            raise serializers.ValidationError(_("No such ticket."))
        return ticket


class ReviewSubmitSerializer(ScoresSerializer):
    comment = serializers.CharField(required=False, allow_blank=True)
    service_error = serializers.BooleanField(required=False, default=False)
    service_error_reason = serializers.CharField(required=False, allow_blank=True)


class ReviewAssignSerializer(Serializer):
    reviewer = serializers.PrimaryKeyRelatedField(queryset=ACTIVE_USERS)
