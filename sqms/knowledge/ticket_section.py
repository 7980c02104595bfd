"""The knowledge card on the ticket page: articles that match the ticket (each can be marked
"used for this ticket"), the articles already used, and for a resolved ticket the one-click
"write an article from this ticket"."""

from typing import Any

from django.http import HttpRequest

from sqms.knowledge.choices import ArticleStatus

VIEW = "knowledge.view_article"
ADD = "knowledge.add_article"
RESOLVED = ("resolved", "verified", "closed")
SUGGESTIONS = 3


def ticket_context(request: HttpRequest, ticket: Any) -> dict[str, Any] | None:
    from sqms.knowledge.models import Article, ArticleUse
    from sqms.knowledge.search import search_articles

    user: Any = request.user
    if not user.is_authenticated or not user.has_perm(VIEW):
        return None
    used_ids = list(
        ArticleUse.objects.filter(ticket=ticket).values_list("article_id", flat=True)[:20]
    )
    used = list(
        Article.objects.visible_to(user)
        .filter(pk__in=used_ids, status=ArticleStatus.PUBLISHED)
        .order_by("title")
    )
    suggestions = [
        article
        for article in search_articles(
            user, f"{ticket.title} {ticket.description}", limit=SUGGESTIONS + len(used)
        )
        if article.pk not in used_ids
    ][:SUGGESTIONS]
    may_write = user.has_perm(ADD) and ticket.status in RESOLVED and bool(ticket.resolution)
    written = Article.objects.visible_to(user).filter(source_ticket=ticket).first()
    return {
        "ticket": ticket,
        "suggestions": suggestions,
        "used": used,
        "may_write": may_write,
        "written": written,
    }


def register_sections() -> None:
    """Called from KnowledgeConfig.ready: the card sits beside the ticket's actions."""
    from sqms.servicedesk import extensions

    extensions.register_ticket_section(
        extensions.Section(
            key="knowledge",
            template="knowledge/_ticket_section.html",
            context=ticket_context,
            place="side",
            order=120,
        )
    )
