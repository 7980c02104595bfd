"""Models of the insight app: trained text models and the outcomes of their suggestions."""

from sqms.insight.models.text_models import SuggestionOutcome, TextModel

__all__ = ["SuggestionOutcome", "TextModel"]
