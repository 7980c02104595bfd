"""Models of the knowledge base (re-exported from the aggregate's module)."""

from sqms.knowledge.models.articles import (
    Article,
    ArticleManager,
    ArticleQuerySet,
    ArticleReview,
    ArticleUse,
    ArticleVersion,
    ArticleVote,
)

__all__ = [
    "Article",
    "ArticleManager",
    "ArticleQuerySet",
    "ArticleReview",
    "ArticleUse",
    "ArticleVersion",
    "ArticleVote",
]
