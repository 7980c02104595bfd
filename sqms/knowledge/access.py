"""Permission- and scope-checked fetches of knowledge articles for views and the API."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.knowledge.models import Article, ArticleQuerySet, ArticleReview, ArticleVersion

VIEW = "knowledge.view_article"

# What a list row shows: one join per column instead of a query per row.
LIST_RELATED = ("org_unit", "owner", "category")


def visible_articles(user: Any) -> ArticleQuerySet:
    """The articles `user` may see (none without the view permission), ready for a list."""
    if not user.is_authenticated or not user.has_perm(VIEW):
        return Article.objects.none()
    return Article.objects.visible_to(user).select_related(*LIST_RELATED)


def with_detail(queryset: ArticleQuerySet) -> ArticleQuerySet:
    """Add what an article's page shows: versions with authors, reviews with reviewers."""
    return queryset.select_related(
        "current_version", "pending_version__author", "source_ticket", "created_by"
    ).prefetch_related(
        Prefetch("versions", queryset=ArticleVersion.objects.select_related("author")),
        Prefetch("reviews", queryset=ArticleReview.objects.select_related("reviewer", "version")),
    )


def access_article(user: Any, pk: Any, *, detail: bool = False) -> Article:
    """One article the user may see; 404 otherwise, 403 without the view permission."""
    if not user.is_authenticated or not user.has_perm(VIEW):
        raise PermissionDenied(_("You may not view knowledge articles."))
    queryset = visible_articles(user)
    if detail:
        queryset = with_detail(queryset)
    try:
        return queryset.get(pk=pk)
    except (Article.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such knowledge article.")) from missing
