"""Serializers of the staff API. Candidates' views of a paper never carry the correct answers."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from sqms.core.api.serializers import ScopedUnitField
from sqms.core.masking import mask_address, mask_id_number, mask_phone
from sqms.core.models import User
from sqms.core.scope import unit_scope_filter
from sqms.servicedesk.models import Ticket
from sqms.staff.choices import QuestionKind
from sqms.staff.models import (
    Attempt,
    AttemptQuestion,
    Certification,
    CertificationType,
    Competency,
    Course,
    Enrolment,
    Exam,
    PlanItem,
    Question,
    RewardPenalty,
    Scorecard,
    ScorecardWeights,
    StaffProfile,
    TrainingPlan,
    TrainingSession,
)


def request_user(serializer: Any) -> Any:
    while serializer is not None and "request" not in getattr(serializer, "context", {}):
        serializer = serializer.parent
    request = serializer.context.get("request") if serializer is not None else None
    return getattr(request, "user", None)


class VisibleField(serializers.PrimaryKeyRelatedField):
    """A related record chosen by id among those the requesting user sees (others: 'does not
    exist')."""

    def __init__(self, model: Any, **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        user = request_user(self)
        if user is None:
            return self.model.objects.none()
        return self.model.objects.visible_to(user)


class VisibleUserField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        user = request_user(self)
        if user is None:
            return User.objects.none()
        return User.objects.filter(unit_scope_filter(user, "org_unit"), is_active=True)


class PersonSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "position"]
        read_only_fields = fields


# --- training ---------------------------------------------------------------------------------


class CourseSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()

    class Meta:
        model = Course
        fields = [
            "id",
            "org_unit",
            "code",
            "title",
            "course_type",
            "mode",
            "hours",
            "description",
            "is_active",
        ]


class TrainingSessionSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()
    course = VisibleField(Course)
    trainer = VisibleUserField()
    enrolled = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "org_unit",
            "course",
            "starts_at",
            "ends_at",
            "trainer",
            "capacity",
            "location",
            "enrolled",
        ]


class EnrolmentSerializer(serializers.ModelSerializer):
    session = VisibleField(TrainingSession)
    person = VisibleUserField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "session",
            "person",
            "attended",
            "completed_on",
            "feedback_rating",
            "feedback_comment",
        ]
        read_only_fields = ["attended", "completed_on", "feedback_rating", "feedback_comment"]


class AttendanceSerializer(serializers.Serializer):
    attended = serializers.BooleanField()


class TrainingFeedbackSerializer(serializers.Serializer):
    feedback_rating = serializers.IntegerField(min_value=1, max_value=5)
    feedback_comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PlanItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanItem
        fields = ["id", "course", "due_within_days", "recurrence_months"]
        read_only_fields = fields


class TrainingPlanSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()
    items = PlanItemSerializer(many=True, read_only=True)

    class Meta:
        model = TrainingPlan
        fields = ["id", "org_unit", "name", "position", "is_active", "items"]


# --- exams --------------------------------------------------------------------------------


class QuestionSerializer(serializers.ModelSerializer):
    """For trainers maintaining the bank (candidates have no access to it)."""

    org_unit = ScopedUnitField()

    class Meta:
        model = Question
        fields = [
            "id",
            "org_unit",
            "topic",
            "difficulty",
            "kind",
            "text",
            "options",
            "correct",
            "points",
            "explanation",
            "is_active",
        ]


class RuleSerializer(serializers.Serializer):
    topic = serializers.CharField(max_length=80)
    difficulty = serializers.IntegerField(min_value=1, max_value=3)
    count = serializers.IntegerField(min_value=1, max_value=200)


class ExamSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()
    course = VisibleField(Course, required=False, allow_null=True)
    grants = VisibleField(CertificationType, required=False, allow_null=True)
    rules = RuleSerializer(many=True)

    class Meta:
        model = Exam
        fields = [
            "id",
            "org_unit",
            "title",
            "course",
            "rules",
            "duration_minutes",
            "pass_mark",
            "max_attempts",
            "grants",
            "is_published",
        ]


class PaperQuestionSerializer(serializers.ModelSerializer):
    """A question as the candidate sees it: options in their shuffled order, each with the
    value to send back. No correct answer, no explanation."""

    text = serializers.CharField(source="question.text")
    kind = serializers.CharField(source="question.kind")
    points = serializers.IntegerField(source="question.points")
    options = serializers.SerializerMethodField()

    class Meta:
        model = AttemptQuestion
        fields = ["position", "text", "kind", "points", "options", "answer", "awarded"]
        read_only_fields = fields

    def get_options(self, row: AttemptQuestion) -> list[dict[str, Any]]:
        if row.question.kind == QuestionKind.TRUE_FALSE:
            return [{"value": 0, "text": "✓"}, {"value": 1, "text": "✗"}]
        return [{"value": index, "text": row.question.options[index]} for index in row.option_order]


