"""Serializers of the surveys API. Personal data never appears: responses carry ids and
scores, not the customer's name or phone."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.core.errors import DomainError
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_in_scope
from sqms.servicedesk.choices import Channel, TicketKind
from sqms.surveys import services
from sqms.surveys.choices import VersionStatus
from sqms.surveys.models import (
    Answer,
    Campaign,
    FollowUp,
    Invitation,
    InvitationRule,
    Question,
    SurveyResponse,
    SurveyTemplate,
    SurveyVersion,
)


class ScopedUnitMixin:
    """The org unit written must lie in the requesting user's scope."""

    context: dict[str, Any]

    def validate_org_unit(self, unit: OrgUnit | None) -> OrgUnit | None:
        user = self.context["request"].user
        if unit is not None and not unit_in_scope(user, unit):
            raise serializers.ValidationError(_("This org unit is outside your scope."))
        return unit


class SurveyQuestionSerializer(ModelSerializer):
    class Meta:
        model = Question
        fields = [
            "id",
            "version",
            "position",
            "code",
            "qtype",
            "dimension",
            "pair",
            "text_zh",
            "text_en",
            "low_label_zh",
            "low_label_en",
            "high_label_zh",
            "high_label_en",
            "options",
            "required",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        probe = Question(**{**self._current(), **attrs})
        try:
            if probe.version_id:
                services.check_editable(probe.version)
            services.check_question(probe)
        except DomainError as refused:
            raise serializers.ValidationError(
                {refused.field or "non_field_errors": [refused.message]}
            ) from refused
        return attrs

    def _current(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        return {
            f.name: getattr(self.instance, f.name)
            for f in Question._meta.concrete_fields
            if f.name != "id"
        }


class SurveyVersionSerializer(ModelSerializer):
    questions = SurveyQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = SurveyVersion
        fields = [
            "id",
            "template",
            "number",
            "status",
            "published_at",
            "intro_zh",
            "intro_en",
            "questions",
        ]
        read_only_fields = ["template", "number", "status", "published_at"]


class SurveyVersionSummarySerializer(ModelSerializer):
    class Meta:
        model = SurveyVersion
        fields = ["id", "number", "status", "published_at"]


class SurveyTemplateSerializer(ScopedUnitMixin, ModelSerializer):
    versions = SurveyVersionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = SurveyTemplate
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "description",
            "is_servqual",
            "active",
            "org_unit",
            "versions",
        ]


class SurveyInvitationRuleSerializer(ScopedUnitMixin, ModelSerializer):
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=TicketKind.choices), required=False
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False
    )

    class Meta:
        model = InvitationRule
        fields = [
            "id",
            "name",
            "org_unit",
            "template",
            "kinds",
            "channels",
            "sampling_rate",
            "quiet_days",
            "expiry_days",
            "low_score_threshold",
            "active",
        ]

    def validate_template(self, template: SurveyTemplate) -> SurveyTemplate:
        user = self.context["request"].user
        if not SurveyTemplate.objects.visible_to(user).filter(pk=template.pk).exists():
            raise serializers.ValidationError(_("No such template."))
        return template


class SurveyCampaignSerializer(ScopedUnitMixin, ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "org_unit",
            "version",
            "segment",
            "period_start",
            "period_end",
            "quiet_days",
            "status",
            "invitations_made",
        ]
        read_only_fields = ["status", "invitations_made"]

    def validate_version(self, version: SurveyVersion) -> SurveyVersion:
        if version.status != VersionStatus.PUBLISHED:
            raise serializers.ValidationError(_("A campaign needs a published version."))
        return version

    def validate_segment(self, segment: str) -> str:
        from sqms.customers.choices import Segment

        if segment and segment not in Segment.values:
            raise serializers.ValidationError(_("Unknown segment."))
        return segment

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("period_start", getattr(self.instance, "period_start", None))
        end = attrs.get("period_end", getattr(self.instance, "period_end", None))
        if start and end and start > end:
            raise serializers.ValidationError({"period_end": [_("The end is before the start.")]})
        return attrs


class SurveyInvitationSerializer(ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "org_unit",
            "version",
            "rule",
            "campaign",
            "ticket",
            "ticket_number",
            "staff",
            "channel",
            "kind",
            "language",
            "status",
            "expires_at",
            "sent_at",
            "sent_via",
            "answered_at",
            "created_at",
        ]


class SurveyAnswerSerializer(ModelSerializer):
    code = serializers.CharField(source="question.code", read_only=True)

    class Meta:
        model = Answer
        fields = ["code", "number", "text", "choices"]


class SurveyResponseSerializer(ModelSerializer):
    answers = SurveyAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "org_unit",
            "version",
            "invitation",
            "campaign",
            "ticket",
            "staff",
            "channel",
            "kind",
            "category",
            "mode",
            "entered_by",
            "language",
            "completed_at",
            "overall",
            "nps",
            "ces",
            "comment",
            "answers",
        ]


class SurveyFollowUpSerializer(ModelSerializer):
    class Meta:
        model = FollowUp
        fields = [
            "id",
            "org_unit",
            "response",
            "ticket",
            "assignee",
            "score",
            "due_at",
            "status",
            "outcome",
            "done_at",
            "done_by",
            "improvement_action",
        ]


class SurveyOutcomeSerializer(Serializer):
    outcome = serializers.CharField(max_length=1000)


class SurveyResultsQuerySerializer(Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    org_unit = serializers.IntegerField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    kind = serializers.ChoiceField(choices=TicketKind.choices, required=False)
    staff = serializers.IntegerField(required=False)
    template = serializers.IntegerField(required=False)
