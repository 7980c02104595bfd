"""REST endpoints of the insight app: suggestions for a text, text models, retraining.

Suggestions need the use permission and only ever name tickets the caller may see; with no
trained model the answer is 200 with empty suggestions. Model metrics need the view
permission, retraining the train permission (queued; 202).
"""

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sqms.core.api.views import VALIDATION_ERROR
from sqms.insight import services
from sqms.insight.api.serializers import (
    SuggestionsSerializer,
    SuggestRequestSerializer,
    TextModelSerializer,
    TrainQueuedSerializer,
    TrainRequestSerializer,
)
from sqms.insight.features import ticket_text
from sqms.insight.models import TextModel
from sqms.insight.roles import TRAIN, USE, VIEW_MODELS
from sqms.insight.suggest import suggest

TAGS = ["insight"]


def _has(user: Any, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(permission))


class CanUseSuggestions(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return _has(request.user, USE)


class ModelPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not _has(request.user, VIEW_MODELS):
            return False
        if getattr(view, "action", None) == "train":
            return bool(request.user.has_perm(TRAIN))
        return True


class SuggestView(APIView):
    permission_classes = [CanUseSuggestions]

    @extend_schema(
        tags=TAGS,
        summary="Suggestions for a new ticket's text",
        request=SuggestRequestSerializer,
        responses={200: SuggestionsSerializer, 400: VALIDATION_ERROR},
        examples=[
            OpenApiExample(
                "Broadband outage",
                value={
                    "title": "宽带断网",
                    "description": "家里宽带从昨晚开始断网，光猫红灯一直闪",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = SuggestRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        suggestions = suggest(ticket_text(data["title"], data["description"]), request.user)
        return Response(SuggestionsSerializer(suggestions.as_dict()).data)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Text model versions with their metrics"),
    retrieve=extend_schema(tags=TAGS, summary="One text model version"),
)
class TextModelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TextModelSerializer
    permission_classes = [ModelPermission]

    def get_queryset(self) -> Any:
        # Models are organisation-wide (trained on all history), not scoped to a unit.
        return TextModel.objects.select_related("trained_by").order_by("purpose", "-version")

    @extend_schema(
        tags=TAGS,
        summary="Retrain the models (queued)",
        request=TrainRequestSerializer,
        responses={202: TrainQueuedSerializer, 400: VALIDATION_ERROR},
    )
    # JSON only: a form body has no way to be wrong (any junk is read as no fields).
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def train(self, request: Request) -> Response:
        serializer = TrainRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.request_training(
            actor=request.user, force=serializer.validated_data["force"]
        )
        return Response(
            {"queued": True, "task_id": str(result.id)},
            status=status.HTTP_202_ACCEPTED,
        )