class AttemptSerializer(serializers.ModelSerializer):
    person = PersonSerializer(read_only=True)
    exam_title = serializers.CharField(source="exam.title", read_only=True)
    pass_mark = serializers.IntegerField(source="exam.pass_mark", read_only=True)

    class Meta:
        model = Attempt
        fields = [
            "id",
            "exam",
            "exam_title",
            "person",
            "number",
            "seed",
            "started_at",
            "deadline_at",
            "submitted_at",
            "is_late",
            "late_seconds",
            "status",
            "score",
            "max_score",
            "percent",
            "pass_mark",
        ]
        read_only_fields = fields


class AttemptPaperSerializer(AttemptSerializer):
    questions = PaperQuestionSerializer(many=True, read_only=True)

    class Meta(AttemptSerializer.Meta):
        fields = [*AttemptSerializer.Meta.fields, "questions"]
        read_only_fields = fields


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Paper position → option value(s) (a list for multiple choice) or text.",
    )

    def validate_answers(self, value: dict[str, Any]) -> dict[int, Any]:
        try:
            return {int(key): answer for key, answer in value.items()}
        except ValueError:
            raise serializers.ValidationError(_("Positions are numbers.")) from None


class MarkSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    awarded = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)


# --- certifications -----------------------------------------------------------------------


class CompetencySerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()

    class Meta:
        model = Competency
        fields = ["id", "org_unit", "position", "skill", "required_level"]


class CertificationTypeSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()

    class Meta:
        model = CertificationType
        fields = [
            "id",
            "org_unit",
            "code",
            "name",
            "ticket_kind",
            "category",
            "validity_months",
            "enforcement",
        ]


class CertificationSerializer(serializers.ModelSerializer):
    person = VisibleUserField()
    cert_type = VisibleField(CertificationType)

    class Meta:
        model = Certification
        fields = [
            "id",
            "person",
            "cert_type",
            "obtained_on",
            "expires_on",
            "attempt",
            "revoked",
            "revoked_at",
            "revoke_reason",
        ]
        read_only_fields = ["expires_on", "attempt", "revoked", "revoked_at", "revoke_reason"]


# --- archive --------------------------------------------------------------------------------


class StaffProfileSerializer(serializers.ModelSerializer):
    """Personal fields are write-only in clear and read back masked."""

    user = VisibleUserField()
    person = PersonSerializer(source="user", read_only=True)
    id_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=18
    )
    home_address = serializers.CharField(write_only=True, required=False, allow_blank=True)
    emergency_phone = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=32
    )
    id_number_masked = serializers.SerializerMethodField()
    home_address_masked = serializers.SerializerMethodField()
    emergency_phone_masked = serializers.SerializerMethodField()

    class Meta:
        model = StaffProfile
        fields = [
            "id",
            "user",
            "person",
            "org_unit",
            "id_number",
            "id_number_masked",
            "home_address",
            "home_address_masked",
            "emergency_contact",
            "emergency_phone",
            "emergency_phone_masked",
            "education",
            "skills",
            "notes",
        ]
        read_only_fields = ["org_unit"]

    def get_id_number_masked(self, profile: StaffProfile) -> str:
        return mask_id_number(profile.id_number or "")

    def get_home_address_masked(self, profile: StaffProfile) -> str:
        return mask_address(profile.home_address or "")

    def get_emergency_phone_masked(self, profile: StaffProfile) -> str:
        return mask_phone(profile.emergency_phone or "")


# --- performance ----------------------------------------------------------------------------


class ScorecardWeightsSerializer(serializers.ModelSerializer):
    org_unit = ScopedUnitField()

    class Meta:
        model = ScorecardWeights
        fields = [
            "id",
            "org_unit",
            "position",
            "version",
            "effective_from",
            "volume_target",
            "w_volume",
            "w_response",
            "w_sla",
            "w_satisfaction",
            "w_error",
            "w_fcr",
            "w_inspection",
            "w_exam",
        ]
        read_only_fields = ["version"]


class ScorecardSerializer(serializers.ModelSerializer):
    person = PersonSerializer(read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "person",
            "org_unit",
            "period",
            "weights",
            "inputs",
            "components",
            "total",
            "rank_in_unit",
            "is_service_star",
        ]
        read_only_fields = fields


class ComputeSerializer(serializers.Serializer):
    org_unit = ScopedUnitField()
    period = serializers.DateField(help_text="Any day of the month to compute.")


class RewardPenaltySerializer(serializers.ModelSerializer):
    person = VisibleUserField()
    evidence_ticket = VisibleField(Ticket, required=False, allow_null=True)

    class Meta:
        model = RewardPenalty
        fields = [
            "id",
            "number",
            "person",
            "org_unit",
            "kind",
            "reason",
            "amount_fen",
            "points",
            "evidence_ticket",
            "evidence_reference",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = [
            "number",
            "org_unit",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
