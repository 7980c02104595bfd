"""Serializers of the knowledge API: reading articles, and the inputs of each service."""

from typing import Any

from rest_framework import serializers

from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.core.models import OrgUnit, User
from sqms.knowledge.models import Article, ArticleReview, ArticleVersion
from sqms.servicedesk.models import Category


class ArticleSerializer(ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.display_name", read_only=True)
    owner_name = serializers.SerializerMethodField()
    category_name = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    is_expired = serializers.BooleanField(read_only=True)
    tags = serializers.ListField(
        source="product_list", child=serializers.CharField(), read_only=True
    )
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "number",
            "title",
            "problem",
            "cause",
            "solution",
            "products",
            "tags",
            "category",
            "category_name",
            "org_unit",
            "org_unit_name",
            "status",
            "status_label",
            "owner",
            "owner_name",
            "review_by",
            "is_expired",
            "published_at",
            "usage_count",
            "helpful_count",
            "not_helpful_count",
            "source_ticket",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_owner_name(self, article: Article) -> str:
        owner = article.owner
        return (owner.get_full_name() or owner.username) if owner else ""

    def get_category_name(self, article: Article) -> str:
        return str(article.category) if article.category else ""


class VersionSerializer(ModelSerializer):
    author_name = serializers.SerializerMethodField()
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = ArticleVersion
        fields = [
            "number",
            "state",
            "state_label",
            "title",
            "problem",
            "cause",
            "solution",
            "products",
            "category",
            "author",
            "author_name",
            "change_note",
            "created_at",
        ]
        read_only_fields = fields

    def get_author_name(self, version: ArticleVersion) -> str:
        return version.author.get_full_name() or version.author.username


class ReviewSerializer(ModelSerializer):
    decision_label = serializers.CharField(source="get_decision_display", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = ArticleReview
        fields = ["version", "reviewer", "decision", "decision_label", "comment", "created_at"]
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    current_version = serializers.IntegerField(
        source="current_version.number", read_only=True, default=None
    )
    pending_version = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    reviews = ReviewSerializer(many=True, read_only=True)

    class Meta(ArticleSerializer.Meta):
        fields = [
            *ArticleSerializer.Meta.fields,
            "current_version",
            "pending_version",
            "versions",
            "reviews",
        ]
        read_only_fields = fields

    def _may_see_drafts(self, article: Article) -> bool:
        from sqms.knowledge import services

        user = self.context["request"].user
        return services.may_edit(user, article) or services.may_publish(user, article)

    def get_pending_version(self, article: Article) -> dict[str, Any] | None:
        pending = article.pending_version
        if pending is None or not self._may_see_drafts(article):
            return None
        return dict(VersionSerializer(pending).data)

    def get_versions(self, article: Article) -> list[dict[str, Any]]:
        versions = list(article.versions.all())
        if not self._may_see_drafts(article):
            versions = [v for v in versions if v.state in ("published", "superseded")]
        return [dict(VersionSerializer(version).data) for version in versions]


class ArticleWriteSerializer(Serializer):
    """The input of writing or editing an article (the rules are the services')."""

    title = serializers.CharField(max_length=200)
    problem = serializers.CharField()
    cause = serializers.CharField(required=False, allow_blank=True, default="")
    solution = serializers.CharField()
    products = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
    )
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), required=False, allow_null=True, default=None
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    review_by = serializers.DateField(required=False, allow_null=True)
    change_note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )


class ArticleUpdateSerializer(ArticleWriteSerializer):
    """PATCH: any of the fields; text changes become a new version."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ArticleCommentSerializer(Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SendBackSerializer(Serializer):
    comment = serializers.CharField()


class ArchiveSerializer(Serializer):
    reason = serializers.CharField(max_length=300)


class RenewSerializer(Serializer):
    review_by = serializers.DateField()


class VoteSerializer(Serializer):
    helpful = serializers.BooleanField()


class UseSerializer(Serializer):
    ticket = serializers.IntegerField(min_value=1)


class SearchResultSerializer(ModelSerializer):
    category_name = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "number",
            "title",
            "problem",
            "solution",
            "products",
            "category",
            "category_name",
            "usage_count",
            "helpful_count",
            "url",
        ]
        read_only_fields = fields

    def get_category_name(self, article: Article) -> str:
        return str(article.category) if article.category else ""
