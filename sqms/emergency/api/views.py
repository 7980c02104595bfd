"""REST endpoints of emergency response: plans and their versions, critical services,
incidents with one POST endpoint per step of the response flow, drill programmes and drills.

Querysets are scoped to the requesting user (out of scope: 404); every change goes through a
service in sqms.emergency.services, which refuses with DomainError (400) or ConflictError
(409) and changes nothing.
"""

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.core.errors import DomainError
from sqms.emergency import access, services
from sqms.emergency.api import serializers as s
from sqms.emergency.choices import PlanStatus
from sqms.emergency.filtersets import (
    CriticalServiceFilterSet,
    DrillFilterSet,
    IncidentFilterSet,
    PlanFilterSet,
    ProgrammeFilterSet,
)
from sqms.emergency.models import (
    CriticalService,
    Drill,
    DrillProgramme,
    EmergencyPlan,
    Incident,
    IncidentTask,
    PlanVersion,
)


class ReadPermission(BasePermission):
    """Every request needs the view's read permission; writes are checked by the services
    (which answer 403 without the right permission)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(view.read_permission))


def _plan_in_scope(user: Any, plan: EmergencyPlan | None, field: str = "plan") -> Any:
    if plan is None:
        return None
    if not access.visible_plans(user).filter(pk=plan.pk).exists():
        raise DomainError("Unknown plan.", field=field)
    return plan


# --- plans ------------------------------------------------------------------------------------


def _with_current(queryset: QuerySet[EmergencyPlan]) -> QuerySet[EmergencyPlan]:
    current = (
        PlanVersion.objects.filter(
            plan=OuterRef("pk"), status=PlanStatus.APPROVED, effective_on__lte=timezone.localdate()
        )
        .order_by("-number")
        .values("number")[:1]
    )
    return queryset.annotate(current_number=Subquery(current))


@extend_schema_view(
    list=extend_schema(
        summary="List emergency plans",
        description="Plans of your units and of the units above them.",
    ),
    retrieve=extend_schema(
        summary="Get a plan with its versions",
        responses={200: s.PlanDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Create a plan (with a first draft version)",
        responses={201: s.PlanSerializer, 400: VALIDATION_ERROR},
    ),
    destroy=extend_schema(
        summary="Delete a plan that was never approved", responses={204: None, 409: CONFLICT}
    ),
)
class PlanViewSet(viewsets.ModelViewSet):
    read_permission = "emergency.view_emergencyplan"
    permission_classes = [ReadPermission]
    serializer_class = s.PlanSerializer
    filterset_class = PlanFilterSet
    ordering = ["code"]
    search_fields = ["code", "title"]

    def get_queryset(self) -> QuerySet[EmergencyPlan]:
        queryset = access.visible_plans(self.request.user).select_related("org_unit")
        if self.action in ("retrieve", "update", "partial_update"):
            queryset = queryset.prefetch_related("versions")
        return _with_current(queryset)

    def get_serializer_class(self) -> Any:
        detailed = ("retrieve", "update", "partial_update")
        return s.PlanDetailSerializer if self.action in detailed else s.PlanSerializer

    def perform_create(self, serializer: Any) -> None:
        plan = services.create_plan(actor=self.request.user, **serializer.validated_data)
        serializer.instance = _with_current(EmergencyPlan.objects.filter(pk=plan.pk)).get()

    def perform_update(self, serializer: Any) -> None:
        plan = services.update_plan(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = _with_current(EmergencyPlan.objects.filter(pk=plan.pk)).get()

    def perform_destroy(self, instance: EmergencyPlan) -> None:
        services.delete_plan(instance, actor=self.request.user)

    @extend_schema(
        summary="Open a new draft version",
        request=s.DraftNoteSerializer,
        responses={201: s.PlanVersionSerializer},
    )
    @action(detail=True, methods=["post"], url_path="new-draft")
    def new_draft(self, request: Request, pk: Any = None) -> Response:
        data = s.DraftNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.new_draft(
            self.get_object(),
            actor=request.user,
            revision_note=data.validated_data["revision_note"],
        )
        return Response(s.PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List plan versions"),
    retrieve=extend_schema(summary="Get a plan version (grading, roles, steps, resources)"),
    partial_update=extend_schema(
        summary="Change a draft version",
        description="Approved versions are frozen (409).",
        request=s.PlanVersionUpdateSerializer,
        responses={200: s.PlanVersionSerializer, 400: VALIDATION_ERROR, 409: CONFLICT},
    ),
)
class PlanVersionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    read_permission = "emergency.view_emergencyplan"
    permission_classes = [ReadPermission]
    serializer_class = s.PlanVersionSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]
    filterset_fields = ["plan", "status"]

    def get_queryset(self) -> QuerySet[PlanVersion]:
        plans = access.visible_plans(self.request.user)
        return (
            PlanVersion.objects.filter(plan__in=plans)
            .select_related("plan")
            .order_by("plan__code", "-number")
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.PlanVersionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        version = services.update_version(
            self.get_object(), actor=request.user, **data.validated_data
        )
        return Response(s.PlanVersionSerializer(version).data)

    @extend_schema(
        summary="Approve a draft version",
        request=s.PlanApproveSerializer,
        responses={200: s.PlanVersionSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        data = s.PlanApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.approve_version(
            self.get_object(), actor=request.user, **data.validated_data
        )
        return Response(s.PlanVersionSerializer(version).data)


@extend_schema_view(
    list=extend_schema(summary="List critical services (MTPD, RTO, dependencies)"),
    retrieve=extend_schema(summary="Get a critical service"),
    create=extend_schema(summary="Add a critical service"),
)
class CriticalServiceViewSet(viewsets.ModelViewSet):
    read_permission = "emergency.view_criticalservice"
    permission_classes = [ReadPermission]
    serializer_class = s.CriticalServiceSerializer
    filterset_class = CriticalServiceFilterSet
    ordering = ["code"]

    def get_queryset(self) -> QuerySet[CriticalService]:
        return access.visible_services(self.request.user).prefetch_related("plans")

    def _plans(self, values: dict[str, Any]) -> Any:
        plans = values.pop("plans", None)
        if plans is not None:
            for plan in plans:
                _plan_in_scope(self.request.user, plan, "plans")
        return plans

    def perform_create(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        serializer.instance = services.save_critical_service(
            None, actor=self.request.user, plans=self._plans(values), **values
        )

    def perform_update(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        serializer.instance = services.save_critical_service(
            serializer.instance, actor=self.request.user, plans=self._plans(values), **values
        )

    def perform_destroy(self, instance: CriticalService) -> None:
        services.delete_critical_service(instance, actor=self.request.user)


# --- incidents ----------------------------------------------------------------------------------


def _detail(incident: Incident) -> Response:
    fresh = Incident.objects.select_related("org_unit", "plan_version__plan").get(pk=incident.pk)
    return Response(s.IncidentDetailSerializer(fresh).data)


ACTION = {200: s.IncidentDetailSerializer, 400: VALIDATION_ERROR, 404: NOT_FOUND, 409: CONFLICT}


@extend_schema_view(
    list=extend_schema(
        summary="List incidents",
        description="Incidents of your units and those you hold a role in.",
    ),
    retrieve=extend_schema(
        summary="Get an incident",
        description="With its timeline, roles, tasks, notices, impact, "
        "review and the actions possible now.",
        responses={200: s.IncidentDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Report an incident (报告)",
        description="From a person, an integration or an early-warning alert "
        "(`source: alert`, with the alert's id in `source_reference`).",
        request=s.IncidentCreateSerializer,
        responses={201: s.IncidentDetailSerializer, 400: VALIDATION_ERROR},
        examples=[
            OpenApiExample(
                "An alert",
                request_only=True,
                value={
                    "title": "营业系统登录失败率超阈值",
                    "org_unit": 3,
                    "source": "alert",
                    "source_reference": "ALERT-2026-0042",
                    "customer_facing": True,
                },
            )
        ],
    ),
)
class IncidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    read_permission = "emergency.view_incident"
    permission_classes = [ReadPermission]
    serializer_class = s.IncidentSerializer
    filterset_class = IncidentFilterSet
    ordering_fields = ["reported_at", "level", "status"]
    ordering = ["-reported_at"]
    search_fields = ["number", "title"]

    def get_queryset(self) -> QuerySet[Incident]:
        queryset = access.visible_incidents(self.request.user).select_related(
            "org_unit", "plan_version__plan"
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__actor", "roles__user", "tasks", "notices")
        return queryset

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return s.IncidentDetailSerializer
        if self.action == "create":
            return s.IncidentCreateSerializer
        return s.IncidentSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.report_incident(actor=request.user, **data.validated_data)
        response = _detail(incident)
        response.status_code = status.HTTP_201_CREATED
        return response

    def _run(self, request: Request, serializer_class: Any, call: Any) -> Response:
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        incident = self.get_object()
        call(incident, dict(data.validated_data))
        return _detail(incident)

    @extend_schema(
        summary="Assess (评估): type, level and the plan version frozen",
        request=s.IncidentAssessSerializer,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"])
    def assess(self, request: Request, pk: Any = None) -> Response:
        def call(incident: Incident, v: dict[str, Any]) -> None:
            v["plan"] = _plan_in_scope(request.user, v.get("plan"))
            services.assess_incident(incident, actor=request.user, **v)

        return self._run(request, s.IncidentAssessSerializer, call)

    @extend_schema(
        summary="Activate (启动) the plan: roles and step tasks",
        request=s.IncidentActivateSerializer,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.IncidentActivateSerializer,
            lambda i, v: services.activate_incident(
                i, actor=request.user, assignments=v["assignments"], note=v["note"]
            ),
        )

    @extend_schema(
        summary="Start the response (处置)", request=s.IncidentStepNoteSerializer, responses=ACTION
    )
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.IncidentStepNoteSerializer,
            lambda i, v: services.start_response(i, actor=request.user, **v),
        )

    @extend_schema(
        summary="Release a notice (信息发布) to staff or the public",
        request=s.NoticeCreateSerializer,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"])
    def notices(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.NoticeCreateSerializer,
            lambda i, v: services.publish_notice(i, actor=request.user, **v),
        )

    @extend_schema(
        summary="Mark the service restored (恢复)",
        request=s.IncidentRestoreSerializer,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.IncidentRestoreSerializer,
            lambda i, v: services.restore_service(i, actor=request.user, **v),
        )

    @extend_schema(summary="Change the level", request=s.IncidentLevelSerializer, responses=ACTION)
    @action(detail=True, methods=["post"], url_path="change-level")
    def change_level(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.IncidentLevelSerializer,
            lambda i, v: services.change_level(i, actor=request.user, **v),
        )

    @extend_schema(
        summary="Add a timeline entry (never in the future)",
        request=s.TimelineEntrySerializer,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"])
    def timeline(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.TimelineEntrySerializer,
            lambda i, v: services.add_timeline_entry(i, actor=request.user, **v),
        )

    @extend_schema(
        summary="Tick off a task", request=s.IncidentTaskDoneSerializer, responses=ACTION
    )
    @action(detail=True, methods=["post"], url_path="complete-task")
    def complete_task(self, request: Request, pk: Any = None) -> Response:
        def call(incident: Incident, v: dict[str, Any]) -> None:
            task = IncidentTask.objects.filter(incident=incident, pk=v["task"]).first()
            if task is None:
                raise DomainError("No such task in this incident.", field="task")
            services.complete_task(task, actor=request.user, note=v["note"])

        return self._run(request, s.IncidentTaskDoneSerializer, call)

    @extend_schema(
        summary="Link affected tickets by problem type, unit and time window",
        request=s.LinkTicketsSerializer,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"], url_path="link-tickets")
    def link_tickets(self, request: Request, pk: Any = None) -> Response:
        from sqms.servicedesk.models import Category

        def call(incident: Incident, v: dict[str, Any]) -> None:
            if v["category"] is not None:
                v["category"] = Category.objects.filter(pk=v["category"]).first()
                if v["category"] is None:
                    raise DomainError("Unknown problem type.", field="category")
            services.link_tickets(incident, actor=request.user, **v)

        return self._run(request, s.LinkTicketsSerializer, call)

    @extend_schema(summary="Start the post-incident review (总结)", request=None, responses=ACTION)
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.IncidentStepNoteSerializer,
            lambda i, v: services.start_review(i, actor=request.user),
        )

    @extend_schema(summary="Write the review", request=s.IncidentReviewSerializer, responses=ACTION)
    @action(detail=True, methods=["patch"])
    def review(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.IncidentReviewSerializer,
            lambda i, v: services.update_review(i, actor=request.user, **v),
        )

    @extend_schema(
        summary="Add an action to the review",
        request=s.ReviewActionCreateSerializer,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"], url_path="review-actions")
    def review_actions(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.ReviewActionCreateSerializer,
            lambda i, v: services.add_review_action(i, actor=request.user, **v),
        )

    @extend_schema(
        summary="Complete the review: actions open, plan revision drafted",
        request=None,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"], url_path="complete-review")
    def complete_review(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.IncidentStepNoteSerializer,
            lambda i, v: services.complete_review(i, actor=request.user),
        )

    @extend_schema(
        summary="Close (needs a completed review)",
        request=s.IncidentStepNoteSerializer,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.IncidentStepNoteSerializer,
            lambda i, v: services.close_incident(i, actor=request.user, **v),
        )

    @extend_schema(
        summary="Dismiss as a false alarm", request=s.EmergencyReasonSerializer, responses=ACTION
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: Any = None) -> Response:
        return self._run(
            request,
            s.EmergencyReasonSerializer,
            lambda i, v: services.dismiss_incident(i, actor=request.user, **v),
        )


# --- drills ---------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List drill programmes"),
    create=extend_schema(summary="Add a drill programme"),
)
class ProgrammeViewSet(viewsets.ModelViewSet):
    read_permission = "emergency.view_drillprogramme"
    permission_classes = [ReadPermission]
    serializer_class = s.ProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    ordering = ["next_due_on"]

    def get_queryset(self) -> QuerySet[DrillProgramme]:
        return access.visible_programmes(self.request.user).select_related("plan")

    def perform_create(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        _plan_in_scope(self.request.user, values["plan"])
        serializer.instance = services.save_programme(None, actor=self.request.user, **values)

    def perform_update(self, serializer: Any) -> None:
        values = dict(serializer.validated_data)
        _plan_in_scope(self.request.user, values.get("plan"))
        serializer.instance = services.save_programme(
            serializer.instance, actor=self.request.user, **values
        )

    def perform_destroy(self, instance: DrillProgramme) -> None:
        services.delete_programme(instance, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List drills"),
    create=extend_schema(
        summary="Start a drill (an exercise incident)",
        request=s.DrillCreateSerializer,
        responses={201: s.DrillSerializer, 400: VALIDATION_ERROR},
    ),
)
class DrillViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    read_permission = "emergency.view_drill"
    permission_classes = [ReadPermission]
    serializer_class = s.DrillSerializer
    filterset_class = DrillFilterSet
    ordering = ["-started_at"]

    def get_queryset(self) -> QuerySet[Drill]:
        return access.visible_drills(self.request.user).select_related("incident")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.DrillCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        _plan_in_scope(request.user, values["plan"])
        if (
            values["programme"] is not None
            and not access.visible_programmes(request.user)
            .filter(pk=values["programme"].pk)
            .exists()
        ):
            raise DomainError("Unknown programme.", field="programme")
        drill = services.start_drill(actor=request.user, **values)
        return Response(s.DrillSerializer(drill).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a drill not yet under way",
        request=s.EmergencyReasonSerializer,
        responses={200: s.DrillSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        data = s.EmergencyReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        drill = services.cancel_drill(
            self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.DrillSerializer(drill).data)
