"""REST endpoints of the knowledge base: articles (list, detail, write, edit as new versions),
their review steps, archive, expiry renewal, helpful votes, uses on tickets, and search.

Articles are fetched within the requesting user's scope only (404 outside it); every change
is made by a service in sqms.knowledge.services, which raises DomainError (400) or
ConflictError (409) and changes nothing when it refuses.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sqms.core.api.views import CONFLICT, NOT_FOUND, VALIDATION_ERROR
from sqms.knowledge import services
from sqms.knowledge.access import access_article, visible_articles, with_detail
from sqms.knowledge.api.serializers import (
    ArchiveSerializer,
    ArticleCommentSerializer,
    ArticleDetailSerializer,
    ArticleSerializer,
    ArticleUpdateSerializer,
    ArticleWriteSerializer,
    RenewSerializer,
    SearchResultSerializer,
    SendBackSerializer,
    UseSerializer,
    VoteSerializer,
)
from sqms.knowledge.filtersets import ArticleFilterSet
from sqms.knowledge.models import Article
from sqms.knowledge.search import search_articles

VIEW = services.VIEW
ADD = services.ADD
TAGS = ["knowledge"]
MAX_SEARCH_RESULTS = 20
STEP_RESPONSES = {
    200: ArticleDetailSerializer,
    400: VALIDATION_ERROR,
    404: NOT_FOUND,
    409: CONFLICT,
}


class ArticlePermission(BasePermission):
    """Reading needs view; writing needs add. Editing and the review steps are left to the
    services (the owner edits without the change permission; reviewers need publish)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.has_perm(VIEW)):
            return False
        if getattr(view, "action", None) == "create":
            return bool(user.has_perm(ADD))
        return True


@extend_schema_view(
    list=extend_schema(
        summary="List knowledge articles",
        description="Articles you may see: published ones of your unit, the units above and "
        "below it; drafts you own; drafts and articles in review of your units when you "
        "review. `q` searches the text (Chinese words, best match first); filter by problem "
        "type, status, product and expiry.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Get a knowledge article",
        description="The article with its versions and reviews (drafts only for their authors "
        "and reviewers).",
        responses={200: ArticleDetailSerializer, 404: NOT_FOUND},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Write a knowledge article",
        description="A new draft (version 1); your unit unless `org_unit` names another in "
        "your scope.",
        request=ArticleWriteSerializer,
        responses={201: ArticleDetailSerializer, 400: VALIDATION_ERROR},
        examples=[
            OpenApiExample(
                "Broadband outage",
                value={
                    "title": "宽带无法上网/断网处理办法",
                    "problem": "客户反映家里宽带突然断网，光猫 LOS 灯红色闪烁",
                    "cause": "入户光纤弯折或光猫故障",
                    "solution": "1. 指导客户重启光猫；2. 检查光纤接头；3. 仍不通则派单上门",
                    "products": "宽带, 光猫",
                },
                request_only=True,
            )
        ],
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Edit a knowledge article",
        description="Text changes become a new version: of a draft at once, of a published "
        "article as a revision awaiting review. Owner, review date and unit change in place.",
        request=ArticleUpdateSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    ),
)
class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ArticlePermission]
    filterset_class = ArticleFilterSet
    # No default ordering: a search orders by relevance; otherwise the newest change first.
    ordering_fields = ["updated_at", "number", "title", "usage_count", "helpful_count"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Article]:
        queryset = visible_articles(self.request.user)
        if self.action == "retrieve":
            queryset = with_detail(queryset)
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return ArticleDetailSerializer
        if self.action == "create":
            return ArticleWriteSerializer
        if self.action == "partial_update":
            return ArticleUpdateSerializer
        return ArticleSerializer

    def _detail(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = access_article(self.request.user, pk, detail=True)
        body = ArticleDetailSerializer(fresh, context=self.get_serializer_context())
        return Response(body.data, status=code)

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = self._input(ArticleWriteSerializer)
        written = services.create_article(actor=request.user, **values)
        return self._detail(written.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = access_article(request.user, kwargs["pk"])
        values = self._input(ArticleUpdateSerializer)
        services.update_article(target, actor=request.user, **values)
        return self._detail(target.pk)

    @extend_schema(
        summary="Submit for review",
        request=None,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        target = access_article(request.user, pk)
        services.submit_for_review(target, actor=request.user)
        return self._detail(target.pk)

    @extend_schema(
        summary="Approve and publish",
        description="By a reviewer of the article's unit who did not write the version.",
        request=ArticleCommentSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        target = access_article(request.user, pk)
        values = self._input(ArticleCommentSerializer)
        services.approve_article(target, actor=request.user, comment=values["comment"])
        return self._detail(target.pk)

    @extend_schema(
        summary="Send back to the author",
        request=SendBackSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: Any = None) -> Response:
        target = access_article(request.user, pk)
        values = self._input(SendBackSerializer)
        services.send_back_article(target, actor=request.user, comment=values["comment"])
        return self._detail(target.pk)

    @extend_schema(
        summary="Archive", request=ArchiveSerializer, responses=STEP_RESPONSES, tags=TAGS
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: Any = None) -> Response:
        target = access_article(request.user, pk)
        values = self._input(ArchiveSerializer)
        services.archive_article(target, actor=request.user, reason=values["reason"])
        return self._detail(target.pk)

    @extend_schema(
        summary="Renew the review date",
        description="The expiry review: the article was checked and stays valid until then.",
        request=RenewSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: Any = None) -> Response:
        target = access_article(request.user, pk)
        values = self._input(RenewSerializer)
        services.renew_review(target, actor=request.user, review_by=values["review_by"])
        return self._detail(target.pk)

    @extend_schema(
        summary="Vote helpful or not",
        description="One vote per reader; voting again replaces the first vote.",
        request=VoteSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: Any = None) -> Response:
        target = access_article(request.user, pk)
        values = self._input(VoteSerializer)
        services.vote(target, actor=request.user, helpful=values["helpful"])
        return self._detail(target.pk)

    @extend_schema(
        summary="Record a use on a ticket",
        description="The article helped handle the ticket (counted once per ticket).",
        request=UseSerializer,
        responses=STEP_RESPONSES,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def use(self, request: Request, pk: Any = None) -> Response:
        target = access_article(request.user, pk)
        values = self._input(UseSerializer)
        services.record_use(target, actor=request.user, ticket=values["ticket"])
        return self._detail(target.pk)


class ArticleSearchView(APIView):
    permission_classes = [ArticlePermission]

    @extend_schema(
        summary="Search the knowledge base",
        description="Published articles you may see that match `q` (Chinese words are found "
        "inside longer texts: 宽带断网 finds 宽带无法上网/断网), best first; the most recently "
        "published for an empty query.",
        parameters=[
            OpenApiParameter("q", str, description="What the customer says"),
            OpenApiParameter("limit", int, description="At most this many (1–20, default 5)"),
        ],
        responses={200: SearchResultSerializer(many=True), 400: VALIDATION_ERROR},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        text = str(request.query_params.get("q", ""))[:500]
        raw_limit = request.query_params.get("limit") or "5"
        try:
            limit = int(raw_limit)
        except ValueError as bad:
            raise serializers.ValidationError({"limit": [_("Enter a whole number.")]}) from bad
        if not 1 <= limit <= MAX_SEARCH_RESULTS:
            raise serializers.ValidationError(
                {"limit": [_("Enter a number from 1 to %(max)d.") % {"max": MAX_SEARCH_RESULTS}]}
            )
        found = search_articles(request.user, text, limit=limit)
        return Response(SearchResultSerializer(found, many=True).data)
