"""Serializers of the insight API: the suggestion request and answer, text models."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sqms.core.api.base_serializers import ModelSerializer, Serializer
from sqms.insight.models import TextModel

MAX_TEXT = 5000


class SuggestRequestSerializer(Serializer):
    title = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=MAX_TEXT, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("title", "").strip() or attrs.get("description", "").strip()):
            raise serializers.ValidationError(
                {"title": [_("Give a title or a description to get suggestions.")]}
            )
        return attrs


class CategorySuggestionSerializer(Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    probability = serializers.FloatField()


class PrioritySuggestionSerializer(Serializer):
    priority = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment] # a field named like Field.label
    probability = serializers.FloatField()
    impact = serializers.IntegerField()
    urgency = serializers.IntegerField()


class SimilarTicketSerializer(Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    score = serializers.FloatField()
    url = serializers.CharField()


class SimilarArticleSerializer(Serializer):
    title = serializers.CharField()
    url = serializers.CharField()


class SuggestionsSerializer(Serializer):
    categories = CategorySuggestionSerializer(many=True)
    priority = PrioritySuggestionSerializer(allow_null=True)
    similar_tickets = SimilarTicketSerializer(many=True)
    articles = SimilarArticleSerializer(many=True)
    category_model = serializers.IntegerField(allow_null=True, help_text="version")
    priority_model = serializers.IntegerField(allow_null=True, help_text="version")


class TextModelSerializer(ModelSerializer):
    trained_by = serializers.SerializerMethodField()

    class Meta:
        model = TextModel
        fields = [
            "id",
            "purpose",
            "version",
            "created_at",
            "trained_by",
            "n_train",
            "n_test",
            "metrics",
            "labels",
            "sha256",
            "is_active",
            "activation_note",
            "seconds",
        ]
        read_only_fields = fields

    def get_trained_by(self, obj: TextModel) -> str | None:
        return obj.trained_by.username if obj.trained_by else None


class TrainRequestSerializer(Serializer):
    force = serializers.BooleanField(required=False, default=False)


class TrainQueuedSerializer(Serializer):
    queued = serializers.BooleanField()
    task_id = serializers.CharField(allow_null=True)
