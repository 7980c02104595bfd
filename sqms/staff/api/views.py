"""REST endpoints of the staff app, mounted at /api/staff/.

Querysets are scoped to the requesting user (404 outside); every write goes through a service.
"""

from typing import Any, ClassVar

from django.db.models import Count, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sqms.core.api.permissions import ModelPermissions
from sqms.staff import examining, rewards, scoring, services, training
from sqms.staff.access import TAKE_EXAM, visible_attempts, visible_exams
from sqms.staff.api import serializers as s
from sqms.staff.models import (
    Certification,
    CertificationType,
    Competency,
    Course,
    Enrolment,
    Exam,
    Question,
    RewardPenalty,
    Scorecard,
    ScorecardWeights,
    StaffProfile,
    TrainingPlan,
    TrainingSession,
)
from sqms.staff.records import create_record, delete_record, update_record

WRITES = ("update", "partial_update", "destroy")
NOT_FOUND = OpenApiResponse(description="No such object, or it lies outside your org-unit scope.")
CONFLICT = OpenApiResponse(description="The record's state forbids the action.")


class RecordViewSet(viewsets.ModelViewSet):
    """CRUD over a scoped model through the audited record services."""

    model: ClassVar[Any]
    related: ClassVar[tuple[str, ...]] = ("org_unit",)
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet:
        queryset = self.model.objects.visible_to(self.request.user)
        if self.action in WRITES and hasattr(queryset, "editable_by"):
            queryset = queryset.editable_by(self.request.user)
        elif self.action in WRITES and hasattr(queryset, "in_scope_of"):
            queryset = queryset.in_scope_of(self.request.user)
        return queryset.select_related(*self.related)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = create_record(
            self.model, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = update_record(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: Any) -> None:
        delete_record(instance, actor=self.request.user)


@extend_schema_view(list=extend_schema(summary="List courses"))
class CourseViewSet(RecordViewSet):
    model = Course
    serializer_class = s.CourseSerializer
    filterset_fields = ["course_type", "mode", "is_active", "org_unit"]
    search_fields = ["code", "title"]


@extend_schema_view(list=extend_schema(summary="List training sessions"))
class TrainingSessionViewSet(RecordViewSet):
    model = TrainingSession
    serializer_class = s.TrainingSessionSerializer
    related = ("org_unit", "course", "trainer")
    filterset_fields = ["course", "trainer", "org_unit"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().annotate(enrolled=Count("enrolments"))


@extend_schema_view(list=extend_schema(summary="List training plans"))
class TrainingPlanViewSet(RecordViewSet):
    model = TrainingPlan
    serializer_class = s.TrainingPlanSerializer
    filterset_fields = ["position", "is_active", "org_unit"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().prefetch_related("items")


@extend_schema_view(list=extend_schema(summary="List enrolments"))
class EnrolmentViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = s.EnrolmentSerializer
    filterset_fields = ["session", "person", "attended"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet:
        queryset = Enrolment.objects.visible_to(self.request.user)
        if self.action in WRITES or self.action == "attendance":
            queryset = queryset.in_scope_of(self.request.user)
        return queryset.select_related("session", "person")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = training.enrol(
            data["session"], data["person"], actor=self.request.user
        )

    def perform_destroy(self, instance: Enrolment) -> None:
        delete_record(instance, actor=self.request.user)

    @extend_schema(
        request=s.AttendanceSerializer, responses={200: s.EnrolmentSerializer, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: Any = None) -> Response:
        enrolment = self.get_object()
        body = s.AttendanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        training.record_attendance(enrolment, body.validated_data["attended"], actor=request.user)
        return Response(s.EnrolmentSerializer(enrolment, context={"request": request}).data)


class OwnFeedback(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)


@extend_schema(
    request=s.TrainingFeedbackSerializer,
    responses={200: s.EnrolmentSerializer, 404: NOT_FOUND, 409: CONFLICT},
)
class FeedbackViewSet(viewsets.GenericViewSet):
    """The trainee's own feedback on an attended session: POST /api/staff/feedback/{enrolment}/."""

    permission_classes = [OwnFeedback]
    serializer_class = s.TrainingFeedbackSerializer

    def get_queryset(self) -> QuerySet:
        return Enrolment.objects.filter(person=self.request.user.pk).select_related("session")

    def update(self, request: Request, pk: Any = None) -> Response:
        enrolment = self.get_object()
        body = s.TrainingFeedbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        training.submit_feedback(
            enrolment,
            actor=request.user,
            rating=body.validated_data["feedback_rating"],
            comment=body.validated_data.get("feedback_comment", ""),
        )
        return Response(s.EnrolmentSerializer(enrolment, context={"request": request}).data)


@extend_schema_view(list=extend_schema(summary="List the question bank"))
class QuestionViewSet(RecordViewSet):
    model = Question
    serializer_class = s.QuestionSerializer
    filterset_fields = ["topic", "difficulty", "kind", "is_active", "org_unit"]
    search_fields = ["text", "topic"]


class ExamPermission(ModelPermissions):
    """Managing exams needs the model permissions; candidates may read and start them."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action in ("list", "retrieve", "start") and user.has_perm(TAKE_EXAM):
            return True
        return super().has_permission(request, view)


@extend_schema_view(list=extend_schema(summary="List exams"))
class ExamViewSet(RecordViewSet):
    model = Exam
    serializer_class = s.ExamSerializer
    permission_classes = [ExamPermission]
    related = ("org_unit", "course", "grants")
    filterset_fields = ["is_published", "course", "org_unit"]
    search_fields = ["title"]

    def get_queryset(self) -> QuerySet:
        if self.action in WRITES:
            return super().get_queryset()
        return visible_exams(self.request.user).select_related(*self.related)

    @extend_schema(request=None, responses={201: s.AttemptPaperSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: Any = None) -> Response:
        attempt = examining.start_attempt(self.get_object(), actor=request.user)
        return Response(
            s.AttemptPaperSerializer(_paper(attempt.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={200: None})
    @action(detail=True, methods=["get"])
    def statistics(self, request: Request, pk: Any = None) -> Response:
        if not request.user.has_perm("staff.view_attempt"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        rows = examining.question_statistics(self.get_object())
        return Response(
            [
                {
                    "question": row.question.pk,
                    "text": row.question.text,
                    "answered": row.answered,
                    "difficulty_index": row.difficulty_index,
                    "discrimination": row.discrimination,
                }
                for row in rows
            ]
        )


def _paper(pk: int) -> Any:
    from sqms.staff.models import Attempt

    return (
        Attempt.objects.select_related("exam", "person")
        .prefetch_related("questions__question")
        .get(pk=pk)
    )


class AttemptPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.has_perm("staff.view_attempt") or user.has_perm(TAKE_EXAM))
        )


@extend_schema_view(list=extend_schema(summary="List exam attempts (your own, or your scope's)"))
class AttemptViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AttemptPermission]
    filterset_fields = ["exam", "status", "is_late"]
    ordering = ["-started_at"]

    def get_queryset(self) -> QuerySet:
        return visible_attempts(self.request.user).select_related("exam", "person")

    def get_serializer_class(self) -> Any:
        return s.AttemptPaperSerializer if self.action == "retrieve" else s.AttemptSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        attempt = self.get_object()
        return Response(
            s.AttemptPaperSerializer(_paper(attempt.pk), context={"request": request}).data
        )

    def _answer(self, request: Request, submit: bool) -> Response:
        attempt = self.get_object()
        body = s.AnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answers = body.validated_data.get("answers") or {}
        if submit:
            examining.submit_attempt(attempt, actor=request.user, answers=answers)
        else:
            examining.save_answers(attempt, answers, actor=request.user)
        return Response(
            s.AttemptPaperSerializer(_paper(attempt.pk), context={"request": request}).data
        )

    @extend_schema(
        request=s.AnswersSerializer, responses={200: s.AttemptPaperSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def save(self, request: Request, pk: Any = None) -> Response:
        """Keep answers so far (refused after the deadline)."""
        return self._answer(request, submit=False)

    @extend_schema(
        request=s.AnswersSerializer, responses={200: s.AttemptPaperSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        """Hand in. Late: recorded as late; only answers saved before the deadline count."""
        return self._answer(request, submit=True)

    @extend_schema(request=s.MarkSerializer, responses={200: s.AttemptSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def mark(self, request: Request, pk: Any = None) -> Response:
        attempt = self.get_object()
        body = s.MarkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = attempt.questions.filter(position=body.validated_data["position"]).first()
        if row is None:
            return Response({"position": ["No such question on this paper."]}, status=400)
        attempt = examining.mark_answer(row, body.validated_data["awarded"], actor=request.user)
        return Response(s.AttemptSerializer(attempt, context={"request": request}).data)


@extend_schema_view(list=extend_schema(summary="List the competency matrix"))
class CompetencyViewSet(RecordViewSet):
    model = Competency
    serializer_class = s.CompetencySerializer
    filterset_fields = ["position", "skill", "org_unit"]


@extend_schema_view(list=extend_schema(summary="List certification types"))
class CertificationTypeViewSet(RecordViewSet):
    model = CertificationType
    serializer_class = s.CertificationTypeSerializer
    filterset_fields = ["ticket_kind", "enforcement", "org_unit"]


@extend_schema_view(list=extend_schema(summary="List certifications"))
class CertificationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CertificationSerializer
    filterset_fields = ["person", "cert_type", "revoked"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet:
        return Certification.objects.visible_to(self.request.user).select_related(
            "cert_type", "person"
        )

    @extend_schema(
        summary="Revoke a certification",
        request=s.RevokeSerializer,
        responses={200: s.CertificationSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        body = s.RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        certification = services.revoke_certification(
            self.get_object(), actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(s.CertificationSerializer(certification).data)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        services.require(self.request.user, "staff.add_certification")
        serializer.instance = services.grant_certification(
            data["person"],
            data["cert_type"],
            actor=self.request.user,
            obtained_on=data["obtained_on"],
        )


@extend_schema_view(list=extend_schema(summary="List staff archives"))
class StaffProfileViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = s.StaffProfileSerializer
    filterset_fields = ["org_unit"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet:
        queryset = StaffProfile.objects.visible_to(self.request.user)
        if self.action in WRITES:
            queryset = queryset.in_scope_of(self.request.user)
        return queryset.select_related("user", "org_unit")

    def perform_create(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        person = values.pop("user")
        serializer.instance = services.save_profile(person, actor=self.request.user, **values)

    def perform_update(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        values.pop("user", None)
        serializer.instance = services.save_profile(
            serializer.instance.user, actor=self.request.user, **values
        )


@extend_schema_view(list=extend_schema(summary="List scorecard weights (all versions)"))
class ScorecardWeightsViewSet(RecordViewSet):
    model = ScorecardWeights
    serializer_class = s.ScorecardWeightsSerializer
    filterset_fields = ["position", "org_unit"]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        version = scoring.next_weights_version(data["org_unit"], data["position"])
        serializer.instance = create_record(
            self.model, actor=self.request.user, version=version, **data
        )

    def perform_update(self, serializer: Any) -> None:
        scoring.check_weights_unused(serializer.instance)
        super().perform_update(serializer)

    def perform_destroy(self, instance: Any) -> None:
        scoring.check_weights_unused(instance)
        super().perform_destroy(instance)


@extend_schema_view(list=extend_schema(summary="List scorecards"))
class ScorecardViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ScorecardSerializer
    filterset_fields = ["period", "org_unit", "person", "is_service_star"]
    ordering = ["-period", "rank_in_unit"]

    def get_queryset(self) -> QuerySet:
        return Scorecard.objects.visible_to(self.request.user).select_related("person")

    @extend_schema(request=s.ComputeSerializer, responses={200: s.ScorecardSerializer(many=True)})
    @action(detail=False, methods=["post"], permission_classes=[ModelPermissions])
    def compute(self, request: Request) -> Response:
        body = s.ComputeSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        cards = scoring.compute_scorecards(
            body.validated_data["org_unit"], body.validated_data["period"], actor=request.user
        )
        return Response(s.ScorecardSerializer(cards, many=True).data)


@extend_schema_view(list=extend_schema(summary="List rewards and penalties"))
class RewardPenaltyViewSet(viewsets.ModelViewSet):
    serializer_class = s.RewardPenaltySerializer
    filterset_fields = ["person", "kind", "status", "org_unit"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet:
        queryset = RewardPenalty.objects.visible_to(self.request.user)
        if self.action in (*WRITES, "approve", "reject"):
            queryset = queryset.in_scope_of(self.request.user)
        return queryset.select_related("person")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = rewards.propose(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        values.pop("person", None)
        serializer.instance = rewards.change(serializer.instance, actor=self.request.user, **values)

    def perform_destroy(self, instance: RewardPenalty) -> None:
        rewards.withdraw(instance, actor=self.request.user)

    def _decide(self, request: Request, approve: bool) -> Response:
        body = s.DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = rewards.decide(
            self.get_object(),
            actor=request.user,
            approve=approve,
            note=body.validated_data.get("note", ""),
        )
        return Response(s.RewardPenaltySerializer(record, context={"request": request}).data)

    @extend_schema(
        request=s.DecisionSerializer, responses={200: s.RewardPenaltySerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"], permission_classes=[ModelPermissions])
    def approve(self, request: Request, pk: Any = None) -> Response:
        return self._decide(request, True)

    @extend_schema(
        request=s.DecisionSerializer, responses={200: s.RewardPenaltySerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"], permission_classes=[ModelPermissions])
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self._decide(request, False)
